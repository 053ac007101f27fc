//! The `home` scenario's world: a branch a year into a daily campaign of
//! its own (two readings a day), with its members' year of reading (see
//! `history`), so that their home pages stand on a year of marks.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use indicatif::ProgressBar;

use suyuan_app::library::{MaterialFile, import_material};
use suyuan_core::campaigns::{Campaign, DEFAULT_ZONE};
use suyuan_core::library::Visibility;
use suyuan_core::members::MemberId;
use suyuan_store::Store;

use super::data::Dataset;

const TITLE: &str = "全年学习";
const BOOK: &str = "全年读本";
/// Days the campaign has run before today.
pub const DAYS_BEHIND: i64 = 365;
const DAYS_AHEAD: i64 = 30;

pub struct Year {
    pub campaign: Campaign,
    /// The branch's members, each with a year of reading behind them.
    pub members: Vec<MemberId>,
    pub marks: u64,
}

/// Two paragraphs for each day of the campaign, a few hundred characters
/// each: the branch's own study book.
fn book() -> MaterialFile {
    let days = DAYS_BEHIND + DAYS_AHEAD + 1;
    let mut text = format!("# {BOOK}\n\n<!-- INFO END -->\n\n");
    for i in 0..days * 2 {
        text.push_str(&format!("## 第{}篇\n\n", i + 1));
        for _ in 0..6 {
            text.push_str("学习贯彻宪法精神，增强法治观念，做到学法、知法、守法、用法，");
            text.push_str("把所学转化为为群众办实事的具体行动。");
        }
        text.push_str("\n\n");
    }
    MaterialFile {
        category: String::new(),
        name: format!("{BOOK}.md"),
        bytes: text.into_bytes(),
    }
}

/// Finds the year's campaign, or makes it (the book, the campaign for the
/// first settled member's branch, and its members' year of reading).
pub async fn prepare(
    store: &Store,
    dataset: &Dataset,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Year> {
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    let first = *dataset.settled.first().context("no settled member")?;
    let branch = store.member(first).await?.unit;
    let running = store
        .campaigns_for(&branch.path)
        .await?
        .into_iter()
        .find(|c| {
            c.title == TITLE
                && c.units == [branch.id]
                && c.calendar.start == today - Duration::days(DAYS_BEHIND)
        });
    let (campaign, marks) = match running {
        Some(campaign) => {
            bar.set_message("reusing the year of reading made earlier");
            (campaign, 0)
        }
        None => {
            import_material(store, None, &[book()], branch.id, Visibility::Subtree, now).await?;
            let collection = store
                .collections()
                .await?
                .into_iter()
                .find(|c| c.title == BOOK && c.owner == branch.id)
                .context("the year's book is missing")?;
            let campaign = super::data::start_campaign(
                store,
                dataset,
                TITLE,
                &[branch.id],
                (
                    today - Duration::days(DAYS_BEHIND),
                    today + Duration::days(DAYS_AHEAD),
                ),
                &[collection.id],
                now,
            )
            .await?;
            let marks = super::history::add(store, &campaign, now, bar).await?;
            (campaign, marks)
        }
    };
    let members: Vec<MemberId> = store
        .members_of_campaign(&campaign)
        .await?
        .into_iter()
        .map(|(member, _)| member)
        .collect();
    super::data::settle(store, &members, now).await?;
    Ok(Year {
        campaign,
        members,
        marks,
    })
}
