//! The places of a site's slots: what is free, and a manager closing or
//! resizing a slot (never below what is booked).

use super::*;
use suyuan_core::sites::{Load, VisitSlot};

/// A slot of a site's hours with its places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotPlaces {
    pub slot: VisitSlot,
    pub load: Load,
}

/// Makes sure a slot and its day have their rows (what a booking raises).
pub(super) async fn ensure_rows(
    txn: &impl ConnectionTrait,
    site: &Site,
    slot: &VisitSlot,
) -> StoreResult<()> {
    slot::Entity::insert(slot::ActiveModel {
        site_id: Set(site.id.0),
        starts_at: Set(slot.starts_at),
        ends_at: Set(slot.ends_at),
        day: Set(slot.date),
        capacity: Set(to_i32(site.rules.slot_capacity)),
        taken: Set(0),
        closed: Set(false),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([slot::Column::SiteId, slot::Column::StartsAt])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    day_load::Entity::insert(day_load::ActiveModel {
        site_id: Set(site.id.0),
        day: Set(slot.date),
        taken: Set(0),
    })
    .on_conflict(
        OnConflict::columns([day_load::Column::SiteId, day_load::Column::Day])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Takes `places` in a slot and its day if both still hold them: one
/// conditional update each, so that concurrent bookings queue on the rows
/// and none passes a capacity. Whether they were taken.
pub(super) async fn take(
    txn: &impl ConnectionTrait,
    site: &Site,
    slot: &VisitSlot,
    places: u32,
) -> StoreResult<bool> {
    let n = i64::from(places);
    let in_slot = slot::Entity::update_many()
        .col_expr(slot::Column::Taken, Expr::col(slot::Column::Taken).add(n))
        .filter(slot::Column::SiteId.eq(site.id.0))
        .filter(slot::Column::StartsAt.eq(slot.starts_at))
        .filter(slot::Column::Closed.eq(false))
        .filter(
            Expr::col(slot::Column::Taken)
                .add(n)
                .lte(Expr::col(slot::Column::Capacity)),
        )
        .exec(txn)
        .await?;
    if in_slot.rows_affected == 0 {
        return Ok(false);
    }
    let in_day = day_load::Entity::update_many()
        .col_expr(
            day_load::Column::Taken,
            Expr::col(day_load::Column::Taken).add(n),
        )
        .filter(day_load::Column::SiteId.eq(site.id.0))
        .filter(day_load::Column::Day.eq(slot.date))
        .filter(
            Expr::col(day_load::Column::Taken)
                .add(n)
                .lte(i64::from(site.rules.day_capacity)),
        )
        .exec(txn)
        .await?;
    if in_day.rows_affected == 0 {
        release(
            txn,
            site.id,
            slot.starts_at,
            slot.date,
            places,
            Release::SlotOnly,
        )
        .await?;
        return Ok(false);
    }
    Ok(true)
}

#[derive(PartialEq, Eq)]
pub(super) enum Release {
    SlotOnly,
    SlotAndDay,
}

/// Gives back places a booking held.
pub(super) async fn release(
    txn: &impl ConnectionTrait,
    site: SiteId,
    starts_at: DateTime<Utc>,
    day: NaiveDate,
    places: u32,
    what: Release,
) -> StoreResult<()> {
    let n = i64::from(places);
    slot::Entity::update_many()
        .col_expr(slot::Column::Taken, Expr::col(slot::Column::Taken).sub(n))
        .filter(slot::Column::SiteId.eq(site.0))
        .filter(slot::Column::StartsAt.eq(starts_at))
        .exec(txn)
        .await?;
    if what == Release::SlotAndDay {
        day_load::Entity::update_many()
            .col_expr(
                day_load::Column::Taken,
                Expr::col(day_load::Column::Taken).sub(n),
            )
            .filter(day_load::Column::SiteId.eq(site.0))
            .filter(day_load::Column::Day.eq(day))
            .exec(txn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The slots of a site's hours from `from` to `to` (both included),
    /// each with its places.
    pub async fn places(
        &self,
        site: &Site,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<SlotPlaces>> {
        let slots = site.hours.slots_between(from, to);
        let rows: HashMap<DateTime<Utc>, slot::Model> = slot::Entity::find()
            .filter(slot::Column::SiteId.eq(site.id.0))
            .filter(slot::Column::Day.gte(from))
            .filter(slot::Column::Day.lte(to))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.starts_at, row))
            .collect();
        let days: HashMap<NaiveDate, i32> = day_load::Entity::find()
            .filter(day_load::Column::SiteId.eq(site.id.0))
            .filter(day_load::Column::Day.gte(from))
            .filter(day_load::Column::Day.lte(to))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.day, row.taken))
            .collect();
        Ok(slots
            .into_iter()
            .map(|slot| {
                let row = rows.get(&slot.starts_at);
                SlotPlaces {
                    slot,
                    load: Load {
                        slot_capacity: row.map_or(site.rules.slot_capacity, |r| to_u32(r.capacity)),
                        slot_taken: row.map_or(0, |r| to_u32(r.taken)),
                        day_capacity: site.rules.day_capacity,
                        day_taken: days.get(&slot.date).copied().map_or(0, to_u32),
                        closed: row.is_some_and(|r| r.closed),
                    },
                }
            })
            .collect())
    }

    /// The places of the slot of a site's hours that starts at `at`.
    pub async fn slot_places(&self, site: &Site, at: DateTime<Utc>) -> StoreResult<SlotPlaces> {
        let slot = site.hours.slot_at(at).ok_or(StoreError::NotFound)?;
        self.places(site, slot.date, slot.date)
            .await?
            .into_iter()
            .find(|p| p.slot.starts_at == at)
            .ok_or(StoreError::NotFound)
    }

    /// A manager closes, reopens or resizes a slot; its capacity never
    /// falls below the places its bookings hold.
    pub async fn set_slot(
        &self,
        site: &Site,
        slot: &VisitSlot,
        capacity: u32,
        closed: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        ensure_rows(&txn, site, slot).await?;
        let changed = slot::Entity::update_many()
            .col_expr(slot::Column::Capacity, Expr::value(to_i32(capacity)))
            .col_expr(slot::Column::Closed, Expr::value(closed))
            .filter(slot::Column::SiteId.eq(site.id.0))
            .filter(slot::Column::StartsAt.eq(slot.starts_at))
            .filter(slot::Column::Taken.lte(to_i32(capacity)))
            .exec(&txn)
            .await?;
        if changed.rows_affected == 0 {
            let taken = slot::Entity::find()
                .filter(slot::Column::SiteId.eq(site.id.0))
                .filter(slot::Column::StartsAt.eq(slot.starts_at))
                .one(&txn)
                .await?
                .map_or(0, |row| row.taken);
            return Err(StoreError::Invalid(format!(
                "capacity: {taken} places are booked already; the slot cannot hold fewer"
            )));
        }
        // A slot made larger or reopened offers its room to those waiting.
        bookings::offer_freed(&txn, site, slot, now).await?;
        txn.commit().await?;
        Ok(())
    }
}
