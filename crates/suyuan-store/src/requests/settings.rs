//! What the handling of requests is set up with: the categories and
//! their clocks, the routing rules, the working-day calendar's named days,
//! and the Open311 keys issued to units.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use std::collections::HashMap;

use suyuan_core::members::MemberId;
use suyuan_core::requests::{
    Category, CategoryCode, ClockRules, Clocks, DayKind, Route, Span, WorkCalendar,
};
use suyuan_core::units::UnitId;

use super::corrupt;
use super::entities::{calendar_day, category, open311_key, route};
use crate::auth::{Token, random_token};
use crate::units::Unit;
use crate::{Store, StoreError, StoreResult};

/// A category as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCategory {
    pub id: i64,
    pub category: Category,
    /// Where it is listed among the others.
    pub position: i32,
    /// Whether it takes new requests.
    pub active: bool,
}

/// A routing rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub id: i64,
    pub route: Route,
}

/// A key a unit's own app sends requests to Open311 with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Key {
    pub id: i64,
    pub unit: Unit,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

fn category_of(row: category::Model) -> StoreResult<RequestCategory> {
    let span = |s: &str| Span::parse(s).ok_or_else(|| corrupt("a category's clock"));
    Ok(RequestCategory {
        id: row.id,
        category: Category {
            code: CategoryCode::parse(&row.code).map_err(|_| corrupt("a category's code"))?,
            name: row.name,
            description: row.description,
            group: row.group_name,
            clocks: ClockRules {
                normal: Clocks {
                    acknowledge: span(&row.normal_acknowledge)?,
                    resolve: span(&row.normal_resolve)?,
                },
                urgent: Clocks {
                    acknowledge: span(&row.urgent_acknowledge)?,
                    resolve: span(&row.urgent_resolve)?,
                },
            },
        },
        position: row.position,
        active: row.active,
    })
}

