//! The unit tree, stored as materialized paths (see `suyuan_core::units`):
//! a subtree is one indexed range query, a move one UPDATE.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};

use suyuan_core::units::{UnitCode, UnitId, UnitKind, UnitName, UnitPath, moved_path};

use crate::error::OnConflict;
use crate::{Store, StoreError, StoreResult, members};

pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "units")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub parent_id: Option<i64>,
        pub code: String,
        pub name: String,
        pub kind: String,
        pub path: String,
        pub depth: i32,
        pub created_at: DateTimeUtc,
        pub archived_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::Column;

/// A node of the organization tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub path: UnitPath,
    pub archived: bool,
}

impl Unit {
    pub fn depth(&self) -> i32 {
        self.path.depth()
    }
}

impl TryFrom<entity::Model> for Unit {
    type Error = StoreError;

    fn try_from(row: entity::Model) -> StoreResult<Self> {
        let path = UnitPath::parse(&row.path).ok_or_else(|| {
            StoreError::Corrupt(format!("unit {} has path {:?}", row.id, row.path))
        })?;
        let kind = UnitKind::parse(&row.kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Unit {
            id: UnitId(row.id),
            parent_id: row.parent_id.map(UnitId),
            code: row.code,
            name: row.name,
            kind,
            path,
            archived: row.archived_at.is_some(),
        })
    }
}

fn units(rows: Vec<entity::Model>) -> StoreResult<Vec<Unit>> {
    rows.into_iter().map(Unit::try_from).collect()
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub parent: Option<UnitId>,
    pub code: UnitCode,
    pub name: UnitName,
    pub kind: UnitKind,
}

/// A child of some unit, with the number of members in its whole subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCount {
    pub unit: Unit,
    pub members: u64,
}

/// Rows per multi-row INSERT: well under SQLite's bound-variable limit.
const BULK_CHUNK: usize = 500;
/// Paths start with this until `create_units` sets them ('~' sorts after
/// every digit and '/', so placeholders never fall inside a subtree range).
const PLACEHOLDER: &str = "~";

fn in_subtree(path: &UnitPath) -> sea_orm::Condition {
    let (low, high) = path.subtree_range();
    sea_orm::Condition::all()
        .add(Column::Path.gte(low))
        .add(Column::Path.lt(high))
}

