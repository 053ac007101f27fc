//! What a page says after an action changed something. A handler answers
//! with `done(to, Notice)`: a redirect back to where the person was, and a
//! one-time cookie naming what happened. The page that follows shows it
//! in its chrome, and `clear_once_shown` removes the cookie with that
//! page, so a reload or the next page does not say it again. The notice
//! travels as data, not text, and is worded in the language of the page
//! that shows it.

use axum::extract::Request;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use suyuan_i18n::{Texts, fill};

const COOKIE: &str = "sy_notice";

/// Everything an action can report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Notice {
    PasswordChanged,
    SecondFactorOff,
    CampaignCreated,
    ReadingMoved,
    CampaignSaved,
    TopicSet,
    DraftCreated,
    HeadingAdded,
    ExcerptAdded,
    DraftChanged,
    Published,
    UnitAdded {
        name: String,
    },
    UnitRenamed {
        name: String,
    },
    UnitMoved,
    UnitArchived {
        name: String,
    },
    TestsSet {
        set: usize,
        already: usize,
    },
    AnswerMarked,
    AnswersSaved,
    ReadingRecorded,
    FeedReset,
    CheckedIn {
        late: bool,
    },
    LeaveAsked,
    ReflectionSent,
    /// A status by its code (`present`), worded by the page.
    AttendanceMarked {
        name: String,
        status: String,
    },
    AttendanceMarkedMany {
        count: usize,
        status: String,
    },
    LeaveDecided,
    ReflectionReviewed,
    MinutesSaved,
    Rescheduled,
    GatheringSaved,
    GatheringCancelled,
    PhotoAdded,
    PhotoRemoved,
    GatheringsPlanned {
        count: usize,
    },
    QuestionsProposed {
        added: usize,
        already: usize,
    },
    QuestionsAccepted {
        count: usize,
    },
    QuestionsDropped {
        count: usize,
    },
    Booked,
    BookingRepeated,
    JoinedWaitingList,
    BookingCancelled,
    OfferTakenUp,
    GroupCheckedIn {
        organization: String,
        people: u32,
    },
    GroupAlreadyIn {
        organization: String,
        time: String,
    },
    SlotChanged,
    SiteAdded {
        name: String,
    },
    SiteSaved,
    ManagerNamed {
        name: String,
    },
    ManagerRemoved,
    PledgeMade {
        public: bool,
    },
    PledgeUpdated,
    PledgeCompleted,
    PledgeDecided {
        approved: bool,
    },
    PledgeConfirmed {
        counted: bool,
    },
    CommentHeld,
    QuizHandedIn {
        score: u32,
    },
    FeatureSaved,
    QuestionsPublished {
        count: usize,
    },
    QuestionsWithdrawn {
        count: usize,
    },
    RequestSent,
    RequestResponded {
        reopened: bool,
    },
    /// A unit's step on a request, by the step's code.
    RequestStep {
        step: String,
    },
    CommentModerated {
        shown: bool,
    },
}

