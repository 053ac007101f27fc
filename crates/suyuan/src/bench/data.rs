//! The bench's data set: a generated tree of units under a root coded
//! `bench-M-U` (M members, U branches), so that sizes never mix and a
//! second run reuses what the first made.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use indicatif::ProgressBar;

use suyuan_app::members::import_rows;
use suyuan_core::access::Role;
use suyuan_core::members::{MemberId, MemberNumber, MemberRow, NewPassword, PersonName};
use suyuan_core::units::{UnitCode, UnitId, UnitKind, UnitName, UnitRef};
use suyuan_store::Store;
use suyuan_store::auth::hash_password;
use suyuan_store::members::{MemberFilter, NewMember};
use suyuan_store::units::{NewUnit, Unit};

pub const PASSWORD: &str = "bench-password";
/// Children per unit above the branches.
const FAN_OUT: usize = 10;
/// Members written per import call (each is one transaction).
const MEMBER_BATCH: usize = 50_000;
/// How many members the sign-in scenario picks from.
const SIGN_IN_SAMPLE: u64 = 5_000;

pub struct Dataset {
    pub root: Unit,
    pub admin: MemberId,
    /// Members who have chosen their password, for page scenarios.
    pub settled: Vec<MemberId>,
    /// Member numbers to sign in with.
    pub logins: Vec<String>,
    /// Units three and four levels down: subtrees of tens to a hundred
    /// units, what a street or community admin lists.
    pub middle_units: Vec<UnitId>,
    pub units: usize,
    pub members: usize,
}

const LEVELS: [(UnitKind, &str); 5] = [
    (UnitKind::City, "市"),
    (UnitKind::District, "区"),
    (UnitKind::Street, "街道"),
    (UnitKind::Community, "社区"),
    (UnitKind::Community, "小区"),
];

/// How many members of the sample have chosen their password (and take
/// part in the page and reading scenarios).
const SETTLED: usize = 2_000;

fn root_code(members: usize, branches: usize) -> Result<UnitCode> {
    let members = members.max(1);
    Ok(UnitCode::parse(&format!(
        "bench-{members}-{}",
        branches.clamp(1, members)
    ))?)
}

/// Whether an earlier run made this data set.
pub async fn exists(store: &Store, members: usize, branches: usize) -> Result<bool> {
    Ok(store
        .unit_by_code(&root_code(members, branches)?)
        .await
        .is_ok())
}

