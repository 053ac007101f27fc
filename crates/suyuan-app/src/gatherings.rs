//! Planning gatherings: weekly study, monthly lectures and activity days,
//! one at a time or as a series.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use suyuan_core::campaigns::{Calendar, Campaign, CampaignId, DEFAULT_ZONE};
use suyuan_core::gatherings::Details;
use suyuan_core::gatherings::{Kind, Schedule, Slot};
use suyuan_core::members::MemberId;
use suyuan_core::units::UnitId;
use suyuan_store::Store;
use suyuan_store::gatherings::{GatheringId, NewGathering};

use crate::{AppError, AppResult};

/// A gathering, or a series of them, to plan for a unit's subtree.
#[derive(Debug, Clone)]
pub struct Planned {
    pub unit: UnitId,
    /// The campaign it belongs to; its zone places the times, and its
    /// plan gives weekly study its topic.
    pub campaign: Option<Campaign>,
    pub kind: Kind,
    pub details: Details,
    pub schedule: Schedule,
}

/// Plans gatherings, all in one transaction: one per date of each
/// schedule, at its local time in the campaign's zone (the default zone
/// without a campaign). A weekly study with no topic of its own takes its
/// week's topic from the campaign's plan.
pub async fn plan(
    store: &Store,
    planned: Vec<Planned>,
    organizer: MemberId,
    now: DateTime<Utc>,
) -> AppResult<Vec<GatheringId>> {
    let mut new = Vec::new();
    // Each campaign's week topics, read once however many units plan.
    let mut topics_of: HashMap<CampaignId, BTreeMap<NaiveDate, String>> = HashMap::new();
    for planned in planned {
        let dates = planned.schedule.dates();
        if dates.is_empty() {
            return Err(AppError::invalid(
                "repeat",
                "no date between the first day and the last matches",
            ));
        }
        let no_topics = BTreeMap::new();
        let topics = match &planned.campaign {
            Some(campaign) => {
                let unit = store.unit(planned.unit).await?;
                if !campaign.includes(&unit.path) {
                    return Err(AppError::invalid(
                        "campaign",
                        format!("{} does not take part in it", unit.name),
                    ));
                }
                match topics_of.entry(campaign.id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(unread) => unread.insert(store.week_topics(campaign.id).await?),
                }
            }
            None => &no_topics,
        };
        let zone = planned
            .campaign
            .as_ref()
            .map_or(DEFAULT_ZONE, |c| c.calendar.zone);
        let schedule = planned.schedule;
        for date in dates {
            let mut details = planned.details.clone();
            if planned.kind == Kind::WeeklyStudy
                && details.topic.trim().is_empty()
                && let Some(topic) = topics.get(&Calendar::week_of(date))
            {
                details.topic = topic.clone();
            }
            new.push(NewGathering {
                unit: planned.unit,
                campaign: planned.campaign.as_ref().map(|c| c.id),
                kind: planned.kind,
                details,
                slot: Slot::local(zone, date, schedule.starts, schedule.minutes),
            });
        }
    }
    Ok(store.create_gatherings(new, organizer, now).await?)
}
