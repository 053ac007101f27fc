//! A gathering's record in numbers (the ledger's tallies), and what
//! members' gatherings count in the progress summaries.

use super::*;

/// A gathering's record in numbers, for a unit's ledger (台账).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Members by attendance, in the order of `Attendance::ALL`.
    pub attendance: [usize; 4],
    pub reflections: usize,
    pub accepted: usize,
}

impl Tally {
    pub fn of(&self, status: Attendance) -> usize {
        Attendance::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.attendance[i])
    }
}

/// A member's place on the rolls of a campaign's gatherings (not
/// cancelled): each gathering's start, kind and their status, and when
/// their reflections were accepted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rolls {
    pub rolls: Vec<(DateTime<Utc>, Kind, Attendance)>,
    pub accepted: Vec<DateTime<Utc>>,
}

/// Members' rolls in a campaign, by member.
pub(crate) async fn rolls_of<C: sea_orm::ConnectionTrait>(
    conn: &C,
    members: &[i64],
    campaign: CampaignId,
) -> StoreResult<HashMap<i64, Rolls>> {
    let mut out: HashMap<i64, Rolls> = HashMap::new();
    for chunk in members.chunks(400) {
        let rows: Vec<(i64, DateTime<Utc>, String, String)> = attendance::Entity::find()
            .select_only()
            .column(attendance::Column::MemberId)
            .column(gathering::Column::StartsAt)
            .column(gathering::Column::Kind)
            .column(attendance::Column::Status)
            .join(
                sea_orm::JoinType::InnerJoin,
                attendance::Entity::belongs_to(gathering::Entity)
                    .from(attendance::Column::GatheringId)
                    .to(gathering::Column::Id)
                    .into(),
            )
            .filter(attendance::Column::MemberId.is_in(chunk.iter().copied()))
            .filter(gathering::Column::CampaignId.eq(campaign.0))
            .filter(gathering::Column::Cancelled.eq(false))
            .into_tuple()
            .all(conn)
            .await?;
        for (member, at, kind, status) in rows {
            let kind = Kind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("gathering kind {kind:?}")))?;
            out.entry(member)
                .or_default()
                .rolls
                .push((at, kind, attendance_of(&status)?));
        }
        let accepted: Vec<(i64, Option<DateTime<Utc>>)> = reflection::Entity::find()
            .select_only()
            .column(reflection::Column::MemberId)
            .column(reflection::Column::ReviewedAt)
            .join(
                sea_orm::JoinType::InnerJoin,
                reflection::Entity::belongs_to(gathering::Entity)
                    .from(reflection::Column::GatheringId)
                    .to(gathering::Column::Id)
                    .into(),
            )
            .filter(reflection::Column::MemberId.is_in(chunk.iter().copied()))
            .filter(reflection::Column::State.eq(Review::Accepted.code()))
            .filter(gathering::Column::CampaignId.eq(campaign.0))
            .filter(gathering::Column::Cancelled.eq(false))
            .into_tuple()
            .all(conn)
            .await?;
        for (member, at) in accepted {
            if let Some(at) = at {
                out.entry(member).or_default().accepted.push(at);
            }
        }
    }
    Ok(out)
}

/// Counts the gatherings of members again after a change to one gathering
/// (see `progress`); with no members given, everyone on its roll or with
/// a reflection on it.
pub(super) async fn retally_gathering<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: GatheringId,
    members: Option<Vec<i64>>,
) -> StoreResult<()> {
    let campaign: Option<Option<i64>> = gathering::Entity::find_by_id(id.0)
        .select_only()
        .column(gathering::Column::CampaignId)
        .into_tuple()
        .one(conn)
        .await?;
    let Some(campaign) = campaign.flatten() else {
        return Ok(());
    };
    let members = match members {
        Some(members) => members,
        None => {
            let mut all: Vec<i64> = attendance::Entity::find()
                .select_only()
                .column(attendance::Column::MemberId)
                .filter(attendance::Column::GatheringId.eq(id.0))
                .into_tuple()
                .all(conn)
                .await?;
            all.extend(
                reflection::Entity::find()
                    .select_only()
                    .column(reflection::Column::MemberId)
                    .filter(reflection::Column::GatheringId.eq(id.0))
                    .into_tuple::<i64>()
                    .all(conn)
                    .await?,
            );
            all.sort_unstable();
            all.dedup();
            all
        }
    };
    if members.is_empty() {
        return Ok(());
    }
    let campaign = crate::campaigns::load(conn, CampaignId(campaign)).await?;
    let paths = members::paths_of(conn, &members).await?;
    crate::progress::retally(conn, &campaign, &paths).await
}

/// What earns a member points at a campaign's gatherings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatheringRecord {
    pub attended: Vec<DateTime<Utc>>,
    pub reflections_accepted: Vec<DateTime<Utc>>,
}

impl Store {
    /// What a member did at a campaign's gatherings that earns points: the
    /// starts of those they attended, and when each accepted reflection
    /// was accepted.
    pub async fn gathering_record(
        &self,
        member: MemberId,
        campaign: CampaignId,
    ) -> StoreResult<GatheringRecord> {
        let record = rolls_of(&self.db, &[member.0], campaign)
            .await?
            .remove(&member.0)
            .unwrap_or_default();
        Ok(GatheringRecord {
            attended: record
                .rolls
                .into_iter()
                .filter(|(_, _, status)| status.attended())
                .map(|(at, _, _)| at)
                .collect(),
            reflections_accepted: record.accepted,
        })
    }

    /// Each gathering's attendance by status and its reflections, in a
    /// few grouped queries.
    pub async fn tallies(&self, ids: &[GatheringId]) -> StoreResult<HashMap<GatheringId, Tally>> {
        let mut tallies: HashMap<GatheringId, Tally> =
            ids.iter().map(|id| (*id, Tally::default())).collect();
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<(i64, String, i64)> = attendance::Entity::find()
                .select_only()
                .column(attendance::Column::GatheringId)
                .column(attendance::Column::Status)
                .column_as(attendance::Column::MemberId.count(), "n")
                .filter(attendance::Column::GatheringId.is_in(chunk.to_vec()))
                .group_by(attendance::Column::GatheringId)
                .group_by(attendance::Column::Status)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (id, status, n) in rows {
                let status = attendance_of(&status)?;
                if let (Some(tally), Some(i)) = (
                    tallies.get_mut(&GatheringId(id)),
                    Attendance::ALL.iter().position(|s| *s == status),
                ) {
                    tally.attendance[i] = usize::try_from(n).unwrap_or(0);
                }
            }
            let rows: Vec<(i64, String, i64)> = reflection::Entity::find()
                .select_only()
                .column(reflection::Column::GatheringId)
                .column(reflection::Column::State)
                .column_as(reflection::Column::MemberId.count(), "n")
                .filter(reflection::Column::GatheringId.is_in(chunk.to_vec()))
                .group_by(reflection::Column::GatheringId)
                .group_by(reflection::Column::State)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (id, state, n) in rows {
                if let Some(tally) = tallies.get_mut(&GatheringId(id)) {
                    let n = usize::try_from(n).unwrap_or(0);
                    tally.reflections += n;
                    if review_of(&state, "reflection")? == Review::Accepted {
                        tally.accepted += n;
                    }
                }
            }
        }
        Ok(tallies)
    }
}
