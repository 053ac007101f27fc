//! The demo's gatherings: every branch's weekly study on the plan's
//! topic, Xihu District's monthly lecture, and two themed activity days —
//! Xihu's visit to Xiajiang Village (past) and Chun'an County's at the
//! constitution exhibition hall (to come). Past gatherings have their
//! attendance, leave, minutes and reflections; `cuiyuan-member` came to
//! all of them but one, for which leave was approved.

use anyhow::Result;
use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use std::collections::HashMap;

use suyuan_app::gatherings::{Planned, plan};
use suyuan_core::gatherings::Details;
use suyuan_core::gatherings::{
    Attendance, Kind, LeaveDecision, Nth, Recurrence, ReflectionReview, Schedule, Text,
};
use suyuan_core::members::{MemberId, MemberNumber};
use suyuan_core::units::{UnitCode, UnitKind};
use suyuan_store::Store;
use suyuan_store::gatherings::Gathering;
use suyuan_store::members::{Member, MemberFilter};
use suyuan_store::units::Unit;

use super::{Dice, PROVINCE_CODE};

const MINUTES: [&str; 4] = [
    "支部书记领学本周篇目，结合工作实际逐条讨论；{n} 名党员发言，围绕依法办事、服务群众提出具体做法。会议明确下周各人学习任务。",
    "集中观看专题片后交流体会。大家认为学法要落到日常工作中，会上确定为群众办实事事项两件，由支委分工落实。",
    "先由一名党员领读，再分组讨论。讨论中梳理了工作中遇到的三个法律问题，会后汇总上报。{n} 人参加。",
    "学习本周主题，书记作小结：要把学习成果转化为为民服务的实际行动。会议通报了上一阶段学习积分情况。",
];

const REFLECTIONS: [&str; 5] = [
    "通过这次学习，我对宪法作为根本法的地位有了更深的认识。今后在社区工作中要做到依法办事，耐心听取群众意见。",
    "学习让我认识到，法治不只是条文，更是日常工作中的每一个细节。我会把所学用在调解邻里纠纷上。",
    "这次讨论很有收获。结合自己的岗位，我体会到办事要有依据、有程序，更要有温度。",
    "以前对这部法律只是知道名字，这次逐条学习后，明白了它与我们工作的关系，下一步要带头学、带头用。",
    "听了大家的发言很受启发，准备把学到的内容讲给家里人和楼道里的邻居听。",
];

/// What past gatherings' members did, roughly: most came, a few late, a
/// few on leave, the rest absent.
fn roll_call(dice: &mut Dice) -> Option<Attendance> {
    match dice.next() % 100 {
        0..=74 => Some(Attendance::Present),
        75..=81 => Some(Attendance::Late),
        82..=87 => None, // asked for leave
        _ => Some(Attendance::Absent),
    }
}

pub async fn seed_gatherings(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    let Some(campaign) = store
        .campaigns_within(&province.path)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let calendar = campaign.calendar;
    let span = (
        calendar.instant(calendar.start, NaiveTime::MIN) - Duration::days(1),
        calendar.instant(calendar.end, NaiveTime::MIN) + Duration::days(2),
    );
    if !store
        .gatherings_within(&province.path, span.0, span.1)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let organizer = store
        .member_by_number(&MemberNumber::parse("province-admin")?)
        .await?
        .id;
    let units = store.subtree(&province.path, false).await?;
    let mut planned = Vec::new();
    let time = |hour, minute| NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
    // Weekly study takes each week's topic from the plan.
    for (index, branch) in units
        .iter()
        .filter(|u| u.kind == UnitKind::Branch)
        .enumerate()
    {
        let weekday = [Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri][index % 4];
        planned.push(Planned {
            unit: branch.id,
            campaign: Some(campaign.clone()),
            kind: Kind::WeeklyStudy,
            details: Details {
                title: format!("{}周学习", branch.name),
                ..Details::default()
            },
            schedule: Schedule {
                recurrence: Recurrence::Weekly(weekday),
                from: calendar.start,
                until: calendar.end,
                starts: time(19, 30),
                minutes: 90,
            }
            .validate()?,
        });
    }
    let xihu = store.unit_by_code(&UnitCode::parse("zj-hz-xh")?).await?;
    planned.push(Planned {
        unit: xihu.id,
        campaign: Some(campaign.clone()),
        kind: Kind::Lecture,
        details: Details {
            title: "月讲：宪法与基层治理".into(),
            topic: "从宪法规定看社区治理中的权利与义务".into(),
            speaker: "区委党校 王立新 教授".into(),
            place: "西湖区行政中心三楼报告厅".into(),
            materials: "《中华人民共和国宪法》总纲、公民的基本权利和义务两章".into(),
            ..Details::default()
        },
        schedule: Schedule {
            recurrence: Recurrence::MonthlyOnWeekday(Nth::Last, Weekday::Thu),
            from: calendar.start,
            until: calendar.end,
            starts: time(14, 30),
            minutes: 120,
        }
        .validate()?,
    });
    let once = |days_from_today: i64, hour: u32| -> Result<Schedule> {
        let date = calendar.date_at(now) + Duration::days(days_from_today);
        Ok(Schedule {
            recurrence: Recurrence::Once,
            from: date,
            until: date,
            starts: time(hour, 0),
            minutes: 240,
        }
        .validate()?)
    };
    planned.push(Planned {
        unit: xihu.id,
        campaign: Some(campaign.clone()),
        kind: Kind::ActivityDay,
        details: Details {
            title: "主题党日：走进下姜村".into(),
            topic: "学习乡村振兴中的法治实践，重走“千万工程”足迹".into(),
            place: "淳安县枫树岭镇下姜村".into(),
            meeting_point: "7:30 西湖区行政中心北门集合乘车".into(),
            materials: "下姜村村规民约；《中华人民共和国乡村振兴促进法》".into(),
            ..Details::default()
        },
        schedule: once(-9, 8)?,
    });
    let chunan = store.unit_by_code(&UnitCode::parse("zj-hz-ca")?).await?;
    planned.push(Planned {
        unit: chunan.id,
        campaign: Some(campaign.clone()),
        kind: Kind::ActivityDay,
        details: Details {
            title: "主题党日：参观宪法宣传教育馆".into(),
            topic: "宪法宣誓，重温入党誓词".into(),
            place: "宪法宣传教育馆".into(),
            meeting_point: "8:30 千岛湖镇政府门口集合".into(),
            ..Details::default()
        },
        schedule: once(6, 9)?,
    });
    // A short campaign (little material) may hold no last Thursday.
    planned.retain(|p| !p.schedule.dates().is_empty());
    let ids = plan(store, planned, organizer, now).await?;
    println!("Planned {} gatherings.", ids.len());

    let past: Vec<Gathering> = store
        .gatherings_within(&province.path, span.0, now)
        .await?
        .into_iter()
        .filter(|g| g.slot.is_over(now))
        .collect();
    let mut dice = Dice(0x5359_5541_4E00_0004);
    let mut members_of: HashMap<i64, Vec<Member>> = HashMap::new();
    let mut model_on_leave = false;
    for gathering in &past {
        let members = match members_of.get(&gathering.unit.id.0) {
            Some(members) => members.clone(),
            None => {
                let members = members_within(store, &gathering.unit).await?;
                members_of.insert(gathering.unit.id.0, members.clone());
                members
            }
        };
        let with_reflections = xihu.path.contains(&gathering.unit.path);
        record_past(
            store,
            gathering,
            &members,
            Recorder {
                organizer,
                now,
                with_reflections,
            },
            &mut dice,
            &mut model_on_leave,
        )
        .await?;
    }
    let closed = store.close_ended(now).await?;
    println!("Recorded attendance, minutes and reflections of {closed} past gatherings.");
    Ok(())
}

