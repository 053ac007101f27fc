//! Study material: collections, chapters, excerpts, and the change log
//! that search indexes catch up from.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{HashMap, HashSet};

use suyuan_core::library::{
    ChapterId, CollectionId, ExcerptId, Heading, ParsedCollection, Visibility, display_title,
};
use suyuan_core::units::{UnitId, UnitPath};

use crate::error::OnConflict;
use crate::{Store, StoreError, StoreResult, units};

pub(crate) mod collection {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "collections")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub subtitle: String,
        pub edition: String,
        pub display_title: String,
        pub source: String,
        pub owner_unit_id: i64,
        pub visibility: String,
        pub kind: String,
        pub category: String,
        pub chapter_count: i32,
        pub excerpt_count: i32,
        pub char_count: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "crate::units::entity::Entity",
            from = "Column::OwnerUnitId",
            to = "crate::units::entity::Column::Id"
        )]
        Owner,
    }

    impl Related<crate::units::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Owner.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod chapter {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "chapters")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub collection_id: i64,
        pub parent_id: Option<i64>,
        pub position: i32,
        pub level: i32,
        pub heading: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod excerpt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "excerpts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub collection_id: i64,
        pub chapter_id: Option<i64>,
        pub position: i32,
        pub label: String,
        pub heading_path: String,
        pub text: String,
        pub source_excerpt_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod draft {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "compilation_drafts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_unit_id: i64,
        pub title: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "crate::units::entity::Entity",
            from = "Column::OwnerUnitId",
            to = "crate::units::entity::Column::Id"
        )]
        Owner,
    }

    impl Related<crate::units::entity::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Owner.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "compilation_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub draft_id: i64,
        pub position: i32,
        pub heading: String,
        pub excerpt_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod change {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "library_changes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub collection_id: i64,
        pub changed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Heading paths are stored joined by this.
pub const HEADING_SEPARATOR: &str = " / ";

/// Whether a collection was imported as material or compiled by a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    Material,
    Compilation,
}

impl CollectionKind {
    fn as_str(self) -> &'static str {
        match self {
            CollectionKind::Material => "material",
            CollectionKind::Compilation => "compilation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: CollectionId,
    pub title: String,
    pub subtitle: String,
    pub edition: Option<NaiveDate>,
    /// The name members see; unique.
    pub display_title: String,
    pub source: String,
    pub owner: UnitId,
    pub owner_path: UnitPath,
    pub visibility: Visibility,
    pub compilation: bool,
    /// What it is filed under (宪法, 民法商法, …); empty when nothing.
    pub category: String,
    pub chapter_count: i32,
    pub excerpt_count: i32,
    pub char_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub id: ChapterId,
    pub parent: Option<ChapterId>,
    pub level: i32,
    pub heading: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub id: ExcerptId,
    pub collection: CollectionId,
    pub chapter: Option<ChapterId>,
    pub position: i32,
    pub label: String,
    /// The headings above it, outermost first.
    pub heading_path: Vec<String>,
    pub text: String,
    /// In a compilation: the excerpt it was taken from.
    pub source: Option<ExcerptId>,
}

impl From<excerpt::Model> for Excerpt {
    fn from(row: excerpt::Model) -> Self {
        Excerpt {
            id: ExcerptId(row.id),
            collection: CollectionId(row.collection_id),
            chapter: row.chapter_id.map(ChapterId),
            position: row.position,
            label: row.label,
            heading_path: if row.heading_path.is_empty() {
                Vec::new()
            } else {
                row.heading_path
                    .split(HEADING_SEPARATOR)
                    .map(str::to_owned)
                    .collect()
            },
            text: row.text,
            source: row.source_excerpt_id.map(ExcerptId),
        }
    }
}

fn collection_from(
    row: collection::Model,
    owner: Option<units::entity::Model>,
) -> StoreResult<Collection> {
    let owner =
        owner.ok_or_else(|| StoreError::Corrupt(format!("collection {} has no owner", row.id)))?;
    let owner_path = UnitPath::parse(&owner.path).ok_or_else(|| {
        StoreError::Corrupt(format!("unit {} has path {:?}", owner.id, owner.path))
    })?;
    let visibility = Visibility::parse(&row.visibility).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "collection {} has visibility {:?}",
            row.id, row.visibility
        ))
    })?;
    Ok(Collection {
        id: CollectionId(row.id),
        edition: NaiveDate::parse_from_str(&row.edition, "%Y-%m-%d").ok(),
        title: row.title,
        subtitle: row.subtitle,
        display_title: row.display_title,
        source: row.source,
        owner: UnitId(owner.id),
        owner_path,
        visibility,
        compilation: row.kind == CollectionKind::Compilation.as_str(),
        category: row.category,
        chapter_count: row.chapter_count,
        excerpt_count: row.excerpt_count,
        char_count: row.char_count,
    })
}

