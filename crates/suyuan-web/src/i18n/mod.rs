//! Chinese and English. Each language is one `Texts` value: a key missing
//! from either fails the build, because every field must be given.

mod en;
mod zh;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use std::convert::Infallible;

pub use texts::Texts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

pub const LANG_COOKIE: &str = "sy_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &zh::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }

    /// The remembered choice, else the browser's first preference between
    /// our two, else Chinese.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let jar = CookieJar::from_headers(headers);
        if let Some(lang) = jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|header| {
                header.split(',').find_map(|item| {
                    let tag = item
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    if tag.starts_with("zh") {
                        Some(Lang::Zh)
                    } else if tag.starts_with("en") {
                        Some(Lang::En)
                    } else {
                        None
                    }
                })
            })
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// Fills `{name}`-style holes in a text.
pub fn fill(text: &str, args: &[(&str, &(dyn std::fmt::Display + Sync))]) -> String {
    let mut out = text.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

mod texts {
    /// Every text a page shows. Both catalogs give every field.
    pub struct Texts {
        pub app_name: &'static str,
        pub tagline: &'static str,
        pub home: &'static str,
        pub sign_in: &'static str,
        pub sign_out: &'static str,
        pub change_password: &'static str,
        pub switch_language: &'static str,
        pub login_label: &'static str,
        pub login_hint: &'static str,
        pub wrong_credentials: &'static str,
        pub throttled: &'static str,
        pub password: &'static str,
        pub current_password: &'static str,
        pub new_password: &'static str,
        pub confirm_password: &'static str,
        pub password_rule: &'static str,
        pub must_change_notice: &'static str,
        pub passwords_differ: &'static str,
        pub password_unchanged: &'static str,
        pub wrong_current_password: &'static str,
        pub password_changed: &'static str,
        pub save: &'static str,
        pub welcome: &'static str,
        pub your_unit: &'static str,
        pub member_number: &'static str,
        pub role: &'static str,
        pub role_member: &'static str,
        pub role_admin: &'static str,
        pub role_site_manager: &'static str,
        pub member_home_note: &'static str,
        pub your_scope: &'static str,
        pub members_in_scope: &'static str,
        pub units_below: &'static str,
        pub no_units_below: &'static str,
        pub members: &'static str,
        pub name: &'static str,
        pub phone: &'static str,
        pub code: &'static str,
        pub kind: &'static str,
        pub unit: &'static str,
        pub all_members: &'static str,
        pub members_of: &'static str,
        pub no_members: &'static str,
        pub previous: &'static str,
        pub next: &'static str,
        pub page_of: &'static str,
        pub manage_unit: &'static str,
        pub add_unit_below: &'static str,
        pub create: &'static str,
        pub rename: &'static str,
        pub new_name: &'static str,
        pub move_unit: &'static str,
        pub new_parent_code: &'static str,
        pub move_button: &'static str,
        pub archive: &'static str,
        pub archive_note: &'static str,
        pub archived: &'static str,
        pub import_members: &'static str,
        pub import_help: &'static str,
        pub download_template: &'static str,
        pub import_file: &'static str,
        pub initial_password: &'static str,
        pub initial_password_note: &'static str,
        pub import_button: &'static str,
        pub imported: &'static str,
        pub error_title: &'static str,
        pub not_found: &'static str,
        pub forbidden: &'static str,
        pub bad_csrf: &'static str,
        pub internal_error: &'static str,
        pub back_home: &'static str,
        pub library: &'static str,
        pub contents: &'static str,
        pub no_collections: &'static str,
        pub collection_meta: &'static str,
        pub import_material: &'static str,
        pub import_material_help: &'static str,
        pub material_files: &'static str,
        pub visibility: &'static str,
        pub visibility_public: &'static str,
        pub visibility_subtree: &'static str,
        pub choose_files: &'static str,
        pub material_imported: &'static str,
        pub nothing_imported: &'static str,
        pub text_size: &'static str,
        pub text_small: &'static str,
        pub text_normal: &'static str,
        pub text_large: &'static str,
        pub text_huge: &'static str,
        pub previous_chapter: &'static str,
        pub next_chapter: &'static str,
        pub previous_excerpt: &'static str,
        pub next_excerpt: &'static str,
        pub read_in_chapter: &'static str,
        pub search: &'static str,
        pub search_placeholder: &'static str,
        pub search_found: &'static str,
        pub search_in: &'static str,
        pub search_everywhere: &'static str,
        pub no_results: &'static str,
        pub print_booklet: &'static str,
        pub compiled_by: &'static str,
        pub printed_on: &'static str,
        pub compilations: &'static str,
        pub new_compilation: &'static str,
        pub compilation_title: &'static str,
        pub no_drafts: &'static str,
        pub compilation_help: &'static str,
        pub add_heading: &'static str,
        pub add: &'static str,
        pub move_up: &'static str,
        pub move_down: &'static str,
        pub remove: &'static str,
        pub publish: &'static str,
        pub empty_draft: &'static str,
        pub taken_from: &'static str,
        pub kind_province: &'static str,
        pub kind_office: &'static str,
        pub kind_city: &'static str,
        pub kind_district: &'static str,
        pub kind_county: &'static str,
        pub kind_street: &'static str,
        pub kind_community: &'static str,
        pub kind_village: &'static str,
        pub kind_enterprise: &'static str,
        pub kind_branch: &'static str,
        pub today: &'static str,
        pub campaign_day: &'static str,
        pub streak: &'static str,
        pub days_unit: &'static str,
        pub points_total: &'static str,
        pub points_today: &'static str,
        pub rule_daily_reading: &'static str,
        pub rule_catch_up_reading: &'static str,
        pub rule_extra_reading: &'static str,
        pub rule_streak_bonus: &'static str,
        pub rule_test_passed: &'static str,
        pub rule_test_full_marks: &'static str,
        pub read_waiting: &'static str,
        pub read_scroll: &'static str,
        pub read_sending: &'static str,
        pub read_done: &'static str,
        pub read_retry: &'static str,
        pub read_button: &'static str,
        pub no_campaign: &'static str,
        pub nothing_today: &'static str,
        pub reading_calendar: &'static str,
        pub day_read: &'static str,
        pub day_late: &'static str,
        pub day_missed: &'static str,
        pub day_open: &'static str,
        pub previous_month: &'static str,
        pub next_month: &'static str,
        pub campaigns: &'static str,
        pub new_campaign: &'static str,
        pub campaign_title: &'static str,
        pub campaign_theme: &'static str,
        pub starts_on: &'static str,
        pub ends_on: &'static str,
        pub time_zone: &'static str,
        pub reminder_time: &'static str,
        pub reading_pace: &'static str,
        pub participating_units: &'static str,
        pub material_to_read: &'static str,
        pub no_campaigns: &'static str,
        pub completion_today: &'static str,
        pub members_read: &'static str,
        pub reading_plan: &'static str,
        pub campaign_facts: &'static str,
        pub earlier_days: &'static str,
        pub later_days: &'static str,
        pub move_to: &'static str,
        pub move_it: &'static str,
        pub nothing_that_day: &'static str,
        pub start_reading: &'static str,
        pub reminder_notice: &'static str,
        pub week_topic: &'static str,
        pub edit_campaign: &'static str,
        pub points_each: &'static str,
        pub daily_cap: &'static str,
        pub streak_every: &'static str,
        pub weekdays: [&'static str; 7],
        pub question_bank: &'static str,
        pub question_bank_help: &'static str,
        pub import_questions: &'static str,
        pub import_questions_help: &'static str,
        pub question_file: &'static str,
        pub question_format: &'static str,
        pub question_format_auto: &'static str,
        pub question_format_unknown: &'static str,
        pub question_category: &'static str,
        pub question_category_hint: &'static str,
        pub questions_imported: &'static str,
        pub export_questions: &'static str,
        pub questions_template: &'static str,
        pub all_categories: &'static str,
        pub no_questions: &'static str,
        pub questions_total: &'static str,
        pub more_questions: &'static str,
        pub difficulty: &'static str,
        pub explanation: &'static str,
        pub right_answer: &'static str,
        pub true_word: &'static str,
        pub false_word: &'static str,
        pub kind_single: &'static str,
        pub kind_multiple: &'static str,
        pub kind_true_false: &'static str,
        pub kind_blank: &'static str,
        pub kind_short: &'static str,
        pub tests: &'static str,
        pub no_tests: &'static str,
        pub test_start: &'static str,
        pub test_resume: &'static str,
        pub test_time_limit: &'static str,
        pub test_score: &'static str,
        pub test_passed: &'static str,
        pub test_failed: &'static str,
        pub test_pending: &'static str,
        pub test_upcoming: &'static str,
        pub test_closed: &'static str,
        pub test_deadline: &'static str,
        pub test_time_left: &'static str,
        pub test_save: &'static str,
        pub test_submit: &'static str,
        pub test_saved: &'static str,
        pub test_review: &'static str,
        pub your_answer: &'static str,
        pub not_answered: &'static str,
        pub marked_by_hand: &'static str,
        pub source_excerpt: &'static str,
        pub answer_here: &'static str,
        pub mistake_book: &'static str,
        pub mistakes_due: &'static str,
        pub no_mistakes_due: &'static str,
        pub practice_check: &'static str,
        pub practice_right: &'static str,
        pub practice_wrong: &'static str,
        pub practice_next: &'static str,
        pub ten_day_tests: &'static str,
        pub set_ten_day_tests: &'static str,
        pub ten_day_help: &'static str,
        pub questions_per_test: &'static str,
        pub from_readings_at_most: &'static str,
        pub time_limit_minutes: &'static str,
        pub attempts_allowed: &'static str,
        pub pass_mark: &'static str,
        pub mistakes_per_test: &'static str,
        pub tests_set: &'static str,
        pub ten_day_title: &'static str,
        pub dekad_early: &'static str,
        pub dekad_middle: &'static str,
        pub dekad_late: &'static str,
        pub test_results: &'static str,
        pub participation: &'static str,
        pub average_score: &'static str,
        pub pass_rate: &'static str,
        pub score_distribution: &'static str,
        pub hardest_questions: &'static str,
        pub drawn_earned: &'static str,
        pub by_unit: &'static str,
        pub members_results: &'static str,
        pub not_sat: &'static str,
        pub sat_of: &'static str,
        pub nobody_sat: &'static str,
        pub too_many_members: &'static str,
        pub name_col: &'static str,
        pub unit_col: &'static str,
        pub proposals: &'static str,
        pub proposals_help: &'static str,
        pub generate_questions: &'static str,
        pub period_from: &'static str,
        pub period_to: &'static str,
        pub questions_proposed: &'static str,
        pub proposals_total: &'static str,
        pub accept_question: &'static str,
        pub drop_question: &'static str,
        pub no_proposals: &'static str,
        pub campaign_label: &'static str,
        pub no_ten_day_tests: &'static str,
        pub mark_by_hand: &'static str,
        pub marking_help: &'static str,
        pub nothing_to_mark: &'static str,
        pub model_answer: &'static str,
        pub full_mark: &'static str,
        pub answer_given: &'static str,
        pub score_col: &'static str,
    }
}
