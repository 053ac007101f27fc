//! A unit's progress for a period, as one table: the columns every
//! rendering shares (the dashboard page, the API and the report files),
//! the campaign and period a request names, and the period report
//! written as XLSX or CSV.

use chrono::{DateTime, NaiveDate, Utc};

use suyuan_core::campaigns::Campaign;
use suyuan_core::gatherings::Kind;
use suyuan_core::progress::{Figures, Period, PeriodKind, Rate, rank};
use suyuan_core::table::{Cell, write_csv, write_workbook};
use suyuan_i18n::{Lang, Texts};
use suyuan_store::Store;
use suyuan_store::progress::{Report, UnitFigures};
use suyuan_store::units::Unit;

use crate::{AppError, AppResult};

/// One column of the figures table: how it is named, valued, shown and
/// written, so that the page, the exports and the API agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Members,
    OnTime,
    Late,
    OnStreak,
    Participation,
    AverageScore,
    PassRate,
    Study,
    Lecture,
    Activity,
    Points,
    PointsPerMember,
}

enum Value {
    Count(u64),
    Share(Rate),
    Amount(Option<f64>),
}

impl Column {
    pub const ALL: [Column; 12] = [
        Column::Members,
        Column::OnTime,
        Column::Late,
        Column::OnStreak,
        Column::Participation,
        Column::AverageScore,
        Column::PassRate,
        Column::Study,
        Column::Lecture,
        Column::Activity,
        Column::Points,
        Column::PointsPerMember,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Column::Members => "members",
            Column::OnTime => "on_time",
            Column::Late => "late",
            Column::OnStreak => "on_streak",
            Column::Participation => "participation",
            Column::AverageScore => "average_score",
            Column::PassRate => "pass_rate",
            Column::Study => "weekly_study",
            Column::Lecture => "lecture",
            Column::Activity => "activity_day",
            Column::Points => "points",
            Column::PointsPerMember => "points_per_member",
        }
    }

    pub fn parse(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn name(self, t: &Texts) -> &'static str {
        match self {
            Column::Members => t.members_enrolled,
            Column::OnTime => t.on_time_rate,
            Column::Late => t.late_rate,
            Column::OnStreak => t.streak_rate,
            Column::Participation => t.participation_rate,
            Column::AverageScore => t.average_score,
            Column::PassRate => t.pass_rate,
            Column::Study => t.study_attendance,
            Column::Lecture => t.lecture_attendance,
            Column::Activity => t.activity_attendance,
            Column::Points => t.points_total,
            Column::PointsPerMember => t.points_per_member,
        }
    }

    fn value(self, f: &Figures) -> Value {
        match self {
            Column::Members => Value::Count(f.members),
            Column::OnTime => Value::Share(f.on_time()),
            Column::Late => Value::Share(f.late()),
            Column::OnStreak => Value::Share(f.on_streak()),
            Column::Participation => Value::Share(f.participation()),
            Column::AverageScore => Value::Amount(f.average_score()),
            Column::PassRate => Value::Share(f.pass_rate()),
            Column::Study => Value::Share(f.attendance(Kind::WeeklyStudy)),
            Column::Lecture => Value::Share(f.attendance(Kind::Lecture)),
            Column::Activity => Value::Share(f.attendance(Kind::ActivityDay)),
            Column::Points => Value::Count(f.points()),
            Column::PointsPerMember => Value::Amount(f.points_per_member()),
        }
    }

    /// The figure as a number to sort and rank by (a rate as a share of
    /// one); none when there is nothing to count.
    pub fn number(self, f: &Figures) -> Option<f64> {
        match self.value(f) {
            Value::Count(n) => Some(n as f64),
            Value::Share(rate) => rate.value(),
            Value::Amount(amount) => amount,
        }
    }

    /// What the figure is counted over, to show beside it: a rate's
    /// part and whole, or how many sittings an average is of.
    pub fn base(self, f: &Figures) -> Base {
        match (self, self.value(f)) {
            (Column::AverageScore, _) => Base::Over(u64::try_from(f.counts.tests_sat).unwrap_or(0)),
            (_, Value::Share(rate)) => Base::OfWhole(rate.part, rate.whole),
            _ => Base::Nothing,
        }
    }

    pub fn shown(self, f: &Figures) -> String {
        match self.value(f) {
            Value::Count(n) => n.to_string(),
            Value::Share(rate) => rate.percent(),
            Value::Amount(amount) => amount.map_or_else(|| "—".to_owned(), |a| format!("{a:.1}")),
        }
    }

    pub fn cell(self, f: &Figures) -> Cell {
        match self.value(f) {
            Value::Count(n) => Cell::Number(n as f64),
            Value::Share(rate) => rate
                .value()
                .map_or_else(|| Cell::Text("—".into()), Cell::Percent),
            Value::Amount(amount) => amount.map_or_else(
                || Cell::Text("—".into()),
                |a| Cell::Number((a * 10.0).round() / 10.0),
            ),
        }
    }
}