/// A parsed file to store, and who it belongs to.
pub struct NewCollection<'a> {
    /// What it is filed under: the folder it came from, or as chosen.
    pub category: &'a str,
    pub parsed: &'a ParsedCollection,
    pub owner: UnitId,
    pub visibility: Visibility,
}

/// What an import did with one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Created {
        id: CollectionId,
        display_title: String,
        excerpts: usize,
    },
    /// A collection of that name (title, book and edition) is there
    /// already; it is kept as it is, so that its excerpts keep their ids.
    AlreadyThere {
        id: CollectionId,
        display_title: String,
    },
}

/// Rows per multi-row INSERT.
const CHUNK: usize = 500;

/// Whether an importer owning material as `owner` may be told that this
/// collection is what they are importing: it is public, or their own.
fn is_shared_with(existing: &collection::Model, owner: UnitId) -> bool {
    existing.owner_unit_id == owner.0 || existing.visibility == Visibility::Public.as_str()
}

/// Where an item of a compilation moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Store {
    /// Stores parsed collections in one transaction: all or nothing.
    /// A collection whose name is taken is left as it is.
    pub async fn import_collections(
        &self,
        items: &[NewCollection<'_>],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Imported>> {
        let txn = self.db.begin().await?;
        let mut outcome = Vec::with_capacity(items.len());
        for item in items {
            let parsed = item.parsed;
            let mut name = display_title(&parsed.title, &parsed.subtitle, parsed.edition);
            let taken = |name: String| {
                collection::Entity::find()
                    .filter(collection::Column::DisplayTitle.eq(name))
                    .one(&txn)
            };
            // A name held by another unit's own material is not the
            // importer's to see: theirs takes the owner's name as well, so
            // that names stay unique and nothing is revealed.
            let mut existing = taken(name.clone()).await?;
            if existing
                .as_ref()
                .is_some_and(|e| !is_shared_with(e, item.owner))
            {
                let owner = units::entity::Entity::find_by_id(item.owner.0)
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                name = format!("{name}（{}）", owner.name);
                existing = taken(name.clone()).await?;
            }
            if let Some(existing) = existing {
                outcome.push(Imported::AlreadyThere {
                    id: CollectionId(existing.id),
                    display_title: name,
                });
                continue;
            }
            let id =
                insert_collection(&txn, item, CollectionKind::Material, &[], &name, now).await?;
            outcome.push(Imported::Created {
                id,
                display_title: name,
                excerpts: parsed.excerpts.len(),
            });
        }
        txn.commit().await?;
        Ok(outcome)
    }

    pub async fn collection(&self, id: CollectionId) -> StoreResult<Collection> {
        let (row, owner) = collection::Entity::find_by_id(id.0)
            .find_also_related(units::entity::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        collection_from(row, owner)
    }

    /// Every collection, by name; callers keep those their reader may
    /// read (`suyuan_core::library::may_read`).
    pub async fn collections(&self) -> StoreResult<Vec<Collection>> {
        collection::Entity::find()
            .find_also_related(units::entity::Entity)
            .order_by_asc(collection::Column::DisplayTitle)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, owner)| collection_from(row, owner))
            .collect()
    }

    pub async fn chapters(&self, collection: CollectionId) -> StoreResult<Vec<Chapter>> {
        Ok(chapter::Entity::find()
            .filter(chapter::Column::CollectionId.eq(collection.0))
            .order_by_asc(chapter::Column::Position)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| Chapter {
                id: ChapterId(row.id),
                parent: row.parent_id.map(ChapterId),
                level: row.level,
                heading: row.heading,
            })
            .collect())
    }

    /// A collection's excerpts in reading order; only those in `chapters`
    /// when given.
    pub async fn excerpts(
        &self,
        collection: CollectionId,
        chapters: Option<&[ChapterId]>,
    ) -> StoreResult<Vec<Excerpt>> {
        let mut query =
            excerpt::Entity::find().filter(excerpt::Column::CollectionId.eq(collection.0));
        if let Some(chapters) = chapters {
            query = query.filter(excerpt::Column::ChapterId.is_in(chapters.iter().map(|c| c.0)));
        }
        Ok(query
            .order_by_asc(excerpt::Column::Position)
            .all(&self.db)
            .await?
            .into_iter()
            .map(Excerpt::from)
            .collect())
    }

    pub async fn excerpt(&self, id: ExcerptId) -> StoreResult<Excerpt> {
        excerpt::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .map(Excerpt::from)
            .ok_or(StoreError::NotFound)
    }

    /// The excerpts before and after one, in reading order.
    pub async fn neighbours(
        &self,
        of: &Excerpt,
    ) -> StoreResult<(Option<Excerpt>, Option<Excerpt>)> {
        let at = |position: i32| {
            excerpt::Entity::find()
                .filter(excerpt::Column::CollectionId.eq(of.collection.0))
                .filter(excerpt::Column::Position.eq(position))
                .one(&self.db)
        };
        let before = at(of.position - 1).await?.map(Excerpt::from);
        let after = at(of.position + 1).await?.map(Excerpt::from);
        Ok((before, after))
    }

    /// The plain way to search, for the bench to compare the index with:
    /// excerpts whose text contains every word (`LIKE '%word%'`), a full
    /// scan. Returns the count and the first `limit` ids.
    #[cfg(feature = "bench")]
    pub async fn like_scan(
        &self,
        words: &[&str],
        limit: u64,
    ) -> StoreResult<(u64, Vec<ExcerptId>)> {
        use sea_orm::{Condition, PaginatorTrait};
        let mut condition = Condition::all();
        for word in words {
            condition = condition.add(excerpt::Column::Text.contains(*word));
        }
        let total = excerpt::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let ids: Vec<i64> = excerpt::Entity::find()
            .select_only()
            .column(excerpt::Column::Id)
            .filter(condition)
            .order_by_asc(excerpt::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok((total, ids.into_iter().map(ExcerptId).collect()))
    }

    /// The latest change to the library: search indexes that have seen it
    /// are up to date.
    pub async fn library_version(&self) -> StoreResult<i64> {
        let latest: Option<i64> = change::Entity::find()
            .select_only()
            .column_as(change::Column::Seq.max(), "latest")
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten();
        Ok(latest.unwrap_or(0))
    }

    /// The collections changed after `version`, with the latest version.
    pub async fn library_changes_since(
        &self,
        version: i64,
    ) -> StoreResult<(Vec<CollectionId>, i64)> {
        let rows = change::Entity::find()
            .filter(change::Column::Seq.gt(version))
            .order_by_asc(change::Column::Seq)
            .all(&self.db)
            .await?;
        let latest = rows.last().map_or(version, |r| r.seq);
        let mut ids: Vec<CollectionId> = rows
            .into_iter()
            .map(|r| CollectionId(r.collection_id))
            .collect();
        ids.sort();
        ids.dedup();
        Ok((ids, latest))
    }
}