impl Notice {
    pub fn text(&self, t: &Texts) -> String {
        match self {
            Notice::PasswordChanged => t.password_changed.to_owned(),
            Notice::SecondFactorOff => t.second_factor.turned_off.to_owned(),
            Notice::CampaignCreated => t.done_campaign_created.to_owned(),
            Notice::ReadingMoved => t.done_reading_moved.to_owned(),
            Notice::CampaignSaved => t.done_saved.to_owned(),
            Notice::TopicSet => t.done_topic_set.to_owned(),
            Notice::DraftCreated => t.done_draft_created.to_owned(),
            Notice::HeadingAdded => t.done_heading_added.to_owned(),
            Notice::ExcerptAdded => t.done_excerpt_added.to_owned(),
            Notice::DraftChanged => t.done_saved.to_owned(),
            Notice::Published => t.done_published.to_owned(),
            Notice::UnitAdded { name } => fill(t.done_unit_added, &[("name", name)]),
            Notice::UnitRenamed { name } => fill(t.done_unit_renamed, &[("name", name)]),
            Notice::UnitMoved => t.done_unit_moved.to_owned(),
            Notice::UnitArchived { name } => fill(t.done_unit_archived, &[("name", name)]),
            Notice::TestsSet { set, already } => {
                fill(t.tests_set, &[("set", set), ("already", already)])
            }
            Notice::AnswerMarked => t.done_answer_marked.to_owned(),
            Notice::AnswersSaved => t.done_answers_saved.to_owned(),
            Notice::ReadingRecorded => t.done_reading_recorded.to_owned(),
            Notice::FeedReset => t.done_feed_reset.to_owned(),
            Notice::CheckedIn { late: false } => t.done_checked_in.to_owned(),
            Notice::CheckedIn { late: true } => t.done_checked_in_late.to_owned(),
            Notice::LeaveAsked => t.done_leave_asked.to_owned(),
            Notice::ReflectionSent => t.done_reflection_sent.to_owned(),
            Notice::AttendanceMarked { name, status } => fill(
                t.done_attendance_marked,
                &[("name", name), ("status", &status_name(t, status))],
            ),
            Notice::AttendanceMarkedMany { count, status } => fill(
                t.done_attendance_marked_many,
                &[("count", count), ("status", &status_name(t, status))],
            ),
            Notice::LeaveDecided => t.done_leave_decided.to_owned(),
            Notice::ReflectionReviewed => t.done_reflection_reviewed.to_owned(),
            Notice::MinutesSaved => t.done_minutes_saved.to_owned(),
            Notice::Rescheduled => t.done_rescheduled.to_owned(),
            Notice::GatheringSaved => t.done_saved.to_owned(),
            Notice::GatheringCancelled => t.done_gathering_cancelled.to_owned(),
            Notice::PhotoAdded => t.done_photo_added.to_owned(),
            Notice::PhotoRemoved => t.done_photo_removed.to_owned(),
            Notice::GatheringsPlanned { count } => {
                fill(t.done_gatherings_planned, &[("count", count)])
            }
            Notice::QuestionsProposed { added, already } => fill(
                t.questions_proposed,
                &[("added", added), ("already", already)],
            ),
            Notice::QuestionsAccepted { count } => {
                fill(t.done_questions_accepted, &[("count", count)])
            }
            Notice::QuestionsDropped { count } => {
                fill(t.done_questions_dropped, &[("count", count)])
            }
            Notice::Booked => t.sites.done_booked.to_owned(),
            Notice::BookingRepeated => t.sites.done_booking_repeated.to_owned(),
            Notice::JoinedWaitingList => t.sites.done_waiting.to_owned(),
            Notice::BookingCancelled => t.sites.done_cancelled.to_owned(),
            Notice::OfferTakenUp => t.sites.done_offer_taken_up.to_owned(),
            Notice::GroupCheckedIn {
                organization,
                people,
            } => fill(
                t.sites.done_group_checked_in,
                &[("organization", organization), ("n", people)],
            ),
            Notice::GroupAlreadyIn { organization, time } => fill(
                t.sites.done_group_already_in,
                &[("organization", organization), ("time", time)],
            ),
            Notice::SlotChanged => t.sites.done_slot_changed.to_owned(),
            Notice::SiteAdded { name } => fill(t.sites.done_site_added, &[("name", name)]),
            Notice::SiteSaved => t.done_saved.to_owned(),
            Notice::ManagerNamed { name } => fill(t.sites.done_manager_named, &[("name", name)]),
            Notice::ManagerRemoved => t.sites.done_manager_removed.to_owned(),
            Notice::PledgeMade { public: true } => t.pledges.done_made_public.to_owned(),
            Notice::PledgeMade { public: false } => t.pledges.done_made_awaiting.to_owned(),
            Notice::PledgeUpdated => t.pledges.done_updated.to_owned(),
            Notice::PledgeCompleted => t.pledges.done_completed.to_owned(),
            Notice::PledgeDecided { approved: true } => t.pledges.done_approved.to_owned(),
            Notice::PledgeDecided { approved: false } => t.pledges.done_returned.to_owned(),
            Notice::PledgeConfirmed { counted: true } => t.pledges.done_confirmed.to_owned(),
            Notice::PledgeConfirmed { counted: false } => {
                t.pledges.done_confirmed_before.to_owned()
            }
            Notice::CommentHeld => t.pledges.done_comment_held.to_owned(),
            Notice::QuizHandedIn { score } => fill(t.public.done_quiz, &[("score", score)]),
            Notice::FeatureSaved => t.public.done_feature.to_owned(),
            Notice::QuestionsPublished { count } => {
                fill(t.public.done_published, &[("count", count)])
            }
            Notice::QuestionsWithdrawn { count } => {
                fill(t.public.done_withdrawn, &[("count", count)])
            }
            Notice::RequestSent => t.requests.done_sent.to_owned(),
            Notice::RequestResponded { reopened: true } => t.requests.done_reopened.to_owned(),
            Notice::RequestResponded { reopened: false } => t.requests.done_confirmed.to_owned(),
            Notice::RequestStep { step } => match step.as_str() {
                "acknowledged" => t.requests.done_acknowledged,
                "answered" => t.requests.done_answered,
                "sent_on" => t.requests.done_sent_on,
                "sent_back" => t.requests.done_sent_back,
                "rerouted" => t.requests.done_rerouted,
                "extension_asked" => t.requests.done_extension_asked,
                "extension_decided" => t.requests.done_extension_decided,
                "hidden" => t.requests.done_hidden,
                "settings" => t.requests.done_settings,
                _ => t.requests.done_shown,
            }
            .to_owned(),
            Notice::CommentModerated { shown: true } => t.pledges.done_comment_shown.to_owned(),
            Notice::CommentModerated { shown: false } => t.pledges.done_comment_hidden.to_owned(),
        }
    }

    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(value: &str) -> Option<Self> {
        let json = URL_SAFE_NO_PAD.decode(value).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The notice this request carries, if any.
    pub fn of(parts: &Parts) -> Option<Self> {
        CookieJar::from_headers(&parts.headers)
            .get(COOKIE)
            .and_then(|cookie| Self::decode(cookie.value()))
    }
}

fn status_name(t: &Texts, code: &str) -> String {
    suyuan_core::gatherings::Attendance::parse(code).map_or_else(
        || code.to_owned(),
        |status| crate::gatherings::attendance_name(t, status).to_owned(),
    )
}

/// Redirects to `to` (a path, with a `#place` to return to) saying what
/// was done.
pub fn done(to: &str, notice: Notice) -> Response {
    let cookie = Cookie::build((COOKIE, notice.encode()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::minutes(1))
        .build();
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = cookie.to_string().parse() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// Removes the notice cookie once a page (anything but a redirect) has
/// answered the request that carried it.
pub async fn clear_once_shown(request: Request, next: Next) -> Response {
    let carried = CookieJar::from_headers(request.headers())
        .get(COOKIE)
        .is_some();
    let mut response = next.run(request).await;
    if carried && !response.status().is_redirection() {
        let gone = Cookie::build((COOKIE, ""))
            .path("/")
            .max_age(time::Duration::ZERO)
            .build();
        if let Ok(value) = gone.to_string().parse() {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_survives_its_cookie() {
        let notice = Notice::AttendanceMarked {
            name: "张三".into(),
            status: "present".into(),
        };
        assert_eq!(Notice::decode(&notice.encode()), Some(notice));
        assert_eq!(Notice::decode("not a notice"), None);
    }
}