impl Store {
    pub async fn create_unit(&self, new: NewUnit, now: DateTime<Utc>) -> StoreResult<Unit> {
        let txn = self.db.begin().await?;
        let parent = match new.parent {
            Some(id) => Some(active_unit(&txn, id).await?),
            None => None,
        };
        // The path needs the id, which the insert gives: insert with a
        // placeholder that is unique (the code is), then set it.
        let inserted = entity::ActiveModel {
            parent_id: Set(parent.as_ref().map(|p| p.id.0)),
            code: Set(new.code.as_str().to_owned()),
            name: Set(new.name.as_str().to_owned()),
            kind: Set(new.kind.as_str().to_owned()),
            path: Set(format!("{PLACEHOLDER}{}", new.code)),
            depth: Set(parent.as_ref().map_or(0, |p| p.depth() + 1)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .on_conflict(|| conflict_message(&new.code, &new.name))?;
        let id = UnitId(inserted.id);
        let path = match &parent {
            Some(parent) => parent.path.child(id),
            None => UnitPath::root(id),
        };
        let mut row: entity::ActiveModel = inserted.into();
        row.path = Set(path.as_str().to_owned());
        let row = row.update(&txn).await?;
        txn.commit().await?;
        Unit::try_from(row)
    }

    /// Creates many units at once whose parents all exist already (a tree
    /// is made level by level): multi-row INSERTs with placeholder paths,
    /// then one UPDATE that derives each path from its parent's.
    pub async fn create_units(&self, new: &[NewUnit], now: DateTime<Utc>) -> StoreResult<usize> {
        let txn = self.db.begin().await?;
        for chunk in new.chunks(BULK_CHUNK) {
            let rows = chunk.iter().map(|unit| entity::ActiveModel {
                parent_id: Set(unit.parent.map(|p| p.0)),
                code: Set(unit.code.as_str().to_owned()),
                name: Set(unit.name.as_str().to_owned()),
                kind: Set(unit.kind.as_str().to_owned()),
                path: Set(format!("{PLACEHOLDER}{}", unit.code)),
                depth: Set(0),
                created_at: Set(now),
                ..Default::default()
            });
            entity::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .on_conflict(|| "a unit code is taken, or two siblings share a name".to_owned())?;
        }
        let placeholder = Column::Path.starts_with(PLACEHOLDER);
        entity::Entity::update_many()
            .col_expr(Column::Path, Expr::cust("'/' || CAST(id AS TEXT) || '/'"))
            .filter(placeholder.clone())
            .filter(Column::ParentId.is_null())
            .exec(&txn)
            .await?;
        entity::Entity::update_many()
            .col_expr(
                Column::Path,
                Expr::cust("(SELECT p.path FROM units p WHERE p.id = units.parent_id) || CAST(id AS TEXT) || '/'"),
            )
            .col_expr(
                Column::Depth,
                Expr::cust("(SELECT p.depth + 1 FROM units p WHERE p.id = units.parent_id)"),
            )
            .filter(placeholder)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(new.len())
    }

    pub async fn unit(&self, id: UnitId) -> StoreResult<Unit> {
        entity::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
            .and_then(Unit::try_from)
    }

    pub async fn unit_by_code(&self, code: &UnitCode) -> StoreResult<Unit> {
        entity::Entity::find()
            .filter(Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
            .and_then(Unit::try_from)
    }

    /// The units with these ids (archived ones too), by id.
    pub async fn units_by_ids(
        &self,
        ids: impl IntoIterator<Item = UnitId>,
    ) -> StoreResult<std::collections::HashMap<UnitId, Unit>> {
        let ids: std::collections::BTreeSet<i64> = ids.into_iter().map(|u| u.0).collect();
        let ids: Vec<i64> = ids.into_iter().collect();
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(BULK_CHUNK) {
            let rows = entity::Entity::find()
                .filter(Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await?;
            for unit in units(rows)? {
                found.insert(unit.id, unit);
            }
        }
        Ok(found)
    }

    /// The roots of the forest (usually one province).
    pub async fn root_units(&self) -> StoreResult<Vec<Unit>> {
        units(
            entity::Entity::find()
                .filter(Column::ParentId.is_null())
                .filter(Column::ArchivedAt.is_null())
                .order_by_asc(Column::Name)
                .all(&self.db)
                .await?,
        )
    }

    /// The unit and everything below it, in one indexed range query,
    /// ordered by depth and then name.
    pub async fn subtree(&self, root: &UnitPath, include_archived: bool) -> StoreResult<Vec<Unit>> {
        let mut query = entity::Entity::find().filter(in_subtree(root));
        if !include_archived {
            query = query.filter(Column::ArchivedAt.is_null());
        }
        units(
            query
                .order_by_asc(Column::Depth)
                .order_by_asc(Column::Name)
                .all(&self.db)
                .await?,
        )
    }

    /// The active units of a subtree at one depth (0 for roots).
    pub async fn units_at_depth(&self, root: &UnitPath, depth: i32) -> StoreResult<Vec<Unit>> {
        units(
            entity::Entity::find()
                .filter(in_subtree(root))
                .filter(Column::Depth.eq(depth))
                .filter(Column::ArchivedAt.is_null())
                .order_by_asc(Column::Name)
                .all(&self.db)
                .await?,
        )
    }

    /// Active units of these kinds, by path: where the public says a
    /// request is about (the communities and villages).
    pub async fn units_of_kinds(&self, kinds: &[UnitKind]) -> StoreResult<Vec<Unit>> {
        units(
            entity::Entity::find()
                .filter(Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
                .filter(Column::ArchivedAt.is_null())
                .order_by_asc(Column::Path)
                .all(&self.db)
                .await?,
        )
    }

    /// Active units of a subtree whose name contains `text`, nearest the
    /// top first, at most `limit`.
    pub async fn find_units(
        &self,
        root: &UnitPath,
        text: &str,
        limit: u64,
    ) -> StoreResult<Vec<Unit>> {
        units(
            entity::Entity::find()
                .filter(in_subtree(root))
                .filter(Column::ArchivedAt.is_null())
                .filter(Column::Name.contains(text.trim()))
                .order_by_asc(Column::Depth)
                .order_by_asc(Column::Name)
                .limit(limit)
                .all(&self.db)
                .await?,
        )
    }

    /// How many units a subtree holds, archived ones included.
    pub async fn count_units_within(&self, root: &UnitPath) -> StoreResult<u64> {
        Ok(entity::Entity::find()
            .filter(in_subtree(root))
            .count(&self.db)
            .await?)
    }

    /// The units from the root down to (and including) this one.
    pub async fn path_to_root(&self, path: &UnitPath) -> StoreResult<Vec<Unit>> {
        let ids: Vec<i64> = path.ids().into_iter().map(|id| id.0).collect();
        units(
            entity::Entity::find()
                .filter(Column::Id.is_in(ids))
                .order_by_asc(Column::Depth)
                .all(&self.db)
                .await?,
        )
    }

    pub async fn children(&self, parent: UnitId) -> StoreResult<Vec<Unit>> {
        units(
            entity::Entity::find()
                .filter(Column::ParentId.eq(parent.0))
                .filter(Column::ArchivedAt.is_null())
                .order_by_asc(Column::Name)
                .all(&self.db)
                .await?,
        )
    }

    /// Each active child of `parent` with the members of its whole subtree:
    /// one grouped query over the parent's subtree, summed up here.
    pub async fn children_with_member_counts(&self, parent: &Unit) -> StoreResult<Vec<UnitCount>> {
        let children = self.children(parent.id).await?;
        let per_unit: Vec<(String, i64)> = members::entity::Entity::find()
            .select_only()
            .column(Column::Path)
            .column_as(members::entity::Column::Id.count(), "members")
            .inner_join(entity::Entity)
            .filter(in_subtree(&parent.path))
            .group_by(Column::Path)
            .into_tuple()
            .all(&self.db)
            .await?;
        let child_depth = parent.depth() as usize + 1;
        let mut totals: HashMap<UnitId, u64> = HashMap::new();
        for (path, count) in per_unit {
            let ids = UnitPath::parse(&path).map(|p| p.ids()).unwrap_or_default();
            if let Some(child) = ids.get(child_depth) {
                *totals.entry(*child).or_default() += count as u64;
            }
        }
        Ok(children
            .into_iter()
            .map(|unit| UnitCount {
                members: totals.get(&unit.id).copied().unwrap_or(0),
                unit,
            })
            .collect())
    }

    pub async fn count_units(&self) -> StoreResult<u64> {
        Ok(entity::Entity::find().count(&self.db).await?)
    }

    pub async fn rename_unit(&self, id: UnitId, name: UnitName) -> StoreResult<Unit> {
        let unit = active_unit(&self.db, id).await?;
        let mut row = entity::ActiveModel {
            id: Set(id.0),
            ..Default::default()
        };
        row.name = Set(name.as_str().to_owned());
        let row = row
            .update(&self.db)
            .await
            .on_conflict(|| format!("another unit beside {} is already named {name}", unit.name))?;
        Unit::try_from(row)
    }

    /// Moves a unit, with its whole subtree, under another parent: its
    /// descendants' paths are rewritten by one UPDATE.
    pub async fn move_unit(
        &self,
        id: UnitId,
        new_parent: UnitId,
        now: DateTime<Utc>,
    ) -> StoreResult<Unit> {
        let txn = self.db.begin().await?;
        let unit = active_unit(&txn, id).await?;
        let parent = active_unit(&txn, new_parent).await?;
        let new_path = moved_path(&unit.path, &parent.path)?;
        let old_len = unit.path.as_str().len() as i32;
        let depth_change = parent.depth() + 1 - unit.depth();
        entity::Entity::update_many()
            .col_expr(
                Column::Path,
                // `||` concatenates text in both SQLite and PostgreSQL.
                Expr::val(new_path.as_str()).binary(
                    BinOper::Custom("||"),
                    Func::cust("substr")
                        .arg(Expr::col(Column::Path))
                        .arg(old_len + 1),
                ),
            )
            .col_expr(Column::Depth, Expr::col(Column::Depth).add(depth_change))
            .filter(in_subtree(&unit.path))
            .exec(&txn)
            .await?;
        entity::Entity::update_many()
            .col_expr(Column::ParentId, Expr::value(parent.id.0))
            .filter(Column::Id.eq(id.0))
            .exec(&txn)
            .await
            .on_conflict(|| format!("{} already has a unit named {}", parent.name, unit.name))?;
        crate::progress::move_subtree(&txn, &unit.path, &new_path).await?;
        // Who may read the collections owned in the subtree has changed:
        // a library change makes readers' catalogs and indexes catch up.
        crate::library::record_changes_within(&txn, &new_path, now).await?;
        // Its members' sessions now stand for other units.
        crate::auth::record_session_change(&txn, crate::auth::SessionChange::Everyone, now).await?;
        txn.commit().await?;
        self.unit(id).await
    }

    /// Archives a unit that no longer has active units or members below it.
    pub async fn archive_unit(&self, id: UnitId, now: DateTime<Utc>) -> StoreResult<Unit> {
        let txn = self.db.begin().await?;
        let unit = active_unit(&txn, id).await?;
        let active_children = entity::Entity::find()
            .filter(Column::ParentId.eq(id.0))
            .filter(Column::ArchivedAt.is_null())
            .count(&txn)
            .await?;
        if active_children > 0 {
            return Err(StoreError::Invalid(format!(
                "{} still has {active_children} active unit(s) below it; move or archive them first",
                unit.name
            )));
        }
        let unit_members = members::entity::Entity::find()
            .filter(members::entity::Column::UnitId.eq(id.0))
            .count(&txn)
            .await?;
        if unit_members > 0 {
            return Err(StoreError::Invalid(format!(
                "{} still has {unit_members} member(s); move them to another unit first",
                unit.name
            )));
        }
        let row = entity::ActiveModel {
            id: Set(id.0),
            archived_at: Set(Some(now)),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        txn.commit().await?;
        Unit::try_from(row)
    }

    /// All units, for resolving the unit references of an import. Keyed by
    /// code, and by (parent, name) for paths.
    pub(crate) async fn unit_directory(
        &self,
        db: &impl ConnectionTrait,
    ) -> StoreResult<UnitDirectory> {
        let all = units(
            entity::Entity::find()
                .filter(Column::ArchivedAt.is_null())
                .all(db)
                .await?,
        )?;
        let mut directory = UnitDirectory::default();
        for unit in all {
            directory
                .by_name
                .insert((unit.parent_id, unit.name.clone()), unit.id);
            directory.by_code.insert(unit.code.clone(), unit.id);
            directory.units.insert(unit.id, unit);
        }
        Ok(directory)
    }
}

#[derive(Debug, Default)]
pub(crate) struct UnitDirectory {
    pub units: BTreeMap<UnitId, Unit>,
    by_code: HashMap<String, UnitId>,
    by_name: HashMap<(Option<UnitId>, String), UnitId>,
}

impl UnitDirectory {
    pub fn resolve(&self, reference: &suyuan_core::units::UnitRef) -> Option<&Unit> {
        use suyuan_core::units::UnitRef;
        let id = match reference {
            UnitRef::Code(code) => *self.by_code.get(code.as_str())?,
            UnitRef::Path(names) => {
                let mut parent = None;
                for name in names {
                    parent = Some(*self.by_name.get(&(parent, name.as_str().to_owned()))?);
                }
                parent?
            }
        };
        self.units.get(&id)
    }
}

async fn active_unit(db: &impl ConnectionTrait, id: UnitId) -> StoreResult<Unit> {
    let unit = entity::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(Unit::try_from)?;
    if unit.archived {
        return Err(StoreError::Invalid(format!("{} is archived", unit.name)));
    }
    Ok(unit)
}

fn conflict_message(code: &UnitCode, name: &UnitName) -> String {
    format!("the unit code {code} is taken, or a sibling unit is already named {name}")
}

/// The path of a unit, on any connection.
pub(crate) async fn path_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    unit: UnitId,
) -> StoreResult<UnitPath> {
    let path: String = entity::Entity::find_by_id(unit.0)
        .select_only()
        .column(Column::Path)
        .into_tuple()
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    UnitPath::parse(&path).ok_or_else(|| StoreError::Corrupt(format!("unit {}: path", unit.0)))
}

/// The ids of the units of a subtree, as a subquery.
pub(crate) fn ids_within(within: &UnitPath) -> sea_orm::sea_query::SelectStatement {
    let (low, high) = within.subtree_range();
    sea_orm::sea_query::Query::select()
        .column(Column::Id)
        .from(entity::Entity)
        .and_where(Column::Path.gte(low))
        .and_where(Column::Path.lt(high))
        .to_owned()
}
