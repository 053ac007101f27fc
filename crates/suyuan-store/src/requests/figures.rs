//! The request figures per unit and day: read for a period, and derived
//! again from the events alone (the check that what is kept is true).

use chrono::NaiveDate;
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

use suyuan_core::requests::{EventKind, RequestCounts, Tally};
use suyuan_core::units::UnitId;

use super::entities::{event, request, request_day};
use super::{corrupt, local_day};
use crate::{Store, StoreResult};

fn counts_of(row: &request_day::Model) -> RequestCounts {
    RequestCounts {
        received: row.received,
        acknowledged: row.acknowledged,
        acknowledged_on_time: row.acknowledged_on_time,
        answered: row.answered,
        resolved: row.resolved,
        resolved_on_time: row.resolved_on_time,
        rated: row.rated,
        stars: row.stars,
        satisfied: row.satisfied,
        reopened: row.reopened,
        escalated: row.escalated,
    }
}

impl Store {
    /// A unit's figures (its subtree included) over the days `from` to
    /// `to`, both included.
    pub async fn request_counts(
        &self,
        unit: UnitId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<RequestCounts> {
        Ok(self
            .request_counts_of(&[unit], from, to)
            .await?
            .remove(&unit)
            .unwrap_or_default())
    }

    /// Several units' figures over the same days, in one query.
    pub async fn request_counts_of(
        &self,
        units: &[UnitId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<HashMap<UnitId, RequestCounts>> {
        let mut totals: HashMap<UnitId, RequestCounts> = HashMap::new();
        for row in request_day::Entity::find()
            .filter(request_day::Column::UnitId.is_in(units.iter().map(|u| u.0)))
            .filter(request_day::Column::Day.gte(from))
            .filter(request_day::Column::Day.lte(to))
            .all(&self.db)
            .await?
        {
            *totals.entry(UnitId(row.unit_id)).or_default() += counts_of(&row);
        }
        Ok(totals)
    }

    /// What `request_days` holds, without its empty rows.
    pub async fn kept_request_days(
        &self,
    ) -> StoreResult<BTreeMap<(i64, NaiveDate), RequestCounts>> {
        Ok(request_day::Entity::find()
            .all(&self.db)
            .await?
            .iter()
            .map(|row| ((row.unit_id, row.day), counts_of(row)))
            .filter(|(_, c)| !c.is_empty())
            .collect())
    }

    /// The figures per unit and day replayed from every request's events,
    /// through the same `Tally` the steps count with: what `request_days`
    /// must hold.
    pub async fn recount_request_days(
        &self,
    ) -> StoreResult<BTreeMap<(i64, NaiveDate), RequestCounts>> {
        let zones: HashMap<i64, Tz> = request::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| {
                Ok((
                    r.id,
                    r.zone.parse().map_err(|_| corrupt("a request's zone"))?,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let events = event::Entity::find()
            .order_by_asc(event::Column::RequestId)
            .order_by_asc(event::Column::Id)
            .all(&self.db)
            .await?;
        let units = self
            .units_by_ids(events.iter().map(|e| UnitId(e.unit_id)))
            .await?;
        let mut days: BTreeMap<(i64, NaiveDate), RequestCounts> = BTreeMap::new();
        let mut current = None;
        let mut tally = Tally::default();
        for row in events {
            if current != Some(row.request_id) {
                current = Some(row.request_id);
                tally = Tally::default();
            }
            let kind = EventKind::parse(&row.kind).ok_or_else(|| corrupt("a request event"))?;
            let counts = tally.count(kind, row.at, row.due_at, row.value);
            if counts.is_empty() {
                continue;
            }
            let zone = zones[&row.request_id];
            let unit = units
                .get(&UnitId(row.unit_id))
                .ok_or_else(|| corrupt("an event's unit"))?;
            for id in unit.path.ids() {
                *days.entry((id.0, local_day(zone, row.at))).or_default() += counts;
            }
        }
        days.retain(|_, c| !c.is_empty());
        Ok(days)
    }
}
