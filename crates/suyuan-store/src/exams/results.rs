//! Results: each member's best attempt, the sittings a unit's figures
//! come from, and what they count in the progress summaries.

use super::*;

/// Who sat a test, and the attempt that counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Sat {
    pub member: Member,
    pub attempt: AttemptId,
}

/// Members' best attempts at each of a campaign's tests they handed in:
/// when the test opened, when the attempt was handed in, its score and the
/// pass mark, by member. On any connection, so that a writer can count
/// them.
pub(crate) async fn best_sittings<C: sea_orm::ConnectionTrait>(
    conn: &C,
    members: &[i64],
    campaign: CampaignId,
) -> StoreResult<HashMap<i64, Vec<(DateTime<Utc>, DateTime<Utc>, Score, u32)>>> {
    let tests: HashMap<i64, (DateTime<Utc>, u32)> = exam::Entity::find()
        .select_only()
        .columns([
            exam::Column::Id,
            exam::Column::OpensAt,
            exam::Column::PassMark,
        ])
        .filter(exam::Column::CampaignId.eq(campaign.0))
        .into_tuple::<(i64, DateTime<Utc>, i32)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, opens, mark)| (id, (opens, mark.max(0) as u32)))
        .collect();
    let mut out: HashMap<i64, Vec<_>> = HashMap::new();
    if tests.is_empty() {
        return Ok(out);
    }
    let mut by_member: HashMap<i64, Vec<attempt::Model>> = HashMap::new();
    for chunk in members.chunks(400) {
        for row in attempt::Entity::find()
            .filter(attempt::Column::MemberId.is_in(chunk.iter().copied()))
            .filter(attempt::Column::ExamId.is_in(tests.keys().copied()))
            .filter(attempt::Column::SubmittedAt.is_not_null())
            .order_by_asc(attempt::Column::Number)
            .all(conn)
            .await?
        {
            by_member.entry(row.member_id).or_default().push(row);
        }
    }
    for (member, rows) in by_member {
        let best = best_attempts(rows, |a| a.exam.0)?
            .into_values()
            .filter_map(|a| {
                let (opens, pass_mark) = tests.get(&a.exam.0)?;
                Some((*opens, a.submitted_at?, a.score?, *pass_mark))
            })
            .collect();
        out.insert(member, best);
    }
    Ok(out)
}