/// What a figure is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Nothing,
    /// A rate: so many of so many.
    OfWhole(u64, u64),
    /// An average over so many.
    Over(u64),
}

/// A campaign and a period of it, as asked.
pub struct Chosen {
    pub campaign: Campaign,
    pub campaigns: Vec<Campaign>,
    pub period: Period,
    pub days: (NaiveDate, NaiveDate),
    pub before: Option<(NaiveDate, NaiveDate)>,
}

/// Picks the campaign and period asked for among those of the unit; none
/// when the unit has no campaign.
pub async fn choose(
    store: &Store,
    unit: &Unit,
    campaign: Option<i64>,
    period: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Option<Chosen>> {
    let campaigns = store.campaigns_within(&unit.path).await?;
    let asked = period
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("week");
    let kind = PeriodKind::parse(asked);
    let code = match kind {
        Some(_) => None,
        None => Some(Period::parse(asked).map_err(|e| AppError::Invalid(e.to_string()))?),
    };
    let wanted = match code {
        Some(Period::Campaign(id)) => Some(id),
        _ => campaign,
    };
    let found = match wanted {
        Some(id) => campaigns.iter().find(|c| c.id.0 == id).cloned(),
        None => campaigns.first().cloned(),
    };
    let Some(campaign) = found else {
        return match wanted {
            Some(_) => Err(AppError::NotFound),
            None => Ok(None),
        };
    };
    let calendar = campaign.calendar;
    let today = calendar.date_at(now).clamp(calendar.start, calendar.end);
    let period = match (kind, code) {
        (Some(kind), _) => Period::holding(kind, today, campaign.id.0),
        (None, Some(period)) => period,
        (None, None) => Period::holding(PeriodKind::Week, today, campaign.id.0),
    };
    let mut days = period.days_in(&calendar).ok_or_else(|| {
        AppError::Invalid(format!(
            "period: {} falls outside the campaign ({} – {})",
            period.code(),
            calendar.start,
            calendar.end
        ))
    })?;
    // Today is still being read: a longer period holding it is counted
    // to yesterday, so an unfinished day does not pull its rates down
    // (today on its own is the day period's, and says so).
    let reading_today = calendar.date_at(now);
    if days.0 < reading_today && reading_today <= days.1 {
        days.1 = reading_today.pred_opt().unwrap_or(days.0);
    }
    let before = period.previous().and_then(|p| p.days_in(&calendar));
    Ok(Some(Chosen {
        campaign,
        campaigns,
        period,
        days,
        before,
    }))
}

/// Child rows ranked by the on-time rate, best first; the place beside
/// each row's index.
pub fn ranked(children: &[UnitFigures]) -> Vec<Option<usize>> {
    let mut places = vec![None; children.len()];
    for (index, place) in rank(children, |c| Column::OnTime.number(&c.now)) {
        places[index] = place;
    }
    places
}

pub fn change(row: &UnitFigures) -> Option<f64> {
    row.now.on_time().change_since(row.before?.on_time())
}

/// The table as cells: a header, the unit's own row (the total), then a
/// row per child unit.
pub fn table_rows(t: &Texts, report: &Report) -> Vec<Vec<Cell>> {
    let mut header = vec![Cell::Text(t.unit_col.into())];
    header.extend(Column::ALL.iter().map(|c| Cell::Text(c.name(t).into())));
    header.push(Cell::Text(t.rank_col.into()));
    header.push(Cell::Text(t.change_col.into()));
    let mut rows = vec![header];
    let line = |name: String, row: &UnitFigures, place: Option<usize>| {
        let mut cells = vec![Cell::Text(name)];
        cells.extend(Column::ALL.iter().map(|c| c.cell(&row.now)));
        cells.push(place.map_or_else(|| Cell::Text(String::new()), |p| Cell::Number(p as f64)));
        cells.push(change(row).map_or_else(
            || Cell::Text(String::new()),
            |pp| Cell::Number((pp * 10.0).round() / 10.0),
        ));
        cells
    };
    rows.push(line(
        format!("{}（{}）", report.unit.unit.name, t.total_row),
        &report.unit,
        None,
    ));
    let places = ranked(&report.children);
    for (child, place) in report.children.iter().zip(places) {
        rows.push(line(child.unit.name.clone(), child, place));
    }
    rows
}

/// The period report: the table, then a sheet per figure with a column
/// per day.
pub fn report_workbook(t: &Texts, report: &Report) -> AppResult<Vec<u8>> {
    let summary = table_rows(t, report);
    let mut sheets: Vec<(String, Vec<Vec<Cell>>)> = vec![(t.summary_sheet.to_owned(), summary)];
    for column in Column::ALL {
        let mut header = vec![Cell::Text(t.unit_col.into())];
        header.extend(
            report
                .unit
                .daily
                .iter()
                .map(|(day, _)| Cell::Text(day.format("%m-%d").to_string())),
        );
        header.push(Cell::Text(t.total_row.into()));
        let mut rows = vec![header];
        for row in std::iter::once(&report.unit).chain(&report.children) {
            let mut cells = vec![Cell::Text(row.unit.name.clone())];
            cells.extend(row.daily.iter().map(|(_, f)| column.cell(f)));
            cells.push(column.cell(&row.now));
            rows.push(cells);
        }
        sheets.push((column.name(t).to_owned(), rows));
    }
    let named: Vec<(&str, &[Vec<Cell>])> = sheets
        .iter()
        .map(|(name, rows)| (name.as_str(), rows.as_slice()))
        .collect();
    Ok(write_workbook(&named)?)
}

/// The name of a file for a unit and a period.
pub fn file_name(unit: &Unit, chosen: &Chosen, extension: &str) -> String {
    let code = chosen.period.code().replace(':', "-");
    format!("progress-{}-{code}.{extension}", unit.code.as_str())
}

/// The format of a period report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// The summary table, then a sheet per figure, day by day.
    Xlsx,
    /// The summary table alone, as one sheet.
    SummaryXlsx,
    /// The summary table, UTF-8 with a byte-order mark (so Excel reads it).
    Csv,
}

