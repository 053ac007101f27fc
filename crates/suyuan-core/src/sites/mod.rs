//! On-site teaching sites (现场教学点): what a site is and the rules its
//! visits keep — opening hours and the slots they give, capacity, group
//! rules — and the groups that book them, known by their unified social
//! credit code or as a unit of our tree.

mod booking;
mod hours;
mod routes;
mod uscc;

pub use booking::*;
pub use hours::{HoursError, OpeningHours, SlotTimes, VisitSlot};
pub use routes::{Itinerary, Leg, RouteError, Stop, plan_route};
pub use uscc::{CreditCode, CreditCodeError, OrgKind};

use thiserror::Error;

use crate::text::{self, TextError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteId(pub i64);

/// What kind of place a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteKind {
    /// 纪念馆.
    MemorialHall,
    /// 展览馆、陈列馆.
    ExhibitionHall,
    /// 旧址、故居.
    HistoricSite,
    /// 村.
    Village,
    /// 社区、企业、学校: where today's work is seen.
    Community,
}

impl SiteKind {
    pub const ALL: [SiteKind; 5] = [
        SiteKind::MemorialHall,
        SiteKind::ExhibitionHall,
        SiteKind::HistoricSite,
        SiteKind::Village,
        SiteKind::Community,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SiteKind::MemorialHall => "memorial_hall",
            SiteKind::ExhibitionHall => "exhibition_hall",
            SiteKind::HistoricSite => "historic_site",
            SiteKind::Village => "village",
            SiteKind::Community => "community",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == code.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SiteError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("kind: {0:?} is not a kind of site")]
    Kind(String),
    #[error("{field}: {value} is not a coordinate (latitude −90 to 90, longitude −180 to 180)")]
    Coordinate { field: &'static str, value: String },
    #[error("{field}: a whole number from {min} to {max}, not {value}")]
    Number {
        field: &'static str,
        min: u32,
        max: u32,
        value: String,
    },
    #[error("max_group: the largest group ({max}) is smaller than the smallest ({min})")]
    GroupRange { min: u32, max: u32 },
    #[error("day_capacity: a day holds fewer ({day}) than one slot ({slot})")]
    DayBelowSlot { day: u32, slot: u32 },
    #[error("max_group: a group of {group} does not fit in a slot of {slot} places")]
    GroupAboveSlot { group: u32, slot: u32 },
}

/// Where a site is, as a phone's map app takes it (WGS-84 degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    pub fn parse(latitude: &str, longitude: &str) -> Result<Option<Self>, SiteError> {
        let (latitude, longitude) = (latitude.trim(), longitude.trim());
        if latitude.is_empty() && longitude.is_empty() {
            return Ok(None);
        }
        let degrees = |field: &'static str, value: &str, limit: f64| {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| SiteError::Coordinate {
                    field,
                    value: value.to_owned(),
                })
        };
        Ok(Some(Self {
            latitude: degrees("latitude", latitude, 90.0)?,
            longitude: degrees("longitude", longitude, 180.0)?,
        }))
    }
}

/// What a site tells its visitors about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteDetails {
    pub name: String,
    pub kind: SiteKind,
    pub address: String,
    pub coordinates: Option<Coordinates>,
    /// Paragraphs, one a line.
    pub description: String,
}

impl SiteDetails {
    pub fn new(
        name: &str,
        kind: &str,
        address: &str,
        coordinates: Option<Coordinates>,
        description: &str,
    ) -> Result<Self, SiteError> {
        Ok(Self {
            name: text::required("name", &text::tidy(name), 80)?,
            kind: SiteKind::parse(kind).ok_or_else(|| SiteError::Kind(kind.to_owned()))?,
            address: text::required("address", &text::tidy(address), 200)?,
            coordinates,
            description: text::bounded("description", description, 4000)?,
        })
    }
}

/// How many visitors a site takes, and the groups it takes them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitRules {
    /// Visitors one slot holds.
    pub slot_capacity: u32,
    /// Visitors one day holds, over all its slots.
    pub day_capacity: u32,
    /// The smallest and largest group booked as one.
    pub min_group: u32,
    pub max_group: u32,
    /// How many days ahead a slot can be booked.
    pub days_ahead: u32,
    /// Hours before its start until which a booking can be cancelled.
    pub cancel_hours: u32,
    /// Hours a freed place is held for the group offered it.
    pub offer_hours: u32,
}

