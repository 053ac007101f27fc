//! Roles and scopes: who may see and manage what. Every route asks here.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::members::MemberId;
use crate::units::{UnitId, UnitPath};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Studies; sees their own data.
    Member,
    /// Sees and manages the subtree of their own unit.
    Admin,
    /// Manages the teaching sites they are named for: the door, bookings,
    /// slots and hours; studies like a member otherwise.
    SiteManager,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown role {0:?}: use member (党员), admin (管理员) or site_manager (教学点管理员)")]
pub struct BadRole(pub String);

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::SiteManager => "site_manager",
        }
    }

    /// Accepts the English names and the Chinese words people write in
    /// spreadsheets.
    pub fn parse(input: &str) -> Result<Self, BadRole> {
        match input.trim().to_ascii_lowercase().as_str() {
            "member" | "党员" | "成员" | "学员" => Ok(Role::Member),
            "admin" | "管理员" => Ok(Role::Admin),
            "site_manager" | "site-manager" | "教学点管理员" => Ok(Role::SiteManager),
            _ => Err(BadRole(input.to_owned())),
        }
    }
}

/// The signed-in person, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub member_id: MemberId,
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub role: Role,
}

/// What part of the organization a person's lists are drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A unit and everything below it.
    Subtree(UnitPath),
    /// One member's own records.
    Myself { member: MemberId, unit: UnitPath },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("this is outside what your role lets you see or change")]
pub struct Denied;

impl Principal {
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::Subtree(self.unit_path.clone()),
            Role::Member | Role::SiteManager => Scope::Myself {
                member: self.member_id,
                unit: self.unit_path.clone(),
            },
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// An admin of a top unit: decides what holds for every unit (request
    /// categories, the working calendar) and what the public is told (the
    /// public question bank, the featured page).
    pub fn speaks_for_all(&self) -> bool {
        self.is_admin() && self.unit_path.depth() == 0
    }

    /// An admin sees their subtree; anyone sees their own unit and the
    /// units above it, which name where they belong.
    pub fn may_see_unit(&self, unit: &UnitPath) -> bool {
        unit.contains(&self.unit_path) || (self.is_admin() && self.unit_path.contains(unit))
    }

    /// Admin work within the admin's own subtree (imports, the question
    /// bank, compiling material).
    pub fn must_be_admin(&self) -> Result<(), Denied> {
        self.may_manage_within(&self.unit_path)
    }

    /// Creating units and importing members under `unit`.
    pub fn may_manage_within(&self, unit: &UnitPath) -> Result<(), Denied> {
        (self.is_admin() && self.unit_path.contains(unit))
            .then_some(())
            .ok_or(Denied)
    }

    /// Renaming, moving or archiving `unit` itself: an admin's own unit is
    /// managed from the level above, so only units strictly below it.
    pub fn may_change_unit(&self, unit: &UnitPath) -> Result<(), Denied> {
        (self.is_admin() && self.unit_path.contains(unit) && *unit != self.unit_path)
            .then_some(())
            .ok_or(Denied)
    }

    /// A campaign is seen by those who take part in it (`takes_part`) and
    /// by admins of its owner unit's subtree, who also manage it.
    pub fn may_see_campaign(&self, owner: &UnitPath, takes_part: bool) -> bool {
        takes_part || self.may_manage_within(owner).is_ok()
    }

    /// Reading a collection: public ones are for everyone; others for the
    /// owner unit's subtree, and for admins above or within it.
    pub fn may_read(&self, visibility: crate::library::Visibility, owner: &UnitPath) -> bool {
        visibility == crate::library::Visibility::Public
            || owner.contains(&self.unit_path)
            || (self.is_admin() && self.unit_path.contains(owner))
    }

    /// A teaching site's door, bookings, slots and hours: the members named
    /// its managers, and admins over its managing unit (who also name
    /// the managers).
    pub fn may_manage_site(&self, site_unit: &UnitPath, named_manager: bool) -> Result<(), Denied> {
        (named_manager || (self.is_admin() && self.unit_path.contains(site_unit)))
            .then_some(())
            .ok_or(Denied)
    }

    /// A pledge's updates and completion: the member who pledged it, and
    /// admins over its unit (who also approve members' pledges and
    /// moderate the comments on them).
    pub fn may_keep_pledge(
        &self,
        unit: &UnitPath,
        pledger: Option<MemberId>,
    ) -> Result<(), Denied> {
        (pledger == Some(self.member_id) || self.may_manage_within(unit).is_ok())
            .then_some(())
            .ok_or(Denied)
    }

    pub fn may_see_member(&self, member: MemberId, member_unit: &UnitPath) -> bool {
        member == self.member_id || (self.is_admin() && self.unit_path.contains(member_unit))
    }
}

/// Where a session is used: a browser (cookie) or a script (bearer token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    /// How long a session lasts at most from its sign-in, however much
    /// it is used.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            SessionKind::Web => chrono::Duration::days(14),
            SessionKind::Api => chrono::Duration::days(30),
        }
    }

    /// How long a session lasts unused: a working day for the people who
    /// manage others' data at a desk, a week for a member's phone (who
    /// may study weekly) and for scripts.
    pub fn idle(self, role: Role) -> chrono::Duration {
        match (self, role) {
            (SessionKind::Web, Role::Admin | Role::SiteManager) => chrono::Duration::hours(12),
            (SessionKind::Web, Role::Member) | (SessionKind::Api, _) => chrono::Duration::days(7),
        }
    }
}