async fn members_within(store: &Store, unit: &Unit) -> Result<Vec<Member>> {
    Ok(store
        .list_members(&MemberFilter {
            within: unit.path.clone(),
            only: None,
            limit: u64::MAX >> 1,
            offset: 0,
        })
        .await?)
}

/// Who records a past gathering, as of when, and whether members write
/// reflections on it.
struct Recorder {
    organizer: MemberId,
    now: DateTime<Utc>,
    with_reflections: bool,
}

/// One past gathering's record: the roll, leave asked and approved,
/// minutes, and a few reflections, most accepted.
async fn record_past(
    store: &Store,
    gathering: &Gathering,
    members: &[Member],
    recorder: Recorder,
    dice: &mut Dice,
    model_on_leave: &mut bool,
) -> Result<()> {
    let Recorder {
        organizer,
        now,
        with_reflections,
    } = recorder;
    let slot = gathering.slot;
    let mut marks = Vec::new();
    let mut on_leave = Vec::new();
    for member in members {
        let model = member.number == "cuiyuan-member";
        let status = if model {
            // One approved leave, then present.
            if !*model_on_leave && gathering.kind == Kind::WeeklyStudy {
                *model_on_leave = true;
                None
            } else {
                Some(Attendance::Present)
            }
        } else {
            roll_call(dice)
        };
        match status {
            Some(status) => marks.push((member.id, status)),
            None => on_leave.push(member),
        }
    }
    store
        .mark_many(gathering.id, &marks, organizer, slot.ends_at)
        .await?;
    for member in on_leave {
        let reason = ["出差", "值班", "身体不适", "家中有事"][(dice.next() % 4) as usize];
        store
            .ask_leave(
                gathering,
                member.id,
                &Text::required("reason", reason)?,
                slot.starts_at - Duration::days(1),
            )
            .await?;
        store
            .decide_leave(
                gathering.id,
                member.id,
                LeaveDecision::Approve,
                organizer,
                slot.starts_at - Duration::hours(20),
            )
            .await?;
    }
    let template = MINUTES[(dice.next() % MINUTES.len() as u64) as usize];
    store
        .set_minutes(
            gathering.id,
            &Text::optional(
                "minutes",
                &template.replace("{n}", &marks.len().to_string()),
            )?,
            slot.ends_at,
        )
        .await?;
    if !with_reflections {
        return Ok(());
    }
    let writers: Vec<MemberId> = marks
        .iter()
        .filter(|(_, status)| status.attended())
        .map(|(id, _)| *id)
        .filter(|id| {
            members
                .iter()
                .any(|m| m.id == *id && m.number == "cuiyuan-member")
                || dice.next() % 100 < 8
        })
        .take(5)
        .collect();
    for (n, writer) in writers.into_iter().enumerate() {
        let text = REFLECTIONS[(dice.next() % REFLECTIONS.len() as u64) as usize];
        let written = (slot.ends_at + Duration::hours(2)).min(now);
        store
            .submit_reflection(gathering, writer, &Text::required("text", text)?, written)
            .await?;
        let reviewed = (written + Duration::hours(18)).min(now);
        // Most are accepted; one in six waits; now and then one is returned.
        match (n, dice.next() % 6) {
            (_, 0) => {}
            (_, 1) => {
                store
                    .review_reflection(
                        gathering.id,
                        writer,
                        &ReflectionReview::return_with("请结合本职工作再谈具体做法。")?,
                        organizer,
                        reviewed,
                    )
                    .await?
            }
            _ => {
                store
                    .review_reflection(
                        gathering.id,
                        writer,
                        &ReflectionReview::accept("")?,
                        organizer,
                        reviewed,
                    )
                    .await?
            }
        }
    }
    Ok(())
}
