//! The sites' public figures: visits made and visitors counted, by the
//! kind of organization that came.

use super::*;
use suyuan_core::sites::{BookingStatus, OrgKind};

/// Visits made (groups checked in) and the visitors they brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Visits {
    pub groups: u32,
    pub visitors: u32,
}

/// Visits over a period, in all and by kind of organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VisitFigures {
    pub total: Visits,
    /// Kinds with at least one visit, most visits first.
    pub by_kind: Vec<(OrgKind, Visits)>,
}

impl Store {
    /// Visits from `from` until `to`, at one site or (none) every site.
    pub async fn visit_figures(
        &self,
        site: Option<SiteId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<VisitFigures> {
        let mut query = booking::Entity::find()
            .select_only()
            .column(booking::Column::OrgKind)
            .column_as(Expr::col(booking::Column::Id).count(), "groups")
            .column_as(
                Expr::col(booking::Column::ActualHeadcount)
                    .if_null(Expr::col(booking::Column::Headcount))
                    .sum(),
                "visitors",
            )
            .filter(booking::Column::Status.eq(BookingStatus::CheckedIn.code()))
            .filter(booking::Column::StartsAt.gte(from))
            .filter(booking::Column::StartsAt.lt(to))
            .group_by(booking::Column::OrgKind);
        if let Some(site) = site {
            query = query.filter(booking::Column::SiteId.eq(site.0));
        }
        let rows: Vec<(String, i64, Option<i64>)> = query.into_tuple().all(&self.db).await?;
        let mut figures = VisitFigures::default();
        for (kind, groups, visitors) in rows {
            let visits = Visits {
                groups: u32::try_from(groups).unwrap_or(0),
                visitors: u32::try_from(visitors.unwrap_or(0)).unwrap_or(0),
            };
            figures.total.groups += visits.groups;
            figures.total.visitors += visits.visitors;
            figures
                .by_kind
                .push((OrgKind::parse(&kind).unwrap_or(OrgKind::Other), visits));
        }
        figures
            .by_kind
            .sort_by(|a, b| b.1.groups.cmp(&a.1.groups).then(a.0.cmp(&b.0)));
        Ok(figures)
    }
}