/// How sign-in failures slow further tries on one key (an account, an
/// address, a known device): the first `free` failures cost nothing; each
/// after them doubles the wait after the last, from `first` up to
/// `most`. The wait never grows past `most`, so failures sent by someone
/// else can delay a person, never lock them out; and a refused try is not
/// a failure, so trying during the wait does not lengthen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u64,
    pub first: chrono::Duration,
    pub most: chrono::Duration,
}

impl Backoff {
    /// Failures older than this are forgotten.
    pub const WINDOW: chrono::Duration = chrono::Duration::hours(1);

    /// A person's own account, from a phone or browser they have not
    /// signed in on before: five tries, then 30 s, 1 min, 2 min … 15 min.
    pub const ACCOUNT: Backoff = Backoff {
        free: 5,
        first: chrono::Duration::seconds(30),
        most: chrono::Duration::minutes(15),
    };

    /// A phone or browser the person has signed in on before: their way
    /// in while someone else is trying their account.
    pub const KNOWN_DEVICE: Backoff = Backoff {
        free: 10,
        first: chrono::Duration::seconds(30),
        most: chrono::Duration::minutes(5),
    };

    /// One address, whatever account it tries (an office behind one
    /// address has many people who mistype).
    pub const ADDRESS: Backoff = Backoff {
        free: 50,
        first: chrono::Duration::seconds(30),
        most: chrono::Duration::minutes(15),
    };

    /// When the next try may be made, after `failures` failures within
    /// `WINDOW`, the last at `last`; `None` when it may be made now.
    pub fn next_try(
        &self,
        failures: u64,
        last: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let over = failures.checked_sub(self.free)?;
        let wait = (0..over.min(32))
            .try_fold(self.first, |wait, _| wait.checked_add(&wait))
            .unwrap_or(self.most)
            .min(self.most);
        let next = last + wait;
        (next > now).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_a_key_down_but_never_lock_it() {
        let at =
            |s: i64| chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default();
        let rule = Backoff::ACCOUNT;
        assert_eq!(rule.next_try(4, at(0), at(0)), None);
        assert_eq!(rule.next_try(5, at(0), at(1)), Some(at(30)));
        assert_eq!(rule.next_try(6, at(0), at(1)), Some(at(60)));
        assert_eq!(rule.next_try(7, at(0), at(1)), Some(at(120)));
        assert_eq!(rule.next_try(6, at(0), at(60)), None);
        for failures in [12, 40, 10_000, u64::MAX] {
            assert_eq!(rule.next_try(failures, at(0), at(1)), Some(at(900)));
            assert_eq!(rule.next_try(failures, at(0), at(900)), None);
        }
    }

    fn principal(role: Role, path: &UnitPath) -> Principal {
        Principal {
            member_id: MemberId(1),
            unit_id: path.unit_id(),
            unit_path: path.clone(),
            role,
        }
    }

    #[test]
    fn roles_parse_in_both_languages() {
        assert_eq!(Role::parse("管理员"), Ok(Role::Admin));
        assert_eq!(Role::parse(" Admin "), Ok(Role::Admin));
        assert_eq!(Role::parse("党员"), Ok(Role::Member));
        assert!(Role::parse("boss").is_err());
    }

    #[test]
    fn an_admin_sees_their_subtree_and_not_beside_it() {
        let province = UnitPath::root(UnitId(1));
        let xihu = province.child(UnitId(2)).child(UnitId(3));
        let chunan = province.child(UnitId(2)).child(UnitId(4));
        let admin = principal(Role::Admin, &xihu);
        assert!(admin.may_see_unit(&xihu.child(UnitId(9))));
        assert!(admin.may_see_unit(&province));
        assert!(!admin.may_see_unit(&chunan));
        assert!(admin.may_manage_within(&xihu).is_ok());
        assert!(admin.may_manage_within(&chunan).is_err());
        assert!(admin.may_change_unit(&xihu).is_err());
        assert!(admin.may_change_unit(&xihu.child(UnitId(9))).is_ok());
        assert!(admin.may_see_member(MemberId(7), &xihu.child(UnitId(9))));
        assert!(!admin.may_see_member(MemberId(7), &chunan));
    }

    #[test]
    fn a_site_is_managed_by_its_managers_and_the_admins_above_it() {
        let province = UnitPath::root(UnitId(1));
        let xihu = province.child(UnitId(2));
        let chunan = province.child(UnitId(3));
        let manager = principal(Role::SiteManager, &chunan);
        assert!(manager.may_manage_site(&xihu, true).is_ok());
        assert!(manager.may_manage_site(&xihu, false).is_err());
        let admin = principal(Role::Admin, &xihu);
        assert!(admin.may_manage_site(&xihu.child(UnitId(9)), false).is_ok());
        assert!(admin.may_manage_site(&chunan, false).is_err());
        assert!(
            principal(Role::Member, &xihu)
                .may_manage_site(&xihu, false)
                .is_err()
        );
    }

    #[test]
    fn a_member_sees_only_themself() {
        let branch = UnitPath::root(UnitId(1)).child(UnitId(8));
        let member = principal(Role::Member, &branch);
        assert!(member.may_see_member(MemberId(1), &branch));
        assert!(!member.may_see_member(MemberId(2), &branch));
        assert!(member.may_manage_within(&branch).is_err());
        assert!(!member.may_see_unit(&branch.child(UnitId(9))));
    }
}
