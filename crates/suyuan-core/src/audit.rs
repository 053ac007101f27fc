//! The audit log's rules: which deeds are recorded, and what an entry
//! says. The log is written by the web layer as each response leaves and
//! kept append-only by the database; this module decides what goes in.

use chrono::{DateTime, Utc};

use crate::access::Role;
use crate::members::MemberId;
use crate::units::UnitPath;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deed {
    /// Something was changed by someone who manages others' work.
    Changed,
    /// A person's personal data (a member's phone, a requester's contact)
    /// was shown to someone other than that person.
    Viewed,
}

impl Deed {
    pub const ALL: [Deed; 2] = [Deed::Changed, Deed::Viewed];

    pub fn as_str(self) -> &'static str {
        match self {
            Deed::Changed => "changed",
            Deed::Viewed => "viewed",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|deed| deed.as_str() == stored)
    }
}

/// What a request did, as the web layer saw it on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The signed-in person's role.
    pub role: Role,
    /// The method may change something (not GET, HEAD or OPTIONS).
    pub writes: bool,
    /// The handler said the response shows someone's personal data.
    pub shows_personal_data: bool,
    /// The response was not an error (below 400): a refused or failed
    /// request changed nothing.
    pub succeeded: bool,
}

/// Which deed a request is recorded as, if any. Every change made by an
/// admin or a site manager is recorded, whatever route made it, so a new
/// route cannot be forgotten; members' own study (marks, answers) is not
/// an admin action and would drown the log. Every showing of personal
/// data is recorded, whoever was shown it, even on a page that also
/// says something was refused (a door's page after a wrong code).
pub fn deed(seen: Seen) -> Option<Deed> {
    if seen.shows_personal_data {
        return Some(Deed::Viewed);
    }
    (seen.writes && seen.succeeded && seen.role != Role::Member).then_some(Deed::Changed)
}

/// One entry of the log, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub actor: MemberId,
    /// The actor's name and member number as they were then, so the
    /// entry reads the same after the member is renamed or moved.
    pub actor_name: String,
    pub actor_number: String,
    pub deed: Deed,
    /// The route that did it, as the router names it: `POST /units/{id}/rename`.
    pub action: String,
    /// The path asked for, naming the object: `/units/12/rename`.
    pub target: String,
    /// Where in the tree it happened: the object's unit when the handler
    /// names it, else the actor's own. The admins of this unit and above
    /// read the entry.
    pub scope: UnitPath,
    pub status: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(role: Role, writes: bool, shows: bool, succeeded: bool) -> Seen {
        Seen {
            role,
            writes,
            shows_personal_data: shows,
            succeeded,
        }
    }

    #[test]
    fn staff_changes_and_every_showing_of_personal_data_are_recorded() {
        assert_eq!(
            deed(seen(Role::Admin, true, false, true)),
            Some(Deed::Changed)
        );
        assert_eq!(
            deed(seen(Role::SiteManager, true, false, true)),
            Some(Deed::Changed)
        );
        assert_eq!(
            deed(seen(Role::Member, false, true, true)),
            Some(Deed::Viewed)
        );
        assert_eq!(
            deed(seen(Role::Admin, true, true, true)),
            Some(Deed::Viewed)
        );
        assert_eq!(
            deed(seen(Role::SiteManager, true, true, false)),
            Some(Deed::Viewed)
        );
    }

    #[test]
    fn members_own_study_reading_pages_and_refusals_are_not() {
        assert_eq!(deed(seen(Role::Member, true, false, true)), None);
        assert_eq!(deed(seen(Role::Admin, false, false, true)), None);
        assert_eq!(deed(seen(Role::Admin, true, false, false)), None);
    }

    #[test]
    fn deeds_read_back_as_stored() {
        for deed in Deed::ALL {
            assert_eq!(Deed::parse(deed.as_str()), Some(deed));
        }
        assert_eq!(Deed::parse("deleted"), None);
    }
}
