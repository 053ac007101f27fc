//! Requests from the people (民有所呼，我有所应): what anyone may ask a
//! unit for, without an account, and the rules its handling keeps — the
//! categories and their clocks, the routing rules that find the unit
//! responsible, the way a request goes through its unit (`handling`), the
//! tracking code a requester follows it by, the working-day calendar the
//! clocks count in, and the figures (the "三率") its history adds up to.
//!
//! A request counts as resolved only when its requester confirms the
//! answer, or lets the reopening window pass without reopening it; every
//! reopening is counted.

mod calendar;
mod clocks;
mod code;
mod figures;
mod handling;

use thiserror::Error;

use crate::text::{self, TextError};
use crate::units::{UnitId, UnitPath};

pub use calendar::{CalendarError, DayKind, WorkCalendar};
pub use clocks::{ClockRules, Clocks, ESCALATE_EVERY, Span, Urgency, escalation_level, remind_at};
pub use code::TrackingCode;
pub use figures::{RequestCounts, Tally};
pub use handling::{
    EventKind, Handling, LONGEST_EXTENSION, REOPEN_WITHIN, SEND_BACK_WITHIN, Stars, State, Watch,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("category: {0:?} is not a category code (letters, digits, - and _; at most 40)")]
    CategoryCode(String),
    #[error("category: no category {0:?} takes requests")]
    NoCategory(String),
    #[error("phone: {0:?} is not a phone number")]
    Phone(String),
    #[error("email: {0:?} is not an e-mail address")]
    Email(String),
    #[error("location: latitude and longitude go together, as numbers on the Earth")]
    Location,
    #[error("stars: from 1 to 5")]
    Stars,
    #[error("this cannot be done while the request is {}", .0.code())]
    NotNow(State),
    #[error(
        "a request is sent back within a day of its arrival; ask a dispatcher above to reroute it"
    )]
    SendBackTooLate,
    #[error("the reopening window has passed")]
    ReopenTooLate,
    #[error("an extension is already waiting for a decision")]
    ExtensionPending,
    #[error("no extension has been asked for")]
    NoExtensionAsked,
    #[error("until: later than the deadline now, by at most 30 days")]
    ExtensionLength,
    #[error("unit: a request is sent on to a unit below its own")]
    NotBelow,
    #[error("unit: the top unit has nobody above to send a request back to")]
    NothingAbove,
}

impl RequestError {
    /// The form field the error is about, for showing it beside it.
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::Text(TextError::Empty { field } | TextError::TooLong { field, .. }) => {
                field
            }
            RequestError::CategoryCode(_) | RequestError::NoCategory(_) => "category",
            RequestError::Phone(_) => "phone",
            RequestError::Email(_) => "email",
            RequestError::Location => "location",
            RequestError::Stars => "stars",
            RequestError::ExtensionLength => "until",
            RequestError::NotBelow | RequestError::NothingAbove => "unit",
            _ => "",
        }
    }
}

/// A category's code: what Open311 calls its `service_code`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryCode(String);

impl CategoryCode {
    pub fn parse(input: &str) -> Result<Self, RequestError> {
        let code = input.trim().to_ascii_lowercase();
        let fits = !code.is_empty()
            && code.len() <= 40
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        fits.then_some(Self(code))
            .ok_or_else(|| RequestError::CategoryCode(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What requests may be about, with the clocks its requests run against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: CategoryCode,
    pub name: String,
    pub description: String,
    /// A heading categories are listed under (Open311's `group`).
    pub group: String,
    pub clocks: ClockRules,
}

impl Category {
    pub fn new(
        code: &str,
        name: &str,
        description: &str,
        group: &str,
        clocks: ClockRules,
    ) -> Result<Self, RequestError> {
        Ok(Self {
            code: CategoryCode::parse(code)?,
            name: text::required("name", &text::tidy(name), 40)?,
            description: text::bounded("description", &text::tidy(description), 300)?,
            group: text::bounded("group", &text::tidy(group), 40)?,
            clocks,
        })
    }
}

/// Where a request is about: the area (a unit whose ground it is on), the
/// address as the requester writes it, and optionally a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub long: f64,
}

impl Point {
    /// A point from the two fields, both given or both left empty.
    pub fn from_fields(lat: &str, long: &str) -> Result<Option<Self>, RequestError> {
        match (lat.trim(), long.trim()) {
            ("", "") => Ok(None),
            (lat, long) => {
                let lat: f64 = lat.parse().map_err(|_| RequestError::Location)?;
                let long: f64 = long.parse().map_err(|_| RequestError::Location)?;
                let on_earth = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&long);
                on_earth
                    .then_some(Some(Self { lat, long }))
                    .ok_or(RequestError::Location)
            }
        }
    }
}

/// What the requester writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub description: String,
    pub address: String,
    pub point: Option<Point>,
    pub urgency: Urgency,
}

impl Submission {
    pub fn new(
        description: &str,
        address: &str,
        point: Option<Point>,
        urgency: Urgency,
    ) -> Result<Self, RequestError> {
        let description = text::required("description", description, 2000)?;
        if description.chars().filter(|c| !c.is_whitespace()).count() < 5 {
            return Err(TextError::Empty {
                field: "description",
            }
            .into());
        }
        Ok(Self {
            description,
            address: text::required("address", &text::tidy(address), 200)?,
            point,
            urgency,
        })
    }
}

