//! Tests and attempts. An attempt keeps the questions drawn for it, in the
//! member's order, and a deadline fixed when it starts; answers are saved
//! one by one and refused after the deadline; submitting grades them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

use suyuan_core::campaigns::{Dekad, assigned_between};
use suyuan_core::exams::{
    Candidate, DrawRule, Score, Sitting, TenDayTests, Window, attempt_seed, check_test, deadline,
    draw, hand_mark, option_order,
};
use suyuan_core::members::MemberId;
use suyuan_core::questions::{Grade, QuestionId, Response, grade};
use suyuan_core::units::{UnitId, UnitPath};

use crate::batch::{BatchWriter, MOST_PADDED, all_failed, padded, statement_chunks};
use crate::members::{self, Member};
use crate::units;
use crate::{Store, StoreError, StoreResult};
use suyuan_core::campaigns::CampaignId;

mod attempts;
mod marking;
mod results;

pub use attempts::*;
pub use marking::*;
pub use results::*;

pub(crate) mod exam {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "exams")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_unit_id: i64,
        pub campaign_id: Option<i64>,
        pub title: String,
        pub opens_at: DateTimeUtc,
        pub closes_at: DateTimeUtc,
        pub time_limit_seconds: i32,
        pub attempts_allowed: i32,
        pub pass_mark: i32,
        pub rules: String,
        pub mistakes: i32,
        pub readings_from: Option<Date>,
        pub readings_to: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExamId(pub i64);

/// A test to be set.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExam {
    pub owner: UnitId,
    /// The campaign it belongs to (its participants sit it), if any;
    /// otherwise the owner unit's members do.
    pub campaign: Option<CampaignId>,
    pub title: String,
    pub window: Window,
    /// The lowest passing score, out of 100.
    pub pass_mark: u32,
    pub rules: Vec<DrawRule>,
    /// How many of a member's due mistakes an attempt may draw.
    pub mistakes: usize,
    /// The days whose readings `from_readings` rules draw on.
    pub readings: Option<(NaiveDate, NaiveDate)>,
}

/// A test as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub id: ExamId,
    pub test: NewExam,
}

/// What setting a campaign's ten-day tests did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestsSet {
    pub set: usize,
    /// Dekads that had a test already.
    pub already: usize,
}

pub(super) fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

pub(super) fn exam_from(row: exam::Model) -> StoreResult<Exam> {
    let rules: Vec<DrawRule> =
        serde_json::from_str(&row.rules).map_err(|_| corrupt(format!("exam {}: rules", row.id)))?;
    Ok(Exam {
        id: ExamId(row.id),
        test: NewExam {
            owner: UnitId(row.owner_unit_id),
            campaign: row.campaign_id.map(CampaignId),
            title: row.title,
            window: Window {
                opens: row.opens_at,
                closes: row.closes_at,
                limit: Duration::seconds(i64::from(row.time_limit_seconds)),
                attempts_allowed: row.attempts_allowed.max(0) as u32,
            },
            pass_mark: row.pass_mark.max(0) as u32,
            rules,
            mistakes: row.mistakes.max(0) as usize,
            readings: row.readings_from.zip(row.readings_to),
        },
    })
}

pub(super) fn to_json<T: Serialize>(value: &T) -> String {
    // Our own plain types always serialize.
    serde_json::to_string(value).unwrap_or_default()
}

pub(super) fn exam_row(new: &NewExam, now: DateTime<Utc>) -> exam::ActiveModel {
    exam::ActiveModel {
        owner_unit_id: Set(new.owner.0),
        campaign_id: Set(new.campaign.map(|c| c.0)),
        title: Set(new.title.trim().to_owned()),
        opens_at: Set(new.window.opens),
        closes_at: Set(new.window.closes),
        time_limit_seconds: Set(new.window.limit.num_seconds() as i32),
        attempts_allowed: Set(new.window.attempts_allowed as i32),
        pass_mark: Set(new.pass_mark as i32),
        rules: Set(to_json(&new.rules)),
        mistakes: Set(new.mistakes as i32),
        readings_from: Set(new.readings.map(|r| r.0)),
        readings_to: Set(new.readings.map(|r| r.1)),
        created_at: Set(now),
        ..Default::default()
    }
}

impl Store {
    /// Sets a test, after checking that its bank can fill every rule.
    pub async fn create_exam(&self, new: NewExam, now: DateTime<Utc>) -> StoreResult<Exam> {
        self.check_exam(&new).await?;
        exam_from(exam_row(&new, now).insert(&self.db).await?)
    }