/// A whole number typed into a form, within bounds.
pub fn number(field: &'static str, input: &str, min: u32, max: u32) -> Result<u32, SiteError> {
    input
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| SiteError::Number {
            field,
            min,
            max,
            value: input.trim().to_owned(),
        })
}

impl VisitRules {
    pub fn new(
        slot_capacity: u32,
        day_capacity: u32,
        (min_group, max_group): (u32, u32),
        days_ahead: u32,
        cancel_hours: u32,
        offer_hours: u32,
    ) -> Result<Self, SiteError> {
        let within =
            |field, value: u32, min, max| number(field, &value.to_string(), min, max).map(|_| ());
        within("slot_capacity", slot_capacity, 1, 10_000)?;
        within("day_capacity", day_capacity, 1, 100_000)?;
        within("min_group", min_group, 1, 10_000)?;
        within("max_group", max_group, 1, 10_000)?;
        within("days_ahead", days_ahead, 1, 366)?;
        within("cancel_hours", cancel_hours, 0, 24 * 30)?;
        within("offer_hours", offer_hours, 1, 24 * 7)?;
        if max_group < min_group {
            return Err(SiteError::GroupRange {
                min: min_group,
                max: max_group,
            });
        }
        if day_capacity < slot_capacity {
            return Err(SiteError::DayBelowSlot {
                day: day_capacity,
                slot: slot_capacity,
            });
        }
        if max_group > slot_capacity {
            return Err(SiteError::GroupAboveSlot {
                group: max_group,
                slot: slot_capacity,
            });
        }
        Ok(Self {
            slot_capacity,
            day_capacity,
            min_group,
            max_group,
            days_ahead,
            cancel_hours,
            offer_hours,
        })
    }
}

/// The places of one slot as booked so far: free places are what both the
/// slot and its day still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    pub slot_capacity: u32,
    pub slot_taken: u32,
    pub day_capacity: u32,
    pub day_taken: u32,
    /// Closed by the site's manager.
    pub closed: bool,
}

impl Load {
    pub fn free(&self) -> u32 {
        if self.closed {
            return 0;
        }
        self.slot_capacity
            .saturating_sub(self.slot_taken)
            .min(self.day_capacity.saturating_sub(self.day_taken))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_that_cannot_hold_are_refused_naming_the_field() {
        assert!(VisitRules::new(60, 300, (5, 60), 30, 24, 12).is_ok());
        assert_eq!(
            VisitRules::new(60, 300, (50, 20), 30, 24, 12),
            Err(SiteError::GroupRange { min: 50, max: 20 })
        );
        assert_eq!(
            VisitRules::new(60, 40, (5, 20), 30, 24, 12),
            Err(SiteError::DayBelowSlot { day: 40, slot: 60 })
        );
        assert_eq!(
            VisitRules::new(60, 300, (5, 80), 30, 24, 12),
            Err(SiteError::GroupAboveSlot {
                group: 80,
                slot: 60
            })
        );
        assert!(matches!(
            VisitRules::new(0, 300, (5, 20), 30, 24, 12),
            Err(SiteError::Number {
                field: "slot_capacity",
                ..
            })
        ));
        assert!(matches!(
            Coordinates::parse("30.25", "200"),
            Err(SiteError::Coordinate {
                field: "longitude",
                ..
            })
        ));
        assert_eq!(Coordinates::parse(" ", ""), Ok(None));
    }

    #[test]
    fn free_places_are_what_both_the_slot_and_the_day_still_hold() {
        let load = Load {
            slot_capacity: 60,
            slot_taken: 20,
            day_capacity: 300,
            day_taken: 270,
            closed: false,
        };
        assert_eq!(load.free(), 30);
        assert_eq!(
            Load {
                day_taken: 100,
                ..load
            }
            .free(),
            40
        );
        assert_eq!(
            Load {
                closed: true,
                ..load
            }
            .free(),
            0
        );
    }
}