/// Makes the data set, or finds the one an earlier run made.
pub async fn prepare(
    store: &Store,
    members: usize,
    branches: usize,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Dataset> {
    let members = members.max(1);
    let branches = branches.clamp(1, members);
    let root_code = root_code(members, branches)?;
    let root = match store.unit_by_code(&root_code).await {
        Ok(root) => {
            bar.set_message("reusing the data set made earlier");
            root
        }
        Err(_) => generate(store, &root_code, members, branches, now, bar).await?,
    };
    let admin_number = MemberNumber::parse(&format!("{root_code}-admin"))?;
    let admin = store
        .member_by_number(&admin_number)
        .await
        .context("the bench admin is missing: drop the data set and run again")?;
    let sample = store
        .list_members(&MemberFilter {
            within: root.path.clone(),
            only: None,
            limit: SIGN_IN_SAMPLE,
            offset: 0,
        })
        .await?;
    // A few members have chosen their password (the same one), so that
    // their pages open without the first-sign-in detour.
    let settled: Vec<MemberId> = sample
        .iter()
        .filter(|m| m.role == Role::Member)
        .take(SETTLED)
        .map(|m| m.id)
        .collect();
    settle(store, &settled, now).await?;
    let logins = sample.into_iter().map(|m| m.number).collect();
    let mut middle_units = Vec::new();
    for depth in [3, 4] {
        let level = store
            .units_at_depth(&root.path, root.depth() + depth)
            .await?;
        middle_units.extend(
            level
                .iter()
                .filter(|u| u.kind != UnitKind::Branch)
                .map(|u| u.id),
        );
    }
    if middle_units.is_empty() {
        middle_units.push(root.id);
    }
    Ok(Dataset {
        units: store.count_units_within(&root.path).await? as usize,
        members: store.count_members(&root.path).await? as usize,
        root,
        admin: admin.id,
        settled,
        logins,
        middle_units,
    })
}

async fn generate(
    store: &Store,
    root_code: &UnitCode,
    members: usize,
    branches: usize,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Unit> {
    bar.set_message("generating units");
    let root = store
        .create_unit(
            NewUnit {
                parent: None,
                code: root_code.clone(),
                name: UnitName::parse(&format!("测评省 {root_code}"))?,
                kind: UnitKind::Province,
            },
            now,
        )
        .await?;
    // Levels of FAN_OUT children until the next level could hold every
    // branch, then the branches spread evenly over the last level.
    let mut level = vec![root.clone()];
    for (kind, word) in LEVELS {
        if level.len() * FAN_OUT >= branches {
            break;
        }
        level = add_level(store, &root, &level, FAN_OUT, kind, word, now).await?;
    }
    let per_parent = branches.div_ceil(level.len());
    let mut leaves = add_level(
        store,
        &root,
        &level,
        per_parent,
        UnitKind::Branch,
        "党支部",
        now,
    )
    .await?;
    leaves.truncate(branches);

    let password = NewPassword::parse(PASSWORD)?;
    let hash = hash_password(&password)?;
    bar.set_length(members as u64);
    bar.set_position(0);
    bar.set_message("generating members");
    let mut rows = Vec::with_capacity(MEMBER_BATCH);
    for serial in 0..members {
        let branch = &leaves[serial % leaves.len()];
        rows.push(MemberRow {
            row: serial + 2,
            name: PersonName::parse(&format!("成员{serial}"))?,
            number: MemberNumber::parse(&format!("{root_code}-{serial}"))?,
            unit: UnitRef::Code(UnitCode::parse(&branch.code)?),
            phone: None,
            role: Role::Member,
            unit_column: "unit".into(),
        });
        if rows.len() == MEMBER_BATCH || serial + 1 == members {
            import_rows(store, &rows, Some(&root.path), &password, now).await?;
            bar.inc(rows.len() as u64);
            rows.clear();
        }
    }
    store
        .create_member(
            NewMember {
                unit: root.id,
                number: MemberNumber::parse(&format!("{root_code}-admin"))?,
                name: PersonName::parse("测评管理员")?,
                phone: None,
                role: Role::Admin,
                password_hash: hash,
                must_change_password: false,
            },
            now,
        )
        .await?;
    Ok(root)
}

async fn add_level(
    store: &Store,
    root: &Unit,
    parents: &[Unit],
    per_parent: usize,
    kind: UnitKind,
    word: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Unit>> {
    let mut new = Vec::with_capacity(parents.len() * per_parent);
    for parent in parents {
        for i in 0..per_parent {
            new.push(NewUnit {
                parent: Some(parent.id),
                code: UnitCode::parse(&format!("{}-{i}", parent.code))?,
                name: UnitName::parse(&format!("{word}{i}"))?,
                kind,
            });
        }
    }
    store.create_units(&new, now).await?;
    let depth = parents.first().map_or(0, |p| p.depth() + 1);
    Ok(store.units_at_depth(&root.path, depth).await?)
}

/// Gives members the bench's password as one they chose (so that the
/// API and their pages let them in without the first-sign-in detour).
pub async fn settle(store: &Store, members: &[MemberId], now: DateTime<Utc>) -> Result<()> {
    let hash = hash_password(&NewPassword::parse(PASSWORD)?)?;
    Ok(store.set_password_hash(members, hash, false, now).await?)
}

/// Settles members and signs each in over the API: their `Authorization`
/// headers, in their order.
pub async fn bearers(
    store: &Store,
    members: &[MemberId],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    settle(store, members, now).await?;
    Ok(store
        .create_sessions(members, suyuan_store::auth::SessionKind::Api, now)
        .await?
        .iter()
        .map(|token| format!("Bearer {}", token.expose()))
        .collect())
}

/// The reading scenarios' world.
pub struct Reading {
    /// The campaign whose rows fill the marks table beforehand and take
    /// the storage baseline's inserts, so that neither touches the
    /// morning's days.
    pub storage: suyuan_core::campaigns::CampaignId,
    /// Excerpts of the storage campaign's plan.
    pub excerpts: Vec<suyuan_core::library::ExcerptId>,
    /// The morning's campaign: started for this run three weeks ago, with
    /// its members' history of reading and nothing read today yet.
    pub peak: suyuan_core::campaigns::Campaign,
}

/// Starts a campaign of the data set's root for `units` over `days`
/// (first and last), reading `collections`, with the default rules.
pub async fn start_campaign(
    store: &Store,
    dataset: &Dataset,
    title: &str,
    units: &[UnitId],
    (first, last): (chrono::NaiveDate, chrono::NaiveDate),
    collections: &[suyuan_core::library::CollectionId],
    now: DateTime<Utc>,
) -> Result<suyuan_core::campaigns::Campaign> {
    use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
    use suyuan_core::reading::{PointRules, ReadingPace};
    Ok(store
        .create_campaign(
            suyuan_store::campaigns::NewCampaign {
                owner: dataset.root.id,
                title: title.into(),
                theme: String::new(),
                calendar: Calendar::new(DEFAULT_ZONE, first, last)?,
                evening: chrono::NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
                pace: ReadingPace::default(),
                rules: PointRules::default(),
                units: units.to_vec(),
                collections: collections.to_vec(),
            },
            now,
        )
        .await?)
}

/// Rows per `add_marks` call when the marks table is filled beforehand.
const MARK_FILL_BATCH: usize = 20_000;
/// The storage campaign's title (found again by it on later runs).
const STORAGE_TITLE: &str = "测评学习活动";
/// Days the morning's campaign has run before today.
const PEAK_HISTORY_DAYS: i64 = 21;
/// Days the storage campaign runs either side of the day it starts.
const STORAGE_DAYS: i64 = 30;

/// Starts the morning's campaign with its history, then finds or starts
/// the storage campaign and fills the marks table with its rows until it
/// holds at least `marks` (the morning meets a table that weeks of a
/// province's reading have filled).
pub async fn prepare_reading(
    store: &Store,
    dataset: &Dataset,
    collections: &[suyuan_core::library::CollectionId],
    marks: usize,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Reading> {
    use chrono::Duration;
    use suyuan_core::campaigns::DEFAULT_ZONE;

    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    // It ends today, so that a later day's run does not find it running.
    let peak = start_campaign(
        store,
        dataset,
        "早读高峰",
        &[dataset.root.id],
        (today - Duration::days(PEAK_HISTORY_DAYS), today),
        collections,
        now,
    )
    .await?;
    super::history::add(store, &peak, now, bar).await?;
    let running = store
        .campaigns_within(&dataset.root.path)
        .await?
        .into_iter()
        .find(|c| c.title == STORAGE_TITLE && c.calendar.contains(today));
    let storage = match running {
        Some(campaign) => campaign,
        None => {
            start_campaign(
                store,
                dataset,
                STORAGE_TITLE,
                &[dataset.root.id],
                (
                    today - Duration::days(STORAGE_DAYS),
                    today + Duration::days(STORAGE_DAYS),
                ),
                collections,
                now,
            )
            .await?
        }
    };
    let excerpts: Vec<_> = store
        .plan_of(storage.id)
        .await?
        .into_iter()
        .map(|p| p.excerpt)
        .collect();
    if excerpts.is_empty() || dataset.settled.is_empty() {
        anyhow::bail!("the bench campaign has nothing to read");
    }
    fill_marks(store, &storage, marks, now, bar).await?;
    Ok(Reading {
        storage: storage.id,
        excerpts,
        peak,
    })
}

/// Fills the marks table with the storage campaign's reading until it
/// holds at least `marks` rows, as its members read: each day before
/// today, every member reads that day's assignment, one member after
/// another, so that no member has more than a day's reading a day. Its
/// summaries are then counted from the marks.
async fn fill_marks(
    store: &Store,
    storage: &suyuan_core::campaigns::Campaign,
    marks: usize,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<()> {
    use suyuan_core::reading::MarkKind;
    use suyuan_store::reading::{NewMark, new_mark_id};

    let have = store.count_marks().await? as usize;
    if have >= marks {
        return Ok(());
    }
    let today = storage.calendar.date_at(now);
    let scoring = store.scoring(storage).await?;
    let members: Vec<MemberId> = store
        .members_of_campaign(storage)
        .await?
        .into_iter()
        .map(|(member, _)| member)
        .collect();
    // The days before today, the latest first, each with its readings.
    let readings: Vec<(chrono::NaiveDate, suyuan_core::library::ExcerptId)> = scoring
        .plan
        .range(..today)
        .rev()
        .flat_map(|(day, excerpts)| excerpts.iter().map(move |e| (*day, *e)))
        .collect();
    // Rows are numbered from the table's size on, so that a later run
    // adds to what an earlier one wrote rather than repeating it.
    let last = marks.min(readings.len() * members.len());
    if have >= last {
        return Ok(());
    }
    bar.set_message("filling the marks table");
    bar.set_length((last - have) as u64);
    bar.set_position(0);
    let mut made = have;
    while made < last {
        let size = MARK_FILL_BATCH.min(last - made);
        let batch: Vec<NewMark> = (made..made + size)
            .map(|i| {
                let (day, excerpt) = readings[i / members.len()];
                Ok(NewMark {
                    id: new_mark_id()?,
                    campaign: storage.id,
                    member: members[i % members.len()],
                    excerpt,
                    read_on: day,
                    kind: MarkKind::OnTime,
                    seconds: 120,
                    recorded_at: now,
                })
            })
            .collect::<Result<_, suyuan_store::StoreError>>()?;
        store.add_marks(&batch).await?;
        made += size;
        bar.set_position((made - have) as u64);
    }
    bar.set_message("counting the storage campaign's reading");
    store.rebuild_progress(storage).await?;
    Ok(())
}
