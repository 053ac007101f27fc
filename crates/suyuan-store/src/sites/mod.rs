//! Teaching sites: the sites themselves (details, hours and their days
//! out of pattern, visiting rules, managers, photos), their slots' places
//! (`places`), bookings with the waiting list and check-in (`bookings`),
//! routes (`routes`) and the public figures (`figures`).
//!
//! A slot comes from the site's opening hours; it has a row only once it
//! is booked or changed by a manager. The row counts the places its
//! bookings hold (`taken`), as a row per site and day does for the day:
//! a booking raises both with one conditional `UPDATE` each inside its
//! transaction, so no interleaving of bookings can pass a capacity.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

use suyuan_core::members::MemberId;
use suyuan_core::sites::{
    Coordinates, OpeningHours, SiteDetails, SiteId, SiteKind, SlotTimes, VisitRules,
};
use suyuan_core::units::UnitId;

use crate::units::Unit;
use crate::{Store, StoreError, StoreResult};

mod bookings;
mod entities;
mod figures;
mod places;
mod routes;

pub use bookings::*;
pub use figures::*;
pub use places::*;
pub use routes::*;

use entities::*;

/// A teaching site with everything its pages and bookings need.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: SiteId,
    /// The managing unit.
    pub unit: Unit,
    pub details: SiteDetails,
    pub hours: OpeningHours,
    pub rules: VisitRules,
    pub archived: bool,
}

/// What a site is made or changed with.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteForm {
    pub unit: UnitId,
    pub details: SiteDetails,
    pub hours: OpeningHours,
    pub rules: VisitRules,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn week_json(hours: &OpeningHours) -> String {
    let days: Vec<String> = hours
        .week()
        .iter()
        .map(|w| SlotTimes::list_text(w))
        .collect();
    serde_json::Value::from(days).to_string()
}

