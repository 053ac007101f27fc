//! Generated history: what a campaign's members read on its days before
//! today, written as marks in bulk, with the summaries the recount's own
//! functions derive from them loaded beside (as if every mark had come
//! through the writer).

use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use indicatif::ProgressBar;

use suyuan_core::campaigns::Campaign;
use suyuan_core::library::ExcerptId;
use suyuan_core::progress::counts::{last_run, reading_days};
use suyuan_core::reading::{MarkId, MarkKind};
use suyuan_store::Store;
use suyuan_store::progress::Recounted;
use suyuan_store::reading::NewMark;

/// Marks written per `add_marks` call (one transaction each).
const MARK_BATCH: usize = 50_000;

/// A number in [0, 1) from a member and a day, the same on every run.
pub fn chance(member: i64, day: i64) -> f64 {
    let mut x = (member as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (day as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Adds the reading of every member of `campaign` on its days before
/// today: each member has their own diligence, most read most days, some
/// catch up the day after. Gives the marks written.
pub async fn add(
    store: &Store,
    campaign: &Campaign,
    now: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<u64> {
    let today = campaign.calendar.date_at(now);
    let scoring = store.scoring(campaign).await?;
    let members = store.members_of_campaign(campaign).await?;
    let past: Vec<(NaiveDate, Vec<ExcerptId>)> = scoring
        .plan
        .range(..today)
        .map(|(day, excerpts)| (*day, excerpts.iter().copied().collect()))
        .collect();
    bar.set_message("generating the campaign's history of reading");
    bar.set_length(members.len() as u64);
    bar.set_position(0);
    let mut recounted = Recounted::default();
    let mut batch: Vec<NewMark> = Vec::with_capacity(MARK_BATCH + 64);
    let mut serial: u64 = 0;
    let mut written: u64 = 0;
    let unix_ms = now.timestamp_millis().max(0) as u64;
    // Ids unique to this campaign, so that two histories never share one.
    let campaign_bits = (campaign.id.0 as u16).to_be_bytes();
    for (member, path) in &members {
        let diligence = 0.55 + 0.4 * chance(member.0, -1);
        let mut mine = Vec::new();
        for (day, excerpts) in &past {
            let roll = chance(member.0, (*day - NaiveDate::MIN).num_days());
            let (read_on, kind) = if roll < diligence {
                (*day, MarkKind::OnTime)
            } else if roll < diligence + 0.1 && *day + Duration::days(1) < today {
                (*day + Duration::days(1), MarkKind::Late)
            } else {
                continue;
            };
            for excerpt in excerpts {
                serial += 1;
                let mut random = [0u8; 10];
                random[..2].copy_from_slice(&campaign_bits);
                random[2..].copy_from_slice(&serial.to_be_bytes());
                let mark = NewMark {
                    id: MarkId::v7(unix_ms, random),
                    campaign: campaign.id,
                    member: *member,
                    excerpt: *excerpt,
                    read_on,
                    kind,
                    seconds: 120,
                    recorded_at: now,
                };
                mine.push((mark.read_on, mark.kind, mark.excerpt));
                batch.push(mark);
            }
        }
        recounted.add(
            member.0,
            path,
            reading_days(&campaign.rules, &scoring.plan, &mine),
            last_run(&scoring.plan, &mine),
        );
        if batch.len() >= MARK_BATCH {
            store.add_marks(&batch).await?;
            written += batch.len() as u64;
            batch.clear();
        }
        bar.inc(1);
    }
    store.add_marks(&batch).await?;
    written += batch.len() as u64;
    bar.set_message("loading the summaries");
    store.load_progress(campaign, &recounted).await?;
    Ok(written)
}