    pub(super) async fn check_exam(&self, new: &NewExam) -> StoreResult<()> {
        check_test(&new.title, &new.window, new.pass_mark)?;
        let owner = self.unit(new.owner).await?;
        let candidates = self
            .candidates(&owner.path, new.campaign, new.readings)
            .await?;
        draw(&new.rules, &candidates, &[], 0, 0)?;
        Ok(())
    }

    /// Sets a campaign's ten-day tests: one for each dekad that has none
    /// yet, all or nothing. `title` names a dekad's test.
    pub async fn set_ten_day_tests(
        &self,
        campaign: CampaignId,
        owner: UnitId,
        plan: TenDayTests,
        title: impl Fn(Dekad) -> String,
        now: DateTime<Utc>,
    ) -> StoreResult<TestsSet> {
        plan.check()?;
        let calendar = self.campaign(campaign).await?.calendar;
        let owner_path = self.unit(owner).await?.path;
        let existing: HashSet<Option<(NaiveDate, NaiveDate)>> = self
            .exams_of(campaign)
            .await?
            .into_iter()
            .map(|e| e.test.readings)
            .collect();
        let mut tests = Vec::new();
        let mut already = 0;
        for dekad in TenDayTests::dekads(&calendar) {
            if existing.contains(&Some(dekad.readings)) {
                already += 1;
                continue;
            }
            let candidates = self
                .candidates(&owner_path, Some(campaign), Some(dekad.readings))
                .await?;
            let read = candidates.iter().filter(|c| c.from_readings).count();
            let new = NewExam {
                owner,
                campaign: Some(campaign),
                title: title(dekad.dekad),
                window: Window {
                    opens: dekad.opens,
                    closes: dekad.closes,
                    limit: plan.limit,
                    attempts_allowed: plan.attempts_allowed,
                },
                pass_mark: plan.pass_mark,
                rules: plan.rules(read),
                mistakes: plan.mistakes,
                readings: Some(dekad.readings),
            };
            self.check_exam(&new)
                .await
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", new.title)))?;
            tests.push(new);
        }
        let txn = self.db.begin().await?;
        for new in &tests {
            exam_row(new, now).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(TestsSet {
            set: tests.len(),
            already,
        })
    }

    pub async fn exam(&self, id: ExamId) -> StoreResult<Exam> {
        let row = exam::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        exam_from(row)
    }

    /// The tests of a campaign, by when they open.
    pub async fn exams_of(&self, campaign: CampaignId) -> StoreResult<Vec<Exam>> {
        exam::Entity::find()
            .filter(exam::Column::CampaignId.eq(campaign.0))
            .order_by_asc(exam::Column::OpensAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(exam_from)
            .collect()
    }

    /// The tests a member of the unit at `path` may sit: those of the
    /// campaigns they take part in, and those set by their unit or the
    /// units above it outside a campaign; the latest to open first.
    pub async fn exams_for(&self, path: &UnitPath) -> StoreResult<Vec<Exam>> {
        let campaigns: Vec<i64> = self
            .campaigns_for(path)
            .await?
            .into_iter()
            .map(|c| c.id.0)
            .collect();
        let owners: Vec<i64> = path.ids().into_iter().map(|u| u.0).collect();
        exam::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(exam::Column::CampaignId.is_in(campaigns))
                    .add(
                        sea_orm::Condition::all()
                            .add(exam::Column::CampaignId.is_null())
                            .add(exam::Column::OwnerUnitId.is_in(owners)),
                    ),
            )
            .order_by_desc(exam::Column::OpensAt)
            .limit(200)
            .all(&self.db)
            .await?
            .into_iter()
            .map(exam_from)
            .collect()
    }

    /// The questions a test of `owner` may draw: the bank as the owner
    /// sees it, marked where they come from the test's readings.
    pub(super) async fn candidates(
        &self,
        owner: &UnitPath,
        campaign: Option<CampaignId>,
        readings: Option<(NaiveDate, NaiveDate)>,
    ) -> StoreResult<Vec<Candidate>> {
        let mut read: HashSet<i64> = HashSet::new();
        if let (Some(campaign), Some((from, to))) = (campaign, readings) {
            let plan = self
                .campaign(campaign)
                .await?
                .plan(&self.plan_of(campaign).await?);
            read.extend(assigned_between(&plan, from, to).map(|e| e.0));
        }
        Ok(self
            .draw_pool(owner)
            .await?
            .into_iter()
            .map(|(id, category, difficulty, excerpt)| Candidate {
                id,
                from_readings: excerpt.is_some_and(|e| read.contains(&e.0)),
                category,
                difficulty,
            })
            .collect())
    }
}
