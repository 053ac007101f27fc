//! A campaign's ten-day tests, set in one step and named in the
//! campaign's language.

use chrono::{DateTime, Utc};

use suyuan_core::campaigns::{Campaign, Dekad};
use suyuan_core::exams::TenDayTests;
use suyuan_i18n::{Lang, fill};
use suyuan_store::Store;
use suyuan_store::exams::TestsSet;

use crate::AppResult;

/// The title of a dekad's test: "2026年11月中旬测试".
pub fn ten_day_title(lang: Lang, dekad: Dekad) -> String {
    let t = lang.texts();
    let part = match dekad.index {
        1 => t.dekad_early,
        2 => t.dekad_middle,
        _ => t.dekad_late,
    };
    fill(
        t.ten_day_title,
        &[
            ("year", &dekad.year),
            ("month", &dekad.month),
            ("part", &part),
        ],
    )
}

/// Sets the campaign's ten-day tests, owned by its owner: one for each
/// dekad that has none yet, all or nothing, titled in `lang`.
pub async fn set_ten_day_tests(
    store: &Store,
    campaign: &Campaign,
    plan: TenDayTests,
    lang: Lang,
    now: DateTime<Utc>,
) -> AppResult<TestsSet> {
    Ok(store
        .set_ten_day_tests(
            campaign.id,
            campaign.owner,
            plan,
            |dekad| ten_day_title(lang, dekad),
            now,
        )
        .await?)
}