/// Counts the tests of the members whose attempts changed again, once
/// per campaign.
pub(super) async fn retally_sitters<C: sea_orm::ConnectionTrait>(
    conn: &C,
    attempts: &[AttemptId],
) -> StoreResult<()> {
    let mut sitters: Vec<(i64, i64)> = Vec::with_capacity(attempts.len());
    for chunk in attempts.chunks(400) {
        sitters.extend(
            attempt::Entity::find()
                .select_only()
                .columns([attempt::Column::ExamId, attempt::Column::MemberId])
                .filter(attempt::Column::Id.is_in(chunk.iter().map(|a| a.0)))
                .into_tuple::<(i64, i64)>()
                .all(conn)
                .await?,
        );
    }
    if sitters.is_empty() {
        return Ok(());
    }
    let campaigns: HashMap<i64, Option<i64>> = exam::Entity::find()
        .select_only()
        .columns([exam::Column::Id, exam::Column::CampaignId])
        .filter(exam::Column::Id.is_in(sitters.iter().map(|(exam, _)| *exam)))
        .into_tuple::<(i64, Option<i64>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut by_campaign: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for (exam, member) in sitters {
        if let Some(Some(campaign)) = campaigns.get(&exam) {
            by_campaign.entry(*campaign).or_default().push(member);
        }
    }
    for (campaign, mut members) in by_campaign {
        members.sort_unstable();
        members.dedup();
        let campaign = crate::campaigns::load(conn, CampaignId(campaign)).await?;
        let paths = members::paths_of(conn, &members).await?;
        crate::progress::retally(conn, &campaign, &paths).await?;
    }
    Ok(())
}

/// The best submitted attempt per key (a member, a test), the earliest
/// of equals: rows come oldest first.
pub(super) fn best_attempts(
    rows: Vec<attempt::Model>,
    key: impl Fn(&Attempt) -> i64,
) -> StoreResult<HashMap<i64, Attempt>> {
    let earned = |a: &Attempt| a.score.map_or(0.0, |s| s.earned);
    let mut best: HashMap<i64, Attempt> = HashMap::new();
    for row in rows {
        let attempt = attempt_from(row)?;
        if attempt.score.is_none() {
            continue;
        }
        match best.get(&key(&attempt)) {
            Some(kept) if earned(kept) >= earned(&attempt) => {}
            _ => {
                best.insert(key(&attempt), attempt);
            }
        }
    }
    Ok(best)
}

/// The attempts at a test by members within a subtree.
pub(super) fn attempts_within(exam: ExamId, within: &UnitPath) -> sea_orm::Select<attempt::Entity> {
    members::of_members_within(
        attempt::Entity::find().filter(attempt::Column::ExamId.eq(exam.0)),
        attempt::Column::MemberId,
        within,
    )
}

impl Store {
    /// How a member did in each of a campaign's tests they handed in: the
    /// best attempt's hand-in time and score (the earliest of equals), and
    /// the test's pass mark. What the campaign's points rules count.
    pub async fn best_results(
        &self,
        member: MemberId,
        campaign: CampaignId,
    ) -> StoreResult<Vec<(DateTime<Utc>, Score, u32)>> {
        let pass_marks: HashMap<i64, u32> = exam::Entity::find()
            .select_only()
            .columns([exam::Column::Id, exam::Column::PassMark])
            .filter(exam::Column::CampaignId.eq(campaign.0))
            .into_tuple::<(i64, i32)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(id, mark)| (id, mark.max(0) as u32))
            .collect();
        let attempts = attempt::Entity::find()
            .filter(attempt::Column::MemberId.eq(member.0))
            .filter(attempt::Column::ExamId.is_in(pass_marks.keys().copied()))
            .filter(attempt::Column::SubmittedAt.is_not_null())
            .order_by_asc(attempt::Column::Number)
            .all(&self.db)
            .await?;
        let best = best_attempts(attempts, |a| a.exam.0)?;
        Ok(best
            .into_values()
            .filter_map(|a| Some((a.submitted_at?, a.score?, *pass_marks.get(&a.exam.0)?)))
            .collect())
    }

    /// How each member within a subtree did in a test: their best
    /// submitted attempt (the earliest of equals), with every question's
    /// share of its mark. A question left unanswered earned nothing.
    pub async fn sittings(
        &self,
        exam: ExamId,
        within: &UnitPath,
    ) -> StoreResult<Vec<Sitting<Sat>>> {
        let rows = attempts_within(exam, within)
            .filter(attempt::Column::SubmittedAt.is_not_null())
            .order_by_asc(attempt::Column::Number)
            .all(&self.db)
            .await?;
        let best = best_attempts(rows, |a| a.member.0)?;
        let ids: Vec<i64> = best.values().map(|a| a.id.0).collect();
        let member_ids: Vec<i64> = best.keys().copied().collect();
        let mut grades: HashMap<(i64, i32), Option<Grade>> = HashMap::new();
        let mut who: HashMap<i64, Member> = HashMap::new();
        for chunk in ids.chunks(1_000) {
            let rows: Vec<(i64, i32, Option<String>)> = answer::Entity::find()
                .select_only()
                .columns([
                    answer::Column::AttemptId,
                    answer::Column::Position,
                    answer::Column::Grade,
                ])
                .filter(answer::Column::AttemptId.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(&self.db)
                .await?;
            for (attempt, position, grade) in rows {
                let grade = grade
                    .as_deref()
                    .map(serde_json::from_str::<Grade>)
                    .transpose()
                    .map_err(|_| corrupt(format!("attempt {attempt} answer {position}")))?;
                grades.insert((attempt, position), grade);
            }
        }
        for chunk in member_ids.chunks(1_000) {
            for (row, unit) in members::entity::Entity::find()
                .find_also_related(units::entity::Entity)
                .filter(members::entity::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await?
            {
                who.insert(row.id, members::member_from(row, unit)?);
            }
        }
        let mut sittings: Vec<Sitting<Sat>> = best
            .into_values()
            .filter_map(|attempt| {
                let member = who.remove(&attempt.member.0)?;
                let score = attempt.score?;
                let questions = attempt
                    .items
                    .iter()
                    .enumerate()
                    .map(|(position, item)| {
                        let earned = match grades.get(&(attempt.id.0, position as i32)) {
                            Some(Some(Grade::Scored(share))) => Some(*share),
                            Some(Some(Grade::Pending)) => None,
                            _ => Some(0.0),
                        };
                        (item.question, earned)
                    })
                    .collect();
                Some(Sitting {
                    member: Sat {
                        member,
                        attempt: attempt.id,
                    },
                    score,
                    questions,
                })
            })
            .collect();
        sittings.sort_by(|a, b| {
            (&a.member.member.unit.path, &a.member.member.name)
                .cmp(&(&b.member.member.unit.path, &b.member.member.name))
        });
        Ok(sittings)
    }
}