fn to_u32(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// A site's hours from its row and its days out of pattern.
fn hours_of(row: &site::Model, days: &[site_day::Model]) -> StoreResult<OpeningHours> {
    let zone: Tz = row.zone.parse().map_err(|_| corrupt("a site's zone"))?;
    let texts: Vec<String> =
        serde_json::from_str(&row.hours).map_err(|_| corrupt("a site's hours"))?;
    let mut week: [Vec<SlotTimes>; 7] = Default::default();
    for (day, text) in week.iter_mut().zip(&texts) {
        *day = SlotTimes::parse_list(text).map_err(|_| corrupt("a site's hours"))?;
    }
    let mut hours = OpeningHours::new(zone, to_u32(row.slot_minutes), week)
        .map_err(|_| corrupt("a site's hours"))?;
    for day in days {
        let windows = SlotTimes::parse_list(&day.windows).map_err(|_| corrupt("a site's day"))?;
        if windows.is_empty() {
            hours.close(day.day, day.day);
        } else {
            hours
                .open_specially(day.day, windows)
                .map_err(|_| corrupt("a site's day"))?;
        }
    }
    Ok(hours)
}

fn site_of(row: site::Model, unit: Unit, days: &[site_day::Model]) -> StoreResult<Site> {
    let coordinates = match (row.latitude, row.longitude) {
        (Some(latitude), Some(longitude)) => Some(Coordinates {
            latitude,
            longitude,
        }),
        _ => None,
    };
    Ok(Site {
        id: SiteId(row.id),
        hours: hours_of(&row, days)?,
        rules: VisitRules {
            slot_capacity: to_u32(row.slot_capacity),
            day_capacity: to_u32(row.day_capacity),
            min_group: to_u32(row.min_group),
            max_group: to_u32(row.max_group),
            days_ahead: to_u32(row.days_ahead),
            cancel_hours: to_u32(row.cancel_hours),
            offer_hours: to_u32(row.offer_hours),
        },
        details: SiteDetails {
            name: row.name,
            kind: SiteKind::parse(&row.kind).ok_or_else(|| corrupt("a site's kind"))?,
            address: row.address,
            coordinates,
            description: row.description,
        },
        unit,
        archived: row.archived,
    })
}

fn site_row(form: &SiteForm) -> site::ActiveModel {
    let SiteForm {
        unit,
        details,
        hours,
        rules,
    } = form;
    site::ActiveModel {
        unit_id: Set(unit.0),
        name: Set(details.name.clone()),
        kind: Set(details.kind.code().to_owned()),
        address: Set(details.address.clone()),
        latitude: Set(details.coordinates.map(|c| c.latitude)),
        longitude: Set(details.coordinates.map(|c| c.longitude)),
        description: Set(details.description.clone()),
        zone: Set(hours.zone.name().to_owned()),
        slot_minutes: Set(to_i32(hours.slot_minutes)),
        hours: Set(week_json(hours)),
        slot_capacity: Set(to_i32(rules.slot_capacity)),
        day_capacity: Set(to_i32(rules.day_capacity)),
        min_group: Set(to_i32(rules.min_group)),
        max_group: Set(to_i32(rules.max_group)),
        days_ahead: Set(to_i32(rules.days_ahead)),
        cancel_hours: Set(to_i32(rules.cancel_hours)),
        offer_hours: Set(to_i32(rules.offer_hours)),
        ..Default::default()
    }
}

/// The days out of pattern of a site's hours, as rows.
fn day_rows(site: SiteId, hours: &OpeningHours) -> Vec<site_day::ActiveModel> {
    let closed = hours.closed_days().map(|day| (day, String::new()));
    let special = hours
        .special_days()
        .map(|(day, windows)| (day, SlotTimes::list_text(windows)));
    closed
        .chain(special)
        .map(|(day, windows)| site_day::ActiveModel {
            site_id: Set(site.0),
            day: Set(day),
            windows: Set(windows),
        })
        .collect()
}

async fn replace_days(
    txn: &impl ConnectionTrait,
    site: SiteId,
    hours: &OpeningHours,
) -> StoreResult<()> {
    site_day::Entity::delete_many()
        .filter(site_day::Column::SiteId.eq(site.0))
        .exec(txn)
        .await?;
    let rows = day_rows(site, hours);
    if !rows.is_empty() {
        site_day::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

impl Store {
    pub async fn create_site(&self, form: &SiteForm, now: DateTime<Utc>) -> StoreResult<Site> {
        let txn = self.db.begin().await?;
        let mut row = site_row(form);
        row.archived = Set(false);
        row.created_at = Set(now);
        row.updated_at = Set(now);
        let row = row.insert(&txn).await?;
        replace_days(&txn, SiteId(row.id), &form.hours).await?;
        txn.commit().await?;
        self.site(SiteId(row.id)).await
    }

    /// Changes a site's details, hours and rules. Slots already booked
    /// keep their places; a smaller capacity holds for slots not yet
    /// booked (a booked slot is resized on its own, never below its
    /// bookings).
    pub async fn update_site(
        &self,
        site: SiteId,
        form: &SiteForm,
        now: DateTime<Utc>,
    ) -> StoreResult<Site> {
        let txn = self.db.begin().await?;
        let mut row = site_row(form);
        row.id = Set(site.0);
        row.updated_at = Set(now);
        row.update(&txn).await.map_err(|err| match err {
            sea_orm::DbErr::RecordNotUpdated => StoreError::NotFound,
            err => err.into(),
        })?;
        replace_days(&txn, site, &form.hours).await?;
        txn.commit().await?;
        self.site(site).await
    }

    pub async fn archive_site(
        &self,
        site: SiteId,
        archived: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let done = site::Entity::update_many()
            .col_expr(site::Column::Archived, Expr::value(archived))
            .col_expr(site::Column::UpdatedAt, Expr::value(now))
            .filter(site::Column::Id.eq(site.0))
            .exec(&self.db)
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn site(&self, id: SiteId) -> StoreResult<Site> {
        let row = site::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let days = site_day::Entity::find()
            .filter(site_day::Column::SiteId.eq(id.0))
            .all(&self.db)
            .await?;
        let unit = self.unit(UnitId(row.unit_id)).await?;
        site_of(row, unit, &days)
    }

    /// Every site, archived ones too when asked, by name.
    pub async fn sites(&self, include_archived: bool) -> StoreResult<Vec<Site>> {
        let mut query = site::Entity::find().order_by_asc(site::Column::Name);
        if !include_archived {
            query = query.filter(site::Column::Archived.eq(false));
        }
        let rows = query.all(&self.db).await?;
        self.sites_of(rows).await
    }

    async fn sites_of(&self, rows: Vec<site::Model>) -> StoreResult<Vec<Site>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut days: HashMap<i64, Vec<site_day::Model>> = HashMap::new();
        for day in site_day::Entity::find()
            .filter(site_day::Column::SiteId.is_in(ids))
            .all(&self.db)
            .await?
        {
            days.entry(day.site_id).or_default().push(day);
        }
        let mut units: HashMap<i64, Unit> = HashMap::new();
        let mut sites = Vec::with_capacity(rows.len());
        for row in rows {
            let unit = match units.get(&row.unit_id) {
                Some(unit) => unit.clone(),
                None => {
                    let unit = self.unit(UnitId(row.unit_id)).await?;
                    units.insert(row.unit_id, unit.clone());
                    unit
                }
            };
            let own = days.remove(&row.id).unwrap_or_default();
            sites.push(site_of(row, unit, &own)?);
        }
        Ok(sites)
    }

    /// Names a member as a manager of a site.
    pub async fn add_site_manager(&self, site: SiteId, member: MemberId) -> StoreResult<()> {
        site_manager::Entity::insert(site_manager::ActiveModel {
            site_id: Set(site.0),
            member_id: Set(member.0),
        })
        .on_conflict(
            OnConflict::columns([site_manager::Column::SiteId, site_manager::Column::MemberId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    pub async fn remove_site_manager(&self, site: SiteId, member: MemberId) -> StoreResult<()> {
        site_manager::Entity::delete_many()
            .filter(site_manager::Column::SiteId.eq(site.0))
            .filter(site_manager::Column::MemberId.eq(member.0))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The members who manage a site.
    pub async fn site_managers(&self, site: SiteId) -> StoreResult<Vec<MemberId>> {
        Ok(site_manager::Entity::find()
            .filter(site_manager::Column::SiteId.eq(site.0))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| MemberId(row.member_id))
            .collect())
    }

    /// The sites a member manages, by name.
    pub async fn managed_sites(&self, member: MemberId) -> StoreResult<Vec<Site>> {
        let ids: Vec<i64> = site_manager::Entity::find()
            .filter(site_manager::Column::MemberId.eq(member.0))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| row.site_id)
            .collect();
        let rows = site::Entity::find()
            .filter(site::Column::Id.is_in(ids))
            .order_by_asc(site::Column::Name)
            .all(&self.db)
            .await?;
        self.sites_of(rows).await
    }

    /// Keeps a photo (already re-encoded as a JPEG) of a site.
    pub async fn add_site_photo(
        &self,
        site: SiteId,
        photo: &suyuan_core::gatherings::photo::Photo,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let row = site_photo::ActiveModel {
            site_id: Set(site.0),
            width: Set(i32::try_from(photo.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(photo.height).unwrap_or(i32::MAX)),
            data: Set(photo.jpeg.clone()),
            uploaded_by: Set(by.0),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(row.id)
    }

    /// A site's photos' ids, oldest first.
    pub async fn site_photos(&self, site: SiteId) -> StoreResult<Vec<i64>> {
        Ok(site_photo::Entity::find()
            .select_only()
            .column(site_photo::Column::Id)
            .filter(site_photo::Column::SiteId.eq(site.0))
            .order_by_asc(site_photo::Column::Id)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// A site photo's JPEG bytes.
    pub async fn site_photo(&self, site: SiteId, photo: i64) -> StoreResult<Vec<u8>> {
        site_photo::Entity::find_by_id(photo)
            .filter(site_photo::Column::SiteId.eq(site.0))
            .one(&self.db)
            .await?
            .map(|row| row.data)
            .ok_or(StoreError::NotFound)
    }

    pub async fn remove_site_photo(&self, site: SiteId, photo: i64) -> StoreResult<()> {
        site_photo::Entity::delete_many()
            .filter(site_photo::Column::Id.eq(photo))
            .filter(site_photo::Column::SiteId.eq(site.0))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// The local date of an instant in a site's zone.
pub fn local_day(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}