/// Records a change for every collection owned within a subtree (after
/// the subtree moved: who may read them changed).
pub(crate) async fn record_changes_within(
    db: &impl ConnectionTrait,
    within: &UnitPath,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (low, high) = within.subtree_range();
    let owned: Vec<i64> = collection::Entity::find()
        .select_only()
        .column(collection::Column::Id)
        .inner_join(units::entity::Entity)
        .filter(units::entity::Column::Path.gte(low))
        .filter(units::entity::Column::Path.lt(high))
        .into_tuple()
        .all(db)
        .await?;
    if owned.is_empty() {
        return Ok(());
    }
    change::Entity::insert_many(owned.into_iter().map(|id| change::ActiveModel {
        collection_id: Set(id),
        changed_at: Set(now),
        ..Default::default()
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// A compilation being assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: i64,
    pub owner: UnitId,
    pub owner_path: UnitPath,
    pub title: String,
}

/// One entry of a draft: a heading of the compiler's own, or an excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftEntry {
    Heading(String),
    Excerpt {
        excerpt: Excerpt,
        collection_title: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftItem {
    pub id: i64,
    pub entry: DraftEntry,
}

fn draft_from(row: draft::Model, owner: Option<units::entity::Model>) -> StoreResult<Draft> {
    let owner =
        owner.ok_or_else(|| StoreError::Corrupt(format!("draft {} has no owner", row.id)))?;
    let owner_path = UnitPath::parse(&owner.path).ok_or_else(|| {
        StoreError::Corrupt(format!("unit {} has path {:?}", owner.id, owner.path))
    })?;
    Ok(Draft {
        id: row.id,
        owner: UnitId(owner.id),
        owner_path,
        title: row.title,
    })
}

impl Store {
    pub async fn create_draft(
        &self,
        owner: UnitId,
        title: &Heading,
        now: DateTime<Utc>,
    ) -> StoreResult<Draft> {
        let row = draft::ActiveModel {
            owner_unit_id: Set(owner.0),
            title: Set(title.as_str().to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        self.draft(row.id).await
    }

    pub async fn draft(&self, id: i64) -> StoreResult<Draft> {
        let (row, owner) = draft::Entity::find_by_id(id)
            .find_also_related(units::entity::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        draft_from(row, owner)
    }

    /// The drafts of units within a subtree, newest first.
    pub async fn drafts_within(&self, within: &UnitPath) -> StoreResult<Vec<Draft>> {
        let (low, high) = within.subtree_range();
        draft::Entity::find()
            .find_also_related(units::entity::Entity)
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high))
            .order_by_desc(draft::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(row, owner)| draft_from(row, owner))
            .collect()
    }

    pub async fn draft_items(&self, draft: i64) -> StoreResult<Vec<DraftItem>> {
        let rows = item::Entity::find()
            .filter(item::Column::DraftId.eq(draft))
            .order_by_asc(item::Column::Position)
            .all(&self.db)
            .await?;
        let excerpt_ids: Vec<i64> = rows.iter().filter_map(|r| r.excerpt_id).collect();
        let excerpts: HashMap<i64, Excerpt> = excerpt::Entity::find()
            .filter(excerpt::Column::Id.is_in(excerpt_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.id, Excerpt::from(row)))
            .collect();
        let titles: HashMap<CollectionId, String> = self
            .collections()
            .await?
            .into_iter()
            .map(|c| (c.id, c.display_title))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let entry = match row.excerpt_id {
                    None => DraftEntry::Heading(row.heading),
                    Some(id) => {
                        let excerpt = excerpts.get(&id)?.clone();
                        let collection_title =
                            titles.get(&excerpt.collection).cloned().unwrap_or_default();
                        DraftEntry::Excerpt {
                            excerpt,
                            collection_title,
                        }
                    }
                };
                Some(DraftItem { id: row.id, entry })
            })
            .collect())
    }

    /// Appends a heading, or an excerpt, at the end of a draft.
    pub async fn add_to_draft(
        &self,
        draft: i64,
        heading: Option<&Heading>,
        excerpt: Option<ExcerptId>,
    ) -> StoreResult<()> {
        let last: Option<i32> = item::Entity::find()
            .select_only()
            .column_as(item::Column::Position.max(), "last")
            .filter(item::Column::DraftId.eq(draft))
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten();
        item::ActiveModel {
            draft_id: Set(draft),
            position: Set(last.map_or(0, |p| p + 1)),
            heading: Set(heading.map(|h| h.as_str().to_owned()).unwrap_or_default()),
            excerpt_id: Set(excerpt.map(|e| e.0)),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Moves an item one place up or down, swapping it with its neighbour.
    pub async fn move_draft_item(
        &self,
        draft: i64,
        item_id: i64,
        direction: Direction,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        let rows = item::Entity::find()
            .filter(item::Column::DraftId.eq(draft))
            .order_by_asc(item::Column::Position)
            .all(&txn)
            .await?;
        let at = rows
            .iter()
            .position(|r| r.id == item_id)
            .ok_or(StoreError::NotFound)?;
        let other = match direction {
            Direction::Up => at.checked_sub(1),
            Direction::Down => Some(at + 1).filter(|i| *i < rows.len()),
        };
        if let Some(other) = other {
            for (row, position) in [
                (&rows[at], rows[other].position),
                (&rows[other], rows[at].position),
            ] {
                item::Entity::update_many()
                    .col_expr(
                        item::Column::Position,
                        sea_orm::sea_query::Expr::value(position),
                    )
                    .filter(item::Column::Id.eq(row.id))
                    .exec(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn remove_draft_item(&self, draft: i64, item_id: i64) -> StoreResult<()> {
        item::Entity::delete_many()
            .filter(item::Column::DraftId.eq(draft))
            .filter(item::Column::Id.eq(item_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Publishes a draft as a new collection of its unit: its headings
    /// become chapters, its excerpts copies that remember their source.
    /// The draft is gone afterwards.
    pub async fn publish_draft(
        &self,
        draft: i64,
        visibility: Visibility,
        now: DateTime<Utc>,
    ) -> StoreResult<CollectionId> {
        let found = self.draft(draft).await?;
        let items = self.draft_items(draft).await?;
        let mut parsed = ParsedCollection {
            title: found.title.clone(),
            subtitle: String::new(),
            edition: None,
            source: String::new(),
            chapters: Vec::new(),
            excerpts: Vec::new(),
        };
        let mut sources = Vec::new();
        for item in items {
            match item.entry {
                DraftEntry::Heading(heading) => {
                    parsed.chapters.push(suyuan_core::library::ParsedChapter {
                        level: 1,
                        heading,
                        parent: None,
                    })
                }
                DraftEntry::Excerpt { excerpt, .. } => {
                    parsed.excerpts.push(suyuan_core::library::ParsedExcerpt {
                        chapter: parsed.chapters.len().checked_sub(1),
                        label: excerpt.label,
                        text: excerpt.text,
                        line: 0,
                    });
                    sources.push(Some(excerpt.id));
                }
            }
        }
        if parsed.excerpts.is_empty() {
            return Err(StoreError::Invalid(
                "add at least one excerpt before publishing".into(),
            ));
        }
        // A compilation is no more public than what it draws on.
        if visibility == Visibility::Public {
            let public: HashSet<CollectionId> = self
                .collections()
                .await?
                .into_iter()
                .filter(|c| c.visibility == Visibility::Public)
                .map(|c| c.id)
                .collect();
            for id in sources.iter().flatten() {
                if !public.contains(&self.excerpt(*id).await?.collection) {
                    return Err(StoreError::Invalid(
                        "this compilation draws on material that is not public: publish it for your unit's subtree".into(),
                    ));
                }
            }
        }
        let name = display_title(&parsed.title, "", None);
        let txn = self.db.begin().await?;
        let item = NewCollection {
            category: "",
            parsed: &parsed,
            owner: found.owner,
            visibility,
        };
        let id = insert_collection(
            &txn,
            &item,
            CollectionKind::Compilation,
            &sources,
            &name,
            now,
        )
        .await?;
        draft::Entity::delete_by_id(draft).exec(&txn).await?;
        txn.commit().await?;
        Ok(id)
    }
}

async fn insert_collection(
    db: &impl ConnectionTrait,
    item: &NewCollection<'_>,
    kind: CollectionKind,
    sources: &[Option<ExcerptId>],
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<CollectionId> {
    let parsed = item.parsed;
    let row = collection::ActiveModel {
        title: Set(parsed.title.clone()),
        subtitle: Set(parsed.subtitle.clone()),
        edition: Set(parsed
            .edition
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()),
        display_title: Set(name.to_owned()),
        source: Set(parsed.source.clone()),
        owner_unit_id: Set(item.owner.0),
        visibility: Set(item.visibility.as_str().to_owned()),
        kind: Set(kind.as_str().to_owned()),
        category: Set(item.category.to_owned()),
        chapter_count: Set(parsed.chapter_count() as i32),
        excerpt_count: Set(parsed.excerpts.len() as i32),
        char_count: Set(parsed.char_count() as i64),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_conflict(|| format!("a collection named {name} is there already"))?;
    let id = row.id;

    // Chapters one by one (a statute has tens), parents before children,
    // so that each knows its parent's id.
    let mut chapter_ids: Vec<i64> = Vec::with_capacity(parsed.chapters.len());
    for (position, chapter) in parsed.chapters.iter().enumerate() {
        let inserted = chapter::ActiveModel {
            collection_id: Set(id),
            parent_id: Set(chapter.parent.and_then(|p| chapter_ids.get(p).copied())),
            position: Set(position as i32),
            level: Set(chapter.level as i32),
            heading: Set(chapter.heading.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        chapter_ids.push(inserted.id);
    }
    let mut paths: HashMap<Option<usize>, String> = HashMap::new();
    for (chunk_index, chunk) in parsed.excerpts.chunks(CHUNK).enumerate() {
        let rows = chunk.iter().enumerate().map(|(i, excerpt)| {
            let path = paths
                .entry(excerpt.chapter)
                .or_insert_with(|| parsed.heading_path(excerpt.chapter).join(HEADING_SEPARATOR))
                .clone();
            excerpt::ActiveModel {
                collection_id: Set(id),
                chapter_id: Set(excerpt.chapter.and_then(|c| chapter_ids.get(c).copied())),
                position: Set((chunk_index * CHUNK + i) as i32),
                label: Set(excerpt.label.clone()),
                heading_path: Set(path),
                text: Set(excerpt.text.clone()),
                source_excerpt_id: Set(sources
                    .get(chunk_index * CHUNK + i)
                    .copied()
                    .flatten()
                    .map(|e| e.0)),
                ..Default::default()
            }
        });
        excerpt::Entity::insert_many(rows.collect::<Vec<_>>())
            .exec(db)
            .await?;
    }
    change::Entity::insert(change::ActiveModel {
        collection_id: Set(id),
        changed_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(CollectionId(id))
}
