//! Members: who belongs where, and the all-or-nothing roster import.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict as UpsertOnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

use suyuan_core::access::Role;
use suyuan_core::members::{
    ImportError, MAX_REPORTED, MemberId, MemberNumber, MemberRow, PersonName, Phone, RowError,
};
use suyuan_core::units::{UnitId, UnitPath};

use crate::error::OnConflict;
use crate::units::{self, Unit};
use crate::{Store, StoreError, StoreResult};

pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "members")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub unit_id: i64,
        pub member_number: String,
        pub name: String,
        pub phone: Option<String>,
        pub role: String,
        pub password_hash: Option<String>,
        pub must_change_password: bool,
        pub elder_mode: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "crate::units::entity::Entity",
            from = "Column::UnitId",
            to = "crate::units::entity::Column::Id"
        )]
        Unit,
    }

    impl Related<crate::units::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Unit.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::Column;

/// Narrows a query of rows that name a member (in `member`) to the
/// members of a subtree: one join to members and their units, and the
/// path's range.
pub(crate) fn of_members_within<E: EntityTrait>(
    query: sea_orm::Select<E>,
    member: E::Column,
    within: &UnitPath,
) -> sea_orm::Select<E> {
    use sea_orm::{JoinType, RelationTrait};
    let (low, high) = within.subtree_range();
    query
        .join(
            JoinType::InnerJoin,
            E::belongs_to(entity::Entity)
                .from(member)
                .to(Column::Id)
                .into(),
        )
        .join(JoinType::InnerJoin, entity::Relation::Unit.def())
        .filter(units::entity::Column::Path.gte(low))
        .filter(units::entity::Column::Path.lt(high))
}

/// A member with the unit they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub number: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub must_change_password: bool,
    /// Reads in elder mode (长辈版), on every device they sign in on.
    pub elder_mode: bool,
    pub unit: Unit,
}

pub(crate) fn member_from(
    row: entity::Model,
    unit: Option<units::entity::Model>,
) -> StoreResult<Member> {
    let unit = unit
        .ok_or_else(|| StoreError::Corrupt(format!("member {} has no unit", row.id)))
        .and_then(Unit::try_from)?;
    let role = Role::parse(&row.role).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Member {
        id: MemberId(row.id),
        number: row.member_number,
        name: row.name,
        phone: row.phone,
        role,
        must_change_password: row.must_change_password,
        elder_mode: row.elder_mode,
        unit,
    })
}

/// Which members a list shows: those of a subtree, optionally only one
/// (a member sees only themself).
#[derive(Debug, Clone)]
pub struct MemberFilter {
    pub within: UnitPath,
    pub only: Option<MemberId>,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub unit: UnitId,
    pub number: MemberNumber,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
}

/// Rows per INSERT statement: well under SQLite's bound-variable limit.
const IMPORT_CHUNK: usize = 500;

impl Store {
    pub async fn create_member(&self, new: NewMember, now: DateTime<Utc>) -> StoreResult<Member> {
        let number = new.number.as_str().to_owned();
        let row = entity::ActiveModel {
            unit_id: Set(new.unit.0),
            member_number: Set(number.clone()),
            name: Set(new.name.as_str().to_owned()),
            phone: Set(new.phone.as_ref().map(|p| p.as_str().to_owned())),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(Some(new.password_hash)),
            must_change_password: Set(new.must_change_password),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let txn = self.db.begin().await?;
        let inserted = entity::Entity::insert(row)
            .exec(&txn)
            .await
            .on_conflict(|| {
                format!("member number {number} or that phone number is already in use")
            })?;
        let path = units::path_of(&txn, new.unit).await?;
        crate::progress::resize(&txn, [(path, 1)]).await?;
        txn.commit().await?;
        self.member(MemberId(inserted.last_insert_id)).await
    }

    /// The admins of a unit itself (not of the units above it).
    pub async fn admins_of(&self, unit: UnitId) -> StoreResult<Vec<MemberId>> {
        Ok(entity::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::UnitId.eq(unit.0))
            .filter(Column::Role.eq(Role::Admin.as_str()))
            .into_tuple::<i64>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(MemberId)
            .collect())
    }

