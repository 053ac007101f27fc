//! Bookings: who books (an organization and its contact), when a slot
//! may be booked and cancelled, the code a group is known by at the door,
//! and the hold on organizations that book and do not come.

use chrono::{DateTime, Duration, Utc};
use std::fmt;
use thiserror::Error;

use super::{CreditCode, CreditCodeError, OrgKind, VisitRules, VisitSlot};
use crate::text::{self, TextError};
use crate::units::UnitId;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BookingError {
    #[error(transparent)]
    Text(#[from] TextError),
    #[error(transparent)]
    CreditCode(#[from] CreditCodeError),
    #[error(
        "phone: {0:?} is not a phone number (a mobile's 11 digits, or a landline with its area code)"
    )]
    Phone(String),
    #[error("email: {0:?} is not an e-mail address")]
    Email(String),
    #[error("headcount: this site takes groups of {min} to {max}, not {given}")]
    GroupSize { min: u32, max: u32, given: u32 },
    #[error("roster: row {row} has a name of more than 40 characters")]
    RosterName { row: usize },
    #[error("roster: {names} names for a group of {headcount}")]
    RosterTooLong { names: usize, headcount: u32 },
    #[error("slot: this slot has begun; pick a later one")]
    Started,
    #[error("slot: bookings open {days} days ahead; this slot opens for booking on {opens}")]
    TooEarly { days: u32, opens: DateTime<Utc> },
    #[error("booking: cancellation closed {hours} hours before the visit")]
    TooLateToCancel { hours: u32 },
    #[error("slot: {free} places left, fewer than the group")]
    Full { free: u32 },
    #[error("slot: it has places for the group; book it instead of waiting")]
    NotFull,
    #[error("slot: the site has no slot starting then")]
    NoSuchSlot,
    #[error("site: it takes no bookings now")]
    SiteClosed,
    #[error(
        "organization: after {count} visits booked and not made within {days} days, bookings are held until {until}"
    )]
    Held {
        count: u32,
        days: i64,
        until: DateTime<Utc>,
    },
    #[error(transparent)]
    Route(#[from] super::RouteError),
    /// At the door: the code's booking is waiting, offered, cancelled or
    /// lapsed.
    #[error("code: the booking is {} and cannot be checked in", .0.code())]
    NotBooked(BookingStatus),
    #[error("code: the visit is on {0}; groups are checked in on the day")]
    NotToday(chrono::NaiveDate),
    #[error("booking: there is no offer of places to take up (it may have lapsed)")]
    NoOffer,
    #[error("actual_headcount: from 1 to {max}, not {given}")]
    Headcount { max: u32, given: u32 },
}

impl BookingError {
    /// The form field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            BookingError::Text(TextError::Empty { field } | TextError::TooLong { field, .. }) => {
                field
            }
            BookingError::CreditCode(_) => "credit_code",
            BookingError::Phone(_) => "phone",
            BookingError::Email(_) => "email",
            BookingError::GroupSize { .. } => "headcount",
            BookingError::RosterTooLong { .. } | BookingError::RosterName { .. } => "roster",
            BookingError::Held { .. } => "organization",
            BookingError::TooLateToCancel { .. } | BookingError::NoOffer => "booking",
            BookingError::SiteClosed => "site",
            BookingError::NotBooked(_) | BookingError::NotToday(_) => "code",
            BookingError::Headcount { .. } => "actual_headcount",
            BookingError::Started
            | BookingError::TooEarly { .. }
            | BookingError::Full { .. }
            | BookingError::NotFull
            | BookingError::NoSuchSlot
            | BookingError::Route(_) => "slot",
        }
    }
}

/// Who a group is: an organization with its credit code, or a unit of
/// our tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgIdentity {
    CreditCode(CreditCode),
    Unit(UnitId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub name: String,
    pub identity: OrgIdentity,
}

impl Organization {
    pub fn new(name: &str, identity: OrgIdentity) -> Result<Self, BookingError> {
        Ok(Self {
            name: text::required("organization", &text::tidy(name), 100)?,
            identity,
        })
    }

    /// The one key an organization's no-shows are counted under, however
    /// its name is written.
    pub fn key(&self) -> String {
        match &self.identity {
            OrgIdentity::CreditCode(code) => format!("uscc:{code}"),
            OrgIdentity::Unit(unit) => format!("unit:{}", unit.0),
        }
    }

