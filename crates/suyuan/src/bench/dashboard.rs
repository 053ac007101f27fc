//! The dashboard scenarios' world: a campaign over the data set's whole
//! province with a month of generated reading by every member (see
//! `history`), so that the dashboards read a province's month.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use indicatif::ProgressBar;

use suyuan_core::campaigns::Campaign;
use suyuan_core::campaigns::DEFAULT_ZONE;
use suyuan_core::library::CollectionId;
use suyuan_core::units::UnitId;
use suyuan_store::Store;

use super::data::Dataset;

const TITLE: &str = "测评进度看板";

pub struct Board {
    pub campaign: Campaign,
    /// A district: two levels below the province.
    pub district: UnitId,
    pub marks: u64,
}

/// Finds the dashboard campaign, or makes it with `days` of history.
pub async fn prepare(
    store: &Store,
    dataset: &Dataset,
    collections: &[CollectionId],
    days: i64,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Board> {
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    let district = store
        .units_at_depth(&dataset.root.path, dataset.root.depth() + 2)
        .await?
        .first()
        .map_or(dataset.root.id, |u| u.id);
    if let Some(campaign) = store
        .campaigns_within(&dataset.root.path)
        .await?
        .into_iter()
        .find(|c| c.title == TITLE && c.calendar.contains(today))
    {
        bar.set_message("reusing the dashboard's month made earlier");
        return Ok(Board {
            campaign,
            district,
            marks: store.count_marks().await?,
        });
    }
    let campaign = super::data::start_campaign(
        store,
        dataset,
        TITLE,
        &[dataset.root.id],
        (today - Duration::days(days), today + Duration::days(10)),
        collections,
        now,
    )
    .await?;
    let written = super::history::add(store, &campaign, now, bar).await?;
    Ok(Board {
        campaign,
        district,
        marks: written,
    })
}
