//! Routes: an ordered chain of sites with the travel between them ("in the
//! footsteps of …"), visited on one day.

use chrono::{DateTime, Duration, Utc};
use thiserror::Error;

use super::{SiteId, VisitSlot};

/// A site on a route, with the slots it has that day and the places each
/// has free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    pub site: SiteId,
    /// Travel from the stop before.
    pub travel: Duration,
    pub slots: Vec<(VisitSlot, u32)>,
}

/// One visit of an itinerary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leg {
    pub site: SiteId,
    pub slot: VisitSlot,
}

pub type Itinerary = Vec<Leg>;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RouteError {
    #[error("route: it has no sites")]
    Empty,
    #[error("slot: the first site has no slot starting then with {headcount} places free")]
    NoStart { headcount: u32 },
    /// Position from 1 in the route.
    #[error("route: stop {position} has no slot after {after} with {headcount} places free")]
    NoSlot {
        position: usize,
        after: DateTime<Utc>,
        headcount: u32,
    },
}

/// The day's itinerary for a group of `headcount` starting with the first
/// stop's slot that starts at `start`: at each later stop, the earliest
/// slot with room that starts once the group can be there.
pub fn plan_route(
    stops: &[Stop],
    start: DateTime<Utc>,
    headcount: u32,
) -> Result<Itinerary, RouteError> {
    let (first, rest) = stops.split_first().ok_or(RouteError::Empty)?;
    let (slot, _) = first
        .slots
        .iter()
        .find(|(slot, free)| slot.starts_at == start && *free >= headcount)
        .ok_or(RouteError::NoStart { headcount })?;
    let mut legs = vec![Leg {
        site: first.site,
        slot: *slot,
    }];
    for (i, stop) in rest.iter().enumerate() {
        let after = legs[legs.len() - 1].slot.ends_at + stop.travel;
        let (slot, _) = stop
            .slots
            .iter()
            .filter(|(slot, free)| slot.starts_at >= after && *free >= headcount)
            .min_by_key(|(slot, _)| slot.starts_at)
            .ok_or(RouteError::NoSlot {
                position: i + 2,
                after,
                headcount,
            })?;
        legs.push(Leg {
            site: stop.site,
            slot: *slot,
        });
    }
    Ok(legs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::{OpeningHours, SlotTimes};
    use chrono::NaiveDate;

    fn stop(site: i64, travel: i64, windows: &str, free: u32) -> Stop {
        let mut week: [Vec<SlotTimes>; 7] = Default::default();
        for day in week.iter_mut() {
            *day = SlotTimes::parse_list(windows).expect("windows");
        }
        let hours = OpeningHours::new(chrono_tz::Asia::Shanghai, 60, week).expect("hours");
        let date = NaiveDate::from_ymd_opt(2026, 12, 8).expect("date");
        Stop {
            site: SiteId(site),
            travel: Duration::minutes(travel),
            slots: hours
                .slots_on(date)
                .into_iter()
                .map(|s| (s, free))
                .collect(),
        }
    }

    #[test]
    fn each_stop_takes_the_first_slot_the_group_can_reach() {
        let stops = [
            stop(1, 0, "09:00-12:00", 50),
            stop(2, 40, "09:00-12:00, 13:00-17:00", 50),
            stop(3, 90, "09:00-17:00", 50),
        ];
        let start = stops[0].slots[0].0.starts_at;
        let legs = plan_route(&stops, start, 30).expect("route");
        let times: Vec<String> = legs.iter().map(|l| l.slot.times.to_string()).collect();
        // 10:00 + 40 minutes: the 11:00 slot; 12:00 + 90: 14:00.
        assert_eq!(times, ["09:00–10:00", "11:00–12:00", "14:00–15:00"]);
    }

    #[test]
    fn a_stop_without_room_fails_the_whole_route() {
        let stops = [
            stop(1, 0, "09:00-12:00", 50),
            stop(2, 30, "09:00-12:00", 10),
        ];
        let start = stops[0].slots[0].0.starts_at;
        assert!(matches!(
            plan_route(&stops, start, 30),
            Err(RouteError::NoSlot { position: 2, .. })
        ));
        assert_eq!(
            plan_route(&stops, start + Duration::minutes(5), 30),
            Err(RouteError::NoStart { headcount: 30 })
        );
        assert_eq!(plan_route(&[], start, 30), Err(RouteError::Empty));
    }
}