impl Store {
    /// Adds a category, or changes the one with its code.
    pub async fn save_request_category(
        &self,
        category: &Category,
        position: i32,
        active: bool,
    ) -> StoreResult<RequestCategory> {
        use category::Column as C;
        let clocks = category.clocks;
        category::Entity::insert(category::ActiveModel {
            code: Set(category.code.as_str().to_owned()),
            name: Set(category.name.clone()),
            description: Set(category.description.clone()),
            group_name: Set(category.group.clone()),
            normal_acknowledge: Set(clocks.normal.acknowledge.to_string()),
            normal_resolve: Set(clocks.normal.resolve.to_string()),
            urgent_acknowledge: Set(clocks.urgent.acknowledge.to_string()),
            urgent_resolve: Set(clocks.urgent.resolve.to_string()),
            position: Set(position),
            active: Set(active),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(C::Code)
                .update_columns([
                    C::Name,
                    C::Description,
                    C::GroupName,
                    C::NormalAcknowledge,
                    C::NormalResolve,
                    C::UrgentAcknowledge,
                    C::UrgentResolve,
                    C::Position,
                    C::Active,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        self.request_category(&category.code).await
    }

    /// The categories in their order; only those taking requests, if asked.
    pub async fn request_categories(&self, active_only: bool) -> StoreResult<Vec<RequestCategory>> {
        let mut query = category::Entity::find();
        if active_only {
            query = query.filter(category::Column::Active.eq(true));
        }
        query
            .order_by_asc(category::Column::Position)
            .order_by_asc(category::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(category_of)
            .collect()
    }

    pub async fn request_category(&self, code: &CategoryCode) -> StoreResult<RequestCategory> {
        category::Entity::find()
            .filter(category::Column::Code.eq(code.as_str()))
            .one(&self.db)
            .await?
            .map(category_of)
            .ok_or(StoreError::NotFound)?
    }

    /// Sends requests of a category (any, if none) from within `area` to
    /// `unit`; a rule for the same category and area is replaced.
    pub async fn set_routing_rule(
        &self,
        category: Option<&super::RequestCategory>,
        area: &Unit,
        unit: &Unit,
    ) -> StoreResult<i64> {
        let txn = self.db.begin().await?;
        let mut same = route::Entity::delete_many().filter(route::Column::AreaUnitId.eq(area.id.0));
        same = match category {
            Some(c) => same.filter(route::Column::CategoryId.eq(c.id)),
            None => same.filter(route::Column::CategoryId.is_null()),
        };
        same.exec(&txn).await?;
        let id = route::Entity::insert(route::ActiveModel {
            category_id: Set(category.map(|c| c.id)),
            area_unit_id: Set(area.id.0),
            unit_id: Set(unit.id.0),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn delete_routing_rule(&self, id: i64) -> StoreResult<()> {
        route::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(())
    }

    /// Every routing rule.
    pub async fn routing_rules(&self) -> StoreResult<Vec<RoutingRule>> {
        let rows = route::Entity::find()
            .order_by_asc(route::Column::Id)
            .all(&self.db)
            .await?;
        let codes: HashMap<i64, CategoryCode> = self
            .request_categories(false)
            .await?
            .into_iter()
            .map(|c| (c.id, c.category.code))
            .collect();
        let areas = self
            .units_by_ids(rows.iter().map(|r| UnitId(r.area_unit_id)))
            .await?;
        rows.into_iter()
            .map(|row| {
                let category = match row.category_id {
                    Some(id) => Some(
                        codes
                            .get(&id)
                            .cloned()
                            .ok_or_else(|| corrupt("a rule's category"))?,
                    ),
                    None => None,
                };
                let area = areas
                    .get(&UnitId(row.area_unit_id))
                    .ok_or_else(|| corrupt("a rule's area"))?;
                Ok(RoutingRule {
                    id: row.id,
                    route: Route {
                        category,
                        area: area.path.clone(),
                        unit: UnitId(row.unit_id),
                    },
                })
            })
            .collect()
    }

    /// The working-day calendar: every named day.
    pub async fn work_calendar(&self) -> StoreResult<WorkCalendar> {
        let rows = calendar_day::Entity::find().all(&self.db).await?;
        let days = rows
            .into_iter()
            .map(|row| {
                let kind = DayKind::parse(&row.kind).ok_or_else(|| corrupt("a calendar day"))?;
                Ok((row.day, kind))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(WorkCalendar::new(days))
    }

    /// Replaces a year's named days with these (all in `year`, as core's
    /// `WorkCalendar::read_year` gives them).
    pub async fn set_calendar_year(
        &self,
        year: i32,
        days: &[(NaiveDate, DayKind)],
    ) -> StoreResult<()> {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Err(StoreError::Invalid(format!("year: {year} is out of range")));
        };
        if let Some((day, _)) = days.iter().find(|(d, _)| d.year() != year) {
            return Err(StoreError::Invalid(format!("{day} is not in {year}")));
        }
        let txn = self.db.begin().await?;
        calendar_day::Entity::delete_many()
            .filter(calendar_day::Column::Day.gte(first))
            .filter(calendar_day::Column::Day.lte(last))
            .exec(&txn)
            .await?;
        for chunk in days.chunks(500) {
            calendar_day::Entity::insert_many(chunk.iter().map(|(day, kind)| {
                calendar_day::ActiveModel {
                    day: Set(*day),
                    kind: Set(kind.code().to_owned()),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Issues a key for a unit's app: the key itself is shown once, and
    /// only its hash kept.
    pub async fn issue_open311_key(
        &self,
        unit: &Unit,
        name: &str,
        by: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<(Open311Key, Token)> {
        let name = suyuan_core::text::required("name", &suyuan_core::text::tidy(name), 80)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let token = random_token();
        let id = open311_key::Entity::insert(open311_key::ActiveModel {
            unit_id: Set(unit.id.0),
            name: Set(name.clone()),
            key_hash: Set(token.hash()),
            created_by: Set(by.0),
            created_at: Set(now),
            revoked_at: Set(None),
            ..Default::default()
        })
        .exec(&self.db)
        .await?
        .last_insert_id;
        let key = Open311Key {
            id,
            unit: unit.clone(),
            name,
            created_at: now,
        };
        Ok((key, token))
    }

    /// The unrevoked key given, if it is one.
    pub async fn open311_key(&self, key: &str) -> StoreResult<Option<Open311Key>> {
        let hash = Token::new(key.trim().to_owned()).hash();
        let Some(row) = open311_key::Entity::find()
            .filter(open311_key::Column::KeyHash.eq(hash))
            .filter(open311_key::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let unit = self.unit(UnitId(row.unit_id)).await?;
        Ok(Some(Open311Key {
            id: row.id,
            unit,
            name: row.name,
            created_at: row.created_at,
        }))
    }

    /// The unrevoked keys of a unit.
    pub async fn open311_keys_of(&self, unit: &Unit) -> StoreResult<Vec<Open311Key>> {
        let rows = open311_key::Entity::find()
            .filter(open311_key::Column::UnitId.eq(unit.id.0))
            .filter(open311_key::Column::RevokedAt.is_null())
            .order_by_asc(open311_key::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| Open311Key {
                id: row.id,
                unit: unit.clone(),
                name: row.name,
                created_at: row.created_at,
            })
            .collect())
    }

    pub async fn revoke_open311_key(
        &self,
        unit: &Unit,
        id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let revoked = open311_key::Entity::update_many()
            .col_expr(open311_key::Column::RevokedAt, Expr::value(now))
            .filter(open311_key::Column::Id.eq(id))
            .filter(open311_key::Column::UnitId.eq(unit.id.0))
            .filter(open311_key::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        if revoked.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