impl ReportFormat {
    /// The end of the file's name.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Xlsx => "report.xlsx",
            ReportFormat::SummaryXlsx => "xlsx",
            ReportFormat::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Xlsx | ReportFormat::SummaryXlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A unit's progress report for a period (as `choose` reads it), in
/// `lang`: the file's bytes.
pub async fn export_report(
    store: &Store,
    unit: &Unit,
    campaign: Option<i64>,
    period: &str,
    format: ReportFormat,
    lang: Lang,
    now: DateTime<Utc>,
) -> AppResult<Vec<u8>> {
    let (_, report) = report(store, unit, campaign, Some(period), now)
        .await?
        .ok_or_else(|| {
            let code = unit.code.as_str();
            AppError::invalid("unit", format!("no campaign includes {code}"))
        })?;
    write_report(lang.texts(), &report, format)
}

/// The unit's report for the campaign and period asked (as `choose` reads
/// them), read from the summaries; none when the unit has no campaign.
pub async fn report(
    store: &Store,
    unit: &Unit,
    campaign: Option<i64>,
    period: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Option<(Chosen, Report)>> {
    let Some(chosen) = choose(store, unit, campaign, period, now).await? else {
        return Ok(None);
    };
    let report = store
        .progress_report(&chosen.campaign, unit, chosen.days, chosen.before, now)
        .await?;
    Ok(Some((chosen, report)))
}

/// A report as a file of `format`.
pub fn write_report(t: &Texts, report: &Report, format: ReportFormat) -> AppResult<Vec<u8>> {
    let summary = || table_rows(t, report);
    Ok(match format {
        ReportFormat::Xlsx => report_workbook(t, report)?,
        ReportFormat::SummaryXlsx => write_workbook(&[(t.summary_sheet, summary().as_slice())])?,
        ReportFormat::Csv => write_csv(&summary()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_has_its_own_key_and_a_name_in_both_languages() {
        let keys: std::collections::BTreeSet<&str> = Column::ALL.iter().map(|c| c.key()).collect();
        assert_eq!(keys.len(), Column::ALL.len());
        for column in Column::ALL {
            assert_eq!(Column::parse(column.key()), Some(column));
            assert!(!column.name(Lang::Zh.texts()).is_empty());
            assert!(!column.name(Lang::En.texts()).is_empty());
        }
    }
}