    pub fn kind(&self) -> OrgKind {
        match &self.identity {
            OrgIdentity::CreditCode(code) => code.kind(),
            OrgIdentity::Unit(_) => OrgKind::PartyOrganization,
        }
    }
}

/// The person a site calls about a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    /// Digits, with a leading + or inner dashes kept as typed.
    pub phone: String,
    pub email: Option<String>,
}

impl Contact {
    pub fn new(name: &str, phone: &str, email: &str) -> Result<Self, BookingError> {
        let phone = text::phone_number(phone).map_err(BookingError::Phone)?;
        let email = text::email_address(email).map_err(BookingError::Email)?;
        Ok(Self {
            name: text::required("contact", &text::tidy(name), 40)?,
            phone,
            email,
        })
    }

    /// The key outside bookings are counted under for the rate limit:
    /// the phone's digits.
    pub fn phone_key(&self) -> String {
        self.phone.chars().filter(char::is_ascii_digit).collect()
    }

    /// What anyone but the site sees of a phone: its last four digits.
    pub fn phone_tail(phone: &str) -> String {
        let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
        digits[digits.len().saturating_sub(4)..].iter().collect()
    }
}

/// The visitors' names from a roster's rows (a spreadsheet read by
/// `table::read`): the column headed 姓名 or "name", else the first; a
/// header row and empty rows are skipped.
pub fn roster_names(rows: &[Vec<String>]) -> Result<Vec<String>, BookingError> {
    let is_name = |cell: &String| {
        let cell = cell.trim().to_lowercase();
        cell == "姓名" || cell == "名字" || cell == "name"
    };
    let (column, skip) = match rows.first().and_then(|r| r.iter().position(is_name)) {
        Some(column) => (column, 1),
        None => (0, 0),
    };
    let mut names = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(skip) {
        let name = text::tidy(row.get(column).map_or("", String::as_str));
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > 40 {
            return Err(BookingError::RosterName { row: i + 1 });
        }
        names.push(name);
    }
    Ok(names)
}

/// A group's visit as asked for, checked against the site's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub organization: Organization,
    pub contact: Contact,
    pub headcount: u32,
    /// Names of the visitors, when a roster was given.
    pub roster: Vec<String>,
}

impl Party {
    pub fn new(
        organization: Organization,
        contact: Contact,
        headcount: u32,
        roster: Vec<String>,
    ) -> Result<Self, BookingError> {
        if roster.len() > headcount as usize {
            return Err(BookingError::RosterTooLong {
                names: roster.len(),
                headcount,
            });
        }
        Ok(Self {
            organization,
            contact,
            headcount,
            roster,
        })
    }

    /// Whether this group may book `slot` under `rules` at `now`.
    pub fn may_book(
        &self,
        rules: &VisitRules,
        slot: &VisitSlot,
        now: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        if !(rules.min_group..=rules.max_group).contains(&self.headcount) {
            return Err(BookingError::GroupSize {
                min: rules.min_group,
                max: rules.max_group,
                given: self.headcount,
            });
        }
        bookable(rules, slot, now)
    }
}

/// Whether `slot` is open for booking at `now`: not begun, and within the
/// days ahead the site takes bookings for.
pub fn bookable(
    rules: &VisitRules,
    slot: &VisitSlot,
    now: DateTime<Utc>,
) -> Result<(), BookingError> {
    if slot.starts_at <= now {
        return Err(BookingError::Started);
    }
    let opens = slot.starts_at - Duration::days(i64::from(rules.days_ahead));
    if now < opens {
        return Err(BookingError::TooEarly {
            days: rules.days_ahead,
            opens,
        });
    }
    Ok(())
}

