//! Calendar feeds: the tokens that carry a member's or a unit's
//! gatherings to phones.

use super::*;

pub(crate) mod feed {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "calendar_feeds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token: String,
        pub member_id: Option<i64>,
        pub unit_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub site_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whose gatherings a calendar feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOwner {
    /// Every gathering a member is invited to.
    Member(MemberId),
    /// A unit's gatherings and those of its subtree.
    Unit(UnitId),
    /// A teaching site's bookings.
    Site(suyuan_core::sites::SiteId),
}

impl FeedOwner {
    fn filter(self) -> sea_orm::Condition {
        sea_orm::Condition::all().add(match self {
            FeedOwner::Member(member) => feed::Column::MemberId.eq(member.0),
            FeedOwner::Unit(unit) => feed::Column::UnitId.eq(unit.0),
            FeedOwner::Site(site) => feed::Column::SiteId.eq(site.0),
        })
    }
}

impl Store {
    /// The token of a calendar feed, made on first use.
    pub async fn feed_token(&self, owner: FeedOwner, now: DateTime<Utc>) -> StoreResult<String> {
        let query = feed::Entity::find().filter(owner.filter());
        if let Some(row) = query.clone().one(&self.db).await? {
            return Ok(row.token);
        }
        let (member_id, unit_id, site_id) = match owner {
            FeedOwner::Member(member) => (Some(member.0), None, None),
            FeedOwner::Unit(unit) => (None, Some(unit.0), None),
            FeedOwner::Site(site) => (None, None, Some(site.0)),
        };
        let token = crate::auth::random_token().expose().to_owned();
        let inserted = feed::Entity::insert(feed::ActiveModel {
            token: Set(token.clone()),
            member_id: Set(member_id),
            unit_id: Set(unit_id),
            site_id: Set(site_id),
            created_at: Set(now),
        })
        .exec(&self.db)
        .await;
        match inserted {
            Ok(_) => Ok(token),
            // Another request made it first: use theirs.
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                query
                    .one(&self.db)
                    .await?
                    .map(|row| row.token)
                    .ok_or(StoreError::NotFound)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Forgets a feed's token, so that its old link stops working; the
    /// next `feed_token` makes a new one.
    pub async fn reset_feed(&self, owner: FeedOwner) -> StoreResult<()> {
        feed::Entity::delete_many()
            .filter(owner.filter())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Whose feed a token opens, if any.
    pub async fn feed_owner(&self, token: &str) -> StoreResult<Option<FeedOwner>> {
        Ok(feed::Entity::find_by_id(token.to_owned())
            .one(&self.db)
            .await?
            .and_then(|row| match (row.member_id, row.unit_id, row.site_id) {
                (Some(member), _, _) => Some(FeedOwner::Member(MemberId(member))),
                (None, Some(unit), _) => Some(FeedOwner::Unit(UnitId(unit))),
                (None, None, Some(site)) => Some(FeedOwner::Site(suyuan_core::sites::SiteId(site))),
                (None, None, None) => None,
            }))
    }
}