/// How the unit can reach the requester: never shown to the public.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl Contact {
    /// All optional; what is given must be well formed.
    pub fn new(name: &str, phone: &str, email: &str) -> Result<Self, RequestError> {
        let phone = match phone.trim() {
            "" => None,
            typed => Some(text::phone_number(typed).map_err(RequestError::Phone)?),
        };
        Ok(Self {
            name: text::bounded("name", &text::tidy(name), 40)?,
            phone,
            email: text::email_address(email).map_err(RequestError::Email)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.phone.is_none() && self.email.is_none()
    }

    /// The keys the public forms' rate limits count this contact under.
    pub fn limit_keys(&self) -> Vec<String> {
        let phone = self.phone.iter().map(|p| {
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            format!("request-phone:{digits}")
        });
        let email = self
            .email
            .iter()
            .map(|e| format!("request-email:{}", e.to_lowercase()));
        phone.chain(email).collect()
    }
}

/// A routing rule: requests of a category (or of any, when `category` is
/// none) from within an area go to a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub category: Option<CategoryCode>,
    pub area: UnitPath,
    pub unit: UnitId,
}

/// The unit a request of `category` from `area` goes to: the rule for the
/// nearest area containing it, a rule for the category before one for
/// any; with no rule, the area's own unit.
pub fn route(routes: &[Route], category: &CategoryCode, area: &UnitPath) -> UnitId {
    routes
        .iter()
        .filter(|r| r.area.contains(area))
        .filter(|r| r.category.as_ref().is_none_or(|c| c == category))
        .max_by_key(|r| (r.area.depth(), r.category.is_some()))
        .map_or(area.unit_id(), |r| r.unit)
}

/// Whether a unit may send a request on to `to`: strictly below it.
pub fn may_send_on(from: &UnitPath, to: &UnitPath) -> Result<(), RequestError> {
    (from.contains(to) && from != to)
        .then_some(())
        .ok_or(RequestError::NotBelow)
}

/// The unit a request is sent back to: the one above.
pub fn sent_back_to(from: &UnitPath) -> Result<UnitId, RequestError> {
    let ids = from.ids();
    ids.len()
        .checked_sub(2)
        .map(|i| ids[i])
        .ok_or(RequestError::NothingAbove)
}

/// The unit `levels` above the handling unit (the top one at most).
pub fn escalated_to(handler: &UnitPath, levels: u32) -> UnitId {
    let ids = handler.ids();
    let up = (levels as usize).min(ids.len() - 1);
    ids[ids.len() - 1 - up]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(ids: &[i64]) -> UnitPath {
        let mut path = UnitPath::root(UnitId(ids[0]));
        for id in &ids[1..] {
            path = path.child(UnitId(*id));
        }
        path
    }

    fn code(c: &str) -> CategoryCode {
        CategoryCode::parse(c).expect("code")
    }

    #[test]
    fn the_nearest_area_routes_and_a_category_rule_beats_any() {
        let routes = vec![
            Route {
                category: None,
                area: path(&[1]),
                unit: UnitId(1),
            },
            Route {
                category: Some(code("roads")),
                area: path(&[1, 5]),
                unit: UnitId(50),
            },
            Route {
                category: None,
                area: path(&[1, 5]),
                unit: UnitId(5),
            },
        ];
        assert_eq!(
            route(&routes, &code("roads"), &path(&[1, 5, 23])),
            UnitId(50)
        );
        assert_eq!(
            route(&routes, &code("noise"), &path(&[1, 5, 23])),
            UnitId(5)
        );
        assert_eq!(route(&routes, &code("roads"), &path(&[1, 6])), UnitId(1));
        assert_eq!(route(&[], &code("roads"), &path(&[1, 6])), UnitId(6));
    }

    #[test]
    fn requests_go_on_below_back_above_and_climb_to_the_top() {
        assert_eq!(may_send_on(&path(&[1, 5]), &path(&[1, 5, 23])), Ok(()));
        assert_eq!(
            may_send_on(&path(&[1, 5]), &path(&[1, 5])),
            Err(RequestError::NotBelow)
        );
        assert_eq!(
            may_send_on(&path(&[1, 5]), &path(&[1, 6])),
            Err(RequestError::NotBelow)
        );
        assert_eq!(sent_back_to(&path(&[1, 5, 23])), Ok(UnitId(5)));
        assert_eq!(sent_back_to(&path(&[1])), Err(RequestError::NothingAbove));
        assert_eq!(escalated_to(&path(&[1, 5, 23]), 1), UnitId(5));
        assert_eq!(escalated_to(&path(&[1, 5, 23]), 9), UnitId(1));
    }

    #[test]
    fn what_a_requester_writes_is_checked_field_by_field() {
        let error = Submission::new("", "西湖区", None, Urgency::Normal).expect_err("empty");
        assert_eq!(error.field(), "description");
        assert!(Submission::new("路灯坏了三天了", "文三路 12 号", None, Urgency::Urgent).is_ok());
        assert_eq!(Point::from_fields("", ""), Ok(None));
        assert_eq!(Point::from_fields("30.27", ""), Err(RequestError::Location));
        assert_eq!(Point::from_fields("95", "120"), Err(RequestError::Location));
        assert!(
            Point::from_fields("30.27", "120.15")
                .expect("point")
                .is_some()
        );
        assert_eq!(
            Contact::new("", "abc", "").expect_err("phone").field(),
            "phone"
        );
        let contact = Contact::new("王", "138 0000 1111", "Wang@Example.cn").expect("contact");
        assert_eq!(
            contact.limit_keys(),
            vec!["request-phone:13800001111", "request-email:wang@example.cn"]
        );
        assert!(Contact::new("", "", "").expect("none").is_empty());
        assert!(CategoryCode::parse("street lights").is_err());
        assert_eq!(code(" Roads ").as_str(), "roads");
    }
}