/// Whether a booking of a slot starting at `starts_at` may still be
/// cancelled at `now`.
pub fn may_cancel(
    rules: &VisitRules,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), BookingError> {
    if now > starts_at - Duration::hours(i64::from(rules.cancel_hours)) {
        return Err(BookingError::TooLateToCancel {
            hours: rules.cancel_hours,
        });
    }
    Ok(())
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingStatus {
    /// On the waiting list for a full slot: holds no places.
    Waiting,
    /// Offered freed places, held until the offer lapses.
    Offered,
    Booked,
    CheckedIn,
    /// The slot ended without the group checked in.
    NoShow,
    Cancelled,
    /// An offer that lapsed unanswered.
    Lapsed,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 7] = [
        BookingStatus::Waiting,
        BookingStatus::Offered,
        BookingStatus::Booked,
        BookingStatus::CheckedIn,
        BookingStatus::NoShow,
        BookingStatus::Cancelled,
        BookingStatus::Lapsed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BookingStatus::Waiting => "waiting",
            BookingStatus::Offered => "offered",
            BookingStatus::Booked => "booked",
            BookingStatus::CheckedIn => "checked_in",
            BookingStatus::NoShow => "no_show",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Lapsed => "lapsed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the booking counts against the slot's places.
    pub fn holds_places(self) -> bool {
        matches!(
            self,
            BookingStatus::Offered
                | BookingStatus::Booked
                | BookingStatus::CheckedIn
                | BookingStatus::NoShow
        )
    }

    /// Whether the group can still call it off.
    pub fn cancellable(self) -> bool {
        matches!(
            self,
            BookingStatus::Waiting | BookingStatus::Offered | BookingStatus::Booked
        )
    }
}

/// The code a group is known by at the door and on its tracking page:
/// eight characters from a set without look-alikes (no 0/O, 1/I/L), read
/// in any case, shown in two fours. 40 random bits: with the tracking
/// page's rate limit, not guessable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookingCode(String);

const CODE_CHARS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LENGTH: usize = 8;

impl BookingCode {
    /// A code from random bytes (the caller's generator: core does no
    /// I/O); two bytes a character keep the characters all but equally
    /// likely.
    pub fn from_random(bytes: [u8; 2 * CODE_LENGTH]) -> Self {
        Self(
            bytes
                .chunks(2)
                .map(|pair| {
                    let value = usize::from(u16::from_le_bytes([pair[0], pair[1]]));
                    CODE_CHARS[value % CODE_CHARS.len()] as char
                })
                .collect(),
        )
    }

    /// Reads a code as typed: any case, spaces and dashes ignored.
    pub fn parse(input: &str) -> Option<Self> {
        let code = text::typed_code(input);
        (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_CHARS.contains(&b)))
            .then_some(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BookingCode {
    /// `ABCD-EFGH`: two fours are easier to read out than eight.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.0.split_at(CODE_LENGTH / 2);
        write!(f, "{a}-{b}")
    }
}

/// Organizations that book and do not come are held from booking: `count`
/// no-shows within `within` hold them for `hold` after the last of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoShowRule {
    pub count: u32,
    pub within: Duration,
    pub hold: Duration,
}

impl Default for NoShowRule {
    fn default() -> Self {
        Self {
            count: 3,
            within: Duration::days(90),
            hold: Duration::days(30),
        }
    }
}

impl NoShowRule {
    /// Until when an organization with these no-shows (the ends of the
    /// slots it missed, any order) is held at `now`, if it is.
    pub fn held_until(
        &self,
        no_shows: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut times = no_shows.to_vec();
        times.sort();
        let count = self.count.max(1) as usize;
        // The latest no-show that made `count` within the window.
        times
            .iter()
            .enumerate()
            .rev()
            .find(|(i, last)| *i + 1 >= count && **last - times[i + 1 - count] <= self.within)
            .map(|(_, last)| *last + self.hold)
            .filter(|until| *until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::SlotTimes;
    use chrono::{NaiveDate, TimeZone};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .single()
            .expect("time")
    }

    fn rules() -> VisitRules {
        VisitRules::new(60, 300, (5, 60), 14, 24, 12).expect("rules")
    }

    fn slot(day: u32) -> VisitSlot {
        VisitSlot {
            date: NaiveDate::from_ymd_opt(2026, 12, day).expect("date"),
            times: SlotTimes::parse("09:00-10:30").expect("times"),
            starts_at: at(day, 1),
            ends_at: at(day, 2),
        }
    }

    fn party(headcount: u32) -> Party {
        let org = Organization::new(
            "深圳市腾讯计算机系统有限公司",
            OrgIdentity::CreditCode(CreditCode::parse("914403001922038216").expect("code")),
        )
        .expect("org");
        let contact = Contact::new("王芳", "138 0013 8000", "").expect("contact");
        Party::new(org, contact, headcount, vec![]).expect("party")
    }

    #[test]
    fn a_slot_is_booked_within_the_days_ahead_and_before_it_starts() {
        let group = party(30);
        assert_eq!(group.may_book(&rules(), &slot(20), at(10, 0)), Ok(()));
        assert!(matches!(
            group.may_book(&rules(), &slot(20), at(5, 0)),
            Err(BookingError::TooEarly { days: 14, .. })
        ));
        assert_eq!(
            group.may_book(&rules(), &slot(20), at(20, 1)),
            Err(BookingError::Started)
        );
        assert_eq!(
            party(3).may_book(&rules(), &slot(20), at(10, 0)),
            Err(BookingError::GroupSize {
                min: 5,
                max: 60,
                given: 3
            })
        );
        assert_eq!(may_cancel(&rules(), at(20, 1), at(19, 1)), Ok(()));
        assert_eq!(
            may_cancel(&rules(), at(20, 1), at(19, 2)),
            Err(BookingError::TooLateToCancel { hours: 24 })
        );
    }

    #[test]
    fn contacts_and_organizations_are_checked_as_typed() {
        assert!(Contact::new("王芳", "0571-87654321", "wang@example.cn").is_ok());
        assert!(Contact::new("王芳", "１３８００１３８０００", "").is_ok());
        assert!(matches!(
            Contact::new("王芳", "call me", ""),
            Err(BookingError::Phone(_))
        ));
        assert!(matches!(
            Contact::new("王芳", "13800138000", "wang@"),
            Err(BookingError::Email(_))
        ));
        let contact = Contact::new("王芳", "138-0013-8000", "").expect("contact");
        assert_eq!(contact.phone_key(), "13800138000");
        assert_eq!(Contact::phone_tail(&contact.phone), "8000");
        let group = party(10);
        assert_eq!(group.organization.key(), "uscc:914403001922038216");
        assert_eq!(group.organization.kind(), OrgKind::Enterprise);
        let unit =
            Organization::new("翠苑一区社区党委", OrgIdentity::Unit(UnitId(7))).expect("org");
        assert_eq!(unit.key(), "unit:7");
        assert_eq!(unit.kind(), OrgKind::PartyOrganization);
        assert!(matches!(
            Party::new(unit, contact, 1, vec!["甲".into(), "乙".into()]),
            Err(BookingError::RosterTooLong { .. })
        ));
    }

    #[test]
    fn a_roster_s_names_come_from_its_name_column() {
        let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
            cells
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        let table = rows(&[
            &["序号", "姓名", "手机"],
            &["1", "张三", ""],
            &["2", "", ""],
            &["3", " 李 四 ", ""],
        ]);
        assert_eq!(
            roster_names(&table),
            Ok(vec!["张三".into(), "李 四".into()])
        );
        let bare = rows(&[&["王五"], &["赵六"]]);
        assert_eq!(roster_names(&bare), Ok(vec!["王五".into(), "赵六".into()]));
        let long = rows(&[&["姓名"], &[&"长".repeat(41)]]);
        assert_eq!(
            roster_names(&long),
            Err(BookingError::RosterName { row: 2 })
        );
    }

    #[test]
    fn codes_read_back_however_they_are_typed() {
        for seed in 0..200u32 {
            let mut bytes = [0u8; 16];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (seed.wrapping_mul(2_654_435_761).rotate_left(i as u32) >> 3) as u8;
            }
            let code = BookingCode::from_random(bytes);
            let shown = code.to_string();
            assert_eq!(shown.len(), 9);
            assert_eq!(BookingCode::parse(&shown), Some(code.clone()));
            assert_eq!(
                BookingCode::parse(&shown.to_lowercase().replace('-', " ")),
                Some(code)
            );
        }
        assert_eq!(
            BookingCode::parse("abcd-efgh").map(|c| c.to_string()),
            Some("ABCD-EFGH".into())
        );
        // No code holds a look-alike (0, O, 1, I, L).
        assert_eq!(BookingCode::parse("ABCD-EFG0"), None);
        assert_eq!(BookingCode::parse("ABCD-EFGI"), None);
        assert_eq!(BookingCode::parse("ABCD-EFG"), None);
    }

    #[test]
    fn repeated_no_shows_hold_an_organization_for_a_while() {
        let rule = NoShowRule::default();
        let two = [at(1, 2), at(3, 2)];
        assert_eq!(rule.held_until(&two, at(4, 0)), None);
        let three = [at(1, 2), at(3, 2), at(5, 2)];
        assert_eq!(
            rule.held_until(&three, at(6, 0)),
            Some(at(5, 2) + Duration::days(30))
        );
        assert_eq!(rule.held_until(&three, at(5, 2) + Duration::days(31)), None);
        // Three no-shows spread over more than 90 days hold nobody.
        let spread = [
            at(1, 2) - Duration::days(120),
            at(1, 2) - Duration::days(60),
            at(1, 2),
        ];
        assert_eq!(rule.held_until(&spread, at(2, 0)), None);
    }
}
