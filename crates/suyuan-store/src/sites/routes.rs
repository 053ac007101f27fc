//! Routes: ordered chains of sites, booked on one day all or nothing.

use super::bookings::{Asker, Booked, LegAsk};
use super::*;
use suyuan_core::sites::{NoShowRule, RouteId, Stop, plan_route};
use suyuan_core::text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteStop {
    pub site: SiteId,
    /// Travel from the stop before (0 for the first).
    pub travel_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub id: RouteId,
    pub unit: UnitId,
    pub name: String,
    pub description: String,
    pub stops: Vec<RouteStop>,
}

impl Store {
    /// A route through `stops`, in order; a site appears once.
    pub async fn create_route(
        &self,
        unit: UnitId,
        name: &str,
        description: &str,
        stops: &[RouteStop],
        now: DateTime<Utc>,
    ) -> StoreResult<Route> {
        let name = text::required("name", &text::tidy(name), 80)?;
        let description = text::bounded("description", description, 2000)?;
        if stops.len() < 2 {
            return Err(StoreError::Invalid(
                "stops: a route links two sites or more".into(),
            ));
        }
        for (i, stop) in stops.iter().enumerate() {
            if stops[..i].iter().any(|s| s.site == stop.site) {
                return Err(StoreError::Invalid(format!(
                    "stops: stop {} repeats a site already on the route",
                    i + 1
                )));
            }
            if stop.travel_minutes > 24 * 60 {
                return Err(StoreError::Invalid(format!(
                    "travel_minutes: stop {} is more than a day's travel away",
                    i + 1
                )));
            }
        }
        let txn = self.db.begin().await?;
        let row = route::ActiveModel {
            unit_id: Set(unit.0),
            name: Set(name),
            description: Set(description),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        route_stop::Entity::insert_many(stops.iter().enumerate().map(|(i, stop)| {
            route_stop::ActiveModel {
                route_id: Set(row.id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                site_id: Set(stop.site.0),
                travel_minutes: Set(to_i32(if i == 0 { 0 } else { stop.travel_minutes })),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        self.route(RouteId(row.id)).await
    }

    pub async fn route(&self, id: RouteId) -> StoreResult<Route> {
        let row = route::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(self.routes_of(vec![row]).await?.remove(0))
    }

    /// Every route, by name.
    pub async fn routes(&self) -> StoreResult<Vec<Route>> {
        let rows = route::Entity::find()
            .order_by_asc(route::Column::Name)
            .all(&self.db)
            .await?;
        self.routes_of(rows).await
    }

    async fn routes_of(&self, rows: Vec<route::Model>) -> StoreResult<Vec<Route>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut stops: HashMap<i64, Vec<RouteStop>> = HashMap::new();
        for stop in route_stop::Entity::find()
            .filter(route_stop::Column::RouteId.is_in(ids))
            .order_by_asc(route_stop::Column::RouteId)
            .order_by_asc(route_stop::Column::Position)
            .all(&self.db)
            .await?
        {
            stops.entry(stop.route_id).or_default().push(RouteStop {
                site: SiteId(stop.site_id),
                travel_minutes: to_u32(stop.travel_minutes),
            });
        }
        Ok(rows
            .into_iter()
            .map(|row| Route {
                id: RouteId(row.id),
                unit: UnitId(row.unit_id),
                stops: stops.remove(&row.id).unwrap_or_default(),
                name: row.name,
                description: row.description,
            })
            .collect())
    }

    /// The sites of a route, in its order.
    pub async fn route_sites(&self, route: &Route) -> StoreResult<Vec<Site>> {
        let mut sites = Vec::with_capacity(route.stops.len());
        for stop in &route.stops {
            sites.push(self.site(stop.site).await?);
        }
        Ok(sites)
    }

    /// Books a route for a group on one day, starting with the first
    /// site's slot at `start`: at each later site the first slot with room
    /// the group can reach. Every leg is booked, or none.
    pub async fn book_route(
        &self,
        route: &Route,
        start: DateTime<Utc>,
        asker: Asker<'_>,
        rule: &NoShowRule,
        now: DateTime<Utc>,
    ) -> StoreResult<Booked> {
        let sites = self.route_sites(route).await?;
        let first = sites
            .first()
            .ok_or_else(|| StoreError::Invalid("route: it has no sites".into()))?;
        let day = local_day(first.hours.zone, start);
        let mut stops = Vec::with_capacity(sites.len());
        for (site, stop) in sites.iter().zip(&route.stops) {
            let places = self.places(site, day, day).await?;
            stops.push(Stop {
                site: site.id,
                travel: chrono::Duration::minutes(i64::from(stop.travel_minutes)),
                slots: places
                    .into_iter()
                    .map(|p| (p.slot, p.load.free()))
                    .collect(),
            });
        }
        let itinerary = plan_route(&stops, start, asker.party.headcount)
            .map_err(suyuan_core::sites::BookingError::from)?;
        let legs: Vec<LegAsk<'_>> = itinerary
            .iter()
            .zip(&sites)
            .map(|(leg, site)| LegAsk {
                site,
                slot: leg.slot,
            })
            .collect();
        self.book_legs(&legs, Some(route.id), asker, rule, now)
            .await
    }
}
