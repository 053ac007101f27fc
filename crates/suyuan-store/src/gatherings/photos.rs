//! A gathering's photos, stored as the JPEGs we made.

use super::*;

pub(crate) mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "gathering_photos")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub gathering_id: i64,
        pub content_type: String,
        pub width: i32,
        pub height: i32,
        pub data: Vec<u8>,
        pub uploaded_by: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored photo, without its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: i64,
    pub width: u32,
    pub height: u32,
}

/// The most photos one gathering keeps.
pub const MAX_PHOTOS: u64 = 30;

impl Store {
    /// Keeps a photo (already re-encoded as a JPEG) of a gathering.
    pub async fn add_photo(
        &self,
        gathering: GatheringId,
        photo: &suyuan_core::gatherings::photo::Photo,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let txn = self.db.begin().await?;
        let count = photo::Entity::find()
            .filter(photo::Column::GatheringId.eq(gathering.0))
            .count(&txn)
            .await?;
        if count >= MAX_PHOTOS {
            return Err(StoreError::Invalid(format!(
                "photo: a gathering keeps at most {MAX_PHOTOS} photos"
            )));
        }
        let row = photo::ActiveModel {
            gathering_id: Set(gathering.0),
            content_type: Set("image/jpeg".into()),
            width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
            data: Set(photo.jpeg.clone()),
            uploaded_by: Set(by.0),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(row.id)
    }

    /// A gathering's photos, oldest first, without their bytes.
    pub async fn photos(&self, gathering: GatheringId) -> StoreResult<Vec<PhotoMeta>> {
        let rows: Vec<(i64, i32, i32)> = photo::Entity::find()
            .select_only()
            .column(photo::Column::Id)
            .column(photo::Column::Width)
            .column(photo::Column::Height)
            .filter(photo::Column::GatheringId.eq(gathering.0))
            .order_by_asc(photo::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, width, height)| PhotoMeta {
                id,
                width: u32::try_from(width).unwrap_or(0),
                height: u32::try_from(height).unwrap_or(0),
            })
            .collect())
    }

    /// A photo's gathering, its content type and its bytes.
    pub async fn photo(&self, id: i64) -> StoreResult<(GatheringId, String, Vec<u8>)> {
        let row = photo::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((GatheringId(row.gathering_id), row.content_type, row.data))
    }

    /// Removes a photo of a gathering.
    pub async fn delete_photo(&self, gathering: GatheringId, id: i64) -> StoreResult<()> {
        let deleted = photo::Entity::delete_many()
            .filter(photo::Column::Id.eq(id))
            .filter(photo::Column::GatheringId.eq(gathering.0))
            .exec(&self.db)
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