    pub async fn member(&self, id: MemberId) -> StoreResult<Member> {
        let (row, unit) = entity::Entity::find_by_id(id.0)
            .find_also_related(units::entity::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        member_from(row, unit)
    }

    pub async fn member_by_number(&self, number: &MemberNumber) -> StoreResult<Member> {
        let (row, unit) = entity::Entity::find()
            .filter(Column::MemberNumber.eq(number.as_str()))
            .find_also_related(units::entity::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        member_from(row, unit)
    }

    /// Finds the member a sign-in name refers to: a member number, or a
    /// phone number. Returns the stored password hash beside them.
    pub(crate) async fn member_for_login(
        &self,
        login: &str,
    ) -> StoreResult<Option<(Member, Option<String>)>> {
        let by_number = MemberNumber::parse(login)
            .ok()
            .map(|n| Column::MemberNumber.eq(n.as_str()));
        let by_phone = Phone::parse(login)
            .ok()
            .map(|p| Column::Phone.eq(p.as_str()));
        let condition = match (by_number, by_phone) {
            (Some(a), Some(b)) => sea_orm::Condition::any().add(a).add(b),
            (Some(a), None) => sea_orm::Condition::all().add(a),
            (None, Some(b)) => sea_orm::Condition::all().add(b),
            (None, None) => return Ok(None),
        };
        // A number that is also someone's phone: the member number wins.
        let rows = entity::Entity::find()
            .filter(condition)
            .find_also_related(units::entity::Entity)
            .all(&self.db)
            .await?;
        let chosen = rows
            .iter()
            .position(|(m, _)| m.member_number == login.trim())
            .unwrap_or(0);
        match rows.into_iter().nth(chosen) {
            Some((row, unit)) => {
                let hash = row.password_hash.clone();
                Ok(Some((member_from(row, unit)?, hash)))
            }
            None => Ok(None),
        }
    }

    pub async fn list_members(&self, filter: &MemberFilter) -> StoreResult<Vec<Member>> {
        let (low, high) = filter.within.subtree_range();
        let mut query = entity::Entity::find()
            .find_also_related(units::entity::Entity)
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high));
        if let Some(only) = filter.only {
            query = query.filter(Column::Id.eq(only.0));
        }
        query
            .order_by_asc(units::entity::Column::Path)
            .order_by_asc(Column::Name)
            .order_by_asc(Column::Id)
            .limit(crate::rows(filter.limit))
            .offset(crate::rows(filter.offset))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, unit)| member_from(row, unit))
            .collect()
    }

    /// A page of the members in a subtree whose name or number contains
    /// `text` (all of them when it is empty), by unit then name; and how
    /// many there are in all.
    pub async fn find_members(
        &self,
        within: &UnitPath,
        text: &str,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(u64, Vec<Member>)> {
        let (low, high) = within.subtree_range();
        let mut query = entity::Entity::find()
            .find_also_related(units::entity::Entity)
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high));
        let text = text.trim();
        if !text.is_empty() {
            query = query.filter(
                sea_orm::Condition::any()
                    .add(Column::Name.contains(text))
                    .add(Column::MemberNumber.contains(text)),
            );
        }
        let total = query.clone().count(&self.db).await?;
        let members = query
            .order_by_asc(units::entity::Column::Path)
            .order_by_asc(Column::Name)
            .order_by_asc(Column::Id)
            .limit(crate::rows(limit))
            .offset(crate::rows(offset))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, unit)| member_from(row, unit))
            .collect::<StoreResult<_>>()?;
        Ok((total, members))
    }

    /// The members of a unit itself (not of the units below), by name.
    pub async fn own_members(&self, unit: UnitId) -> StoreResult<Vec<Member>> {
        entity::Entity::find()
            .find_also_related(units::entity::Entity)
            .filter(Column::UnitId.eq(unit.0))
            .order_by_asc(Column::Name)
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, unit)| member_from(row, unit))
            .collect()
    }

    pub async fn count_members(&self, within: &UnitPath) -> StoreResult<u64> {
        let (low, high) = within.subtree_range();
        Ok(entity::Entity::find()
            .inner_join(units::entity::Entity)
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high))
            .count(&self.db)
            .await?)
    }

    /// Imports a roster in one transaction: every unit reference must
    /// resolve (inside `within`, when given) and every phone be free, or
    /// nothing is written. Existing member numbers are updated (their
    /// passwords kept); new members get `initial_password_hash` and must
    /// change it when they first sign in.
    pub async fn import_members(
        &self,
        rows: &[MemberRow],
        within: Option<&UnitPath>,
        initial_password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportReport> {
        let txn = self.db.begin().await?;
        let directory = self.unit_directory(&txn).await?;
        let mut errors = Vec::new();
        let mut resolved = Vec::with_capacity(rows.len());
        for row in rows {
            let unit = directory
                .resolve(&row.unit)
                .filter(|unit| within.is_none_or(|scope| scope.contains(&unit.path)));
            match unit {
                Some(unit) => resolved.push((row, unit.id, unit.path.clone())),
                None => errors.push(RowError {
                    row: row.row,
                    column: Some(row.unit_column.clone()),
                    reason: match within {
                        Some(_) => format!("no active unit {} within your scope", row.unit),
                        None => format!("no active unit {}", row.unit),
                    },
                }),
            }
        }

        // Phones already used by someone with another member number.
        let numbers: HashSet<&str> = rows.iter().map(|r| r.number.as_str()).collect();
        let phones: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.phone.as_ref().map(Phone::as_str))
            .collect();
        // Each phone's owner: their number and where they belong.
        let mut phone_owner: HashMap<String, (String, String)> = HashMap::new();
        for chunk in phones.chunks(IMPORT_CHUNK) {
            let taken: Vec<(Option<String>, String, String)> = entity::Entity::find()
                .select_only()
                .column(Column::Phone)
                .column(Column::MemberNumber)
                .column(units::entity::Column::Path)
                .inner_join(units::entity::Entity)
                .filter(Column::Phone.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&txn)
                .await?;
            phone_owner.extend(
                taken
                    .into_iter()
                    .filter_map(|(phone, number, path)| Some((phone?, (number, path)))),
            );
        }
        for row in rows {
            let owner = row.phone.as_ref().and_then(|p| phone_owner.get(p.as_str()));
            if let Some((owner, path)) = owner.filter(|(owner, _)| {
                *owner != row.number.as_str() && !numbers.contains(owner.as_str())
            }) {
                // Someone outside the importer's scope is not named.
                let seen = within.is_none_or(|scope| {
                    UnitPath::parse(path).is_some_and(|path| scope.contains(&path))
                });
                errors.push(RowError {
                    row: row.row,
                    column: Some("手机/phone".into()),
                    reason: if seen {
                        format!("this phone already belongs to member {owner}")
                    } else {
                        "this phone already belongs to another member".to_owned()
                    },
                });
            }
        }
        // Member numbers already in use: an admin may only update members
        // of their own subtree.
        let mut existing: HashMap<String, String> = HashMap::new();
        for chunk in rows.chunks(IMPORT_CHUNK) {
            let found: Vec<(String, String)> = entity::Entity::find()
                .select_only()
                .column(Column::MemberNumber)
                .column(units::entity::Column::Path)
                .inner_join(units::entity::Entity)
                .filter(Column::MemberNumber.is_in(chunk.iter().map(|r| r.number.as_str())))
                .into_tuple()
                .all(&txn)
                .await?;
            existing.extend(found);
        }
        if let Some(scope) = within {
            for row in rows {
                let outside = existing
                    .get(row.number.as_str())
                    .and_then(|path| UnitPath::parse(path))
                    .is_some_and(|path| !scope.contains(&path));
                if outside {
                    errors.push(RowError {
                        row: row.row,
                        column: Some("编号/member_number".into()),
                        reason: format!(
                            "member number {} belongs to a member outside your scope",
                            row.number.as_str()
                        ),
                    });
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            errors.truncate(MAX_REPORTED);
            return Err(StoreError::Import(ImportError::Rows(errors)));
        }
        // Each unit's members change by those who join and those who leave.
        let mut sizes: Vec<(UnitPath, i64)> = Vec::with_capacity(resolved.len() * 2);
        for (row, _, path) in &resolved {
            sizes.push((path.clone(), 1));
            if let Some(old) = existing
                .get(row.number.as_str())
                .and_then(|p| UnitPath::parse(p))
            {
                sizes.push((old, -1));
            }
        }
        crate::progress::resize(&txn, sizes).await?;
        let existing = existing.len();
        // Phones move between members within one file; clear the file's
        // phones first so that the unique index sees no passing clash.
        for chunk in phones.chunks(IMPORT_CHUNK) {
            entity::Entity::update_many()
                .col_expr(
                    Column::Phone,
                    sea_orm::sea_query::Expr::value(Option::<String>::None),
                )
                .filter(Column::Phone.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
        }
        for chunk in resolved.chunks(IMPORT_CHUNK) {
            let models = chunk.iter().map(|(row, unit, _)| entity::ActiveModel {
                unit_id: Set(unit.0),
                member_number: Set(row.number.as_str().to_owned()),
                name: Set(row.name.as_str().to_owned()),
                phone: Set(row.phone.as_ref().map(|p| p.as_str().to_owned())),
                role: Set(row.role.as_str().to_owned()),
                password_hash: Set(Some(initial_password_hash.to_owned())),
                must_change_password: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            entity::Entity::insert_many(models)
                .on_conflict(
                    UpsertOnConflict::column(Column::MemberNumber)
                        .update_columns([
                            Column::UnitId,
                            Column::Name,
                            Column::Phone,
                            Column::Role,
                            Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec(&txn)
                .await
                .on_conflict(|| "two members in the file share a phone number".to_owned())?;
        }
        // Members updated may have moved or changed roles.
        if existing > 0 {
            crate::auth::record_session_change(&txn, crate::auth::SessionChange::Everyone, now)
                .await?;
        }
        txn.commit().await?;
        Ok(ImportReport {
            created: rows.len() - existing,
            updated: existing,
        })
    }

    /// Remembers whether `member` reads in elder mode, and tells the other
    /// instances that what they keep of the member's sessions is stale.
    pub async fn set_elder_mode(
        &self,
        member: MemberId,
        on: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let updated = entity::Entity::update_many()
            .col_expr(Column::ElderMode, sea_orm::sea_query::Expr::value(on))
            .filter(Column::Id.eq(member.0))
            .exec(&txn)
            .await?
            .rows_affected;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        crate::auth::record_session_change(&txn, crate::auth::SessionChange::Member(member), now)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores a password hash made earlier for each of `members` (the
    /// same hash may serve many, as an import's initial password does),
    /// in one transaction.
    pub async fn set_password_hash(
        &self,
        members: &[MemberId],
        hash: String,
        must_change: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let mut updated = 0;
        for chunk in members.chunks(500) {
            updated += entity::Entity::update_many()
                .col_expr(
                    Column::PasswordHash,
                    sea_orm::sea_query::Expr::value(hash.clone()),
                )
                .col_expr(
                    Column::MustChangePassword,
                    sea_orm::sea_query::Expr::value(must_change),
                )
                .col_expr(Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
                .filter(Column::Id.is_in(chunk.iter().map(|m| m.0)))
                .exec(&txn)
                .await?
                .rows_affected;
        }
        if updated < members.len() as u64 {
            return Err(StoreError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }
}

/// Members' unit paths, on any connection.
pub(crate) async fn paths_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    members: &[i64],
) -> StoreResult<Vec<(MemberId, UnitPath)>> {
    let mut out = Vec::with_capacity(members.len());
    for chunk in members.chunks(400) {
        let rows: Vec<(i64, String)> = entity::Entity::find()
            .select_only()
            .column(Column::Id)
            .column(units::entity::Column::Path)
            .inner_join(units::entity::Entity)
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(with_paths(rows)?);
    }
    Ok(out)
}

/// Member ids with their units' stored paths, checked.
fn with_paths(rows: Vec<(i64, String)>) -> StoreResult<Vec<(MemberId, UnitPath)>> {
    rows.into_iter()
        .map(|(id, path)| {
            UnitPath::parse(&path)
                .map(|path| (MemberId(id), path))
                .ok_or_else(|| StoreError::Corrupt(format!("member {id}: unit path")))
        })
        .collect()
}

impl Store {
    /// Everyone taking part in a campaign, with their unit's path.
    pub async fn members_of_campaign(
        &self,
        campaign: &suyuan_core::campaigns::Campaign,
    ) -> StoreResult<Vec<(MemberId, UnitPath)>> {
        let mut out = Vec::new();
        for unit in &campaign.units {
            let path = units::path_of(&self.db, *unit).await?;
            let (low, high) = path.subtree_range();
            let rows: Vec<(i64, String)> = entity::Entity::find()
                .select_only()
                .column(Column::Id)
                .column(units::entity::Column::Path)
                .inner_join(units::entity::Entity)
                .filter(units::entity::Column::Path.gte(low))
                .filter(units::entity::Column::Path.lt(high))
                .into_tuple()
                .all(&self.db)
                .await?;
            out.extend(with_paths(rows)?);
        }
        out.sort_by_key(|(id, _)| *id);
        out.dedup_by_key(|(id, _)| *id);
        Ok(out)
    }
}
