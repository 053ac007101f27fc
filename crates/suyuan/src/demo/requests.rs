//! The demo's requests from the people: eight categories with their
//! clocks, routing rules for Xihu (roads to the district, street lights to
//! Cuiyuan's street office), the working-day calendar of 2026 and 2027
//! read from the same CSV an admin imports, and a few hundred requests
//! over the last two months played through the same steps a unit takes —
//! waiting, in hand, answered, rated, confirmed or left to lapse, reopened,
//! sent on and back, more time asked for, a few hidden — with the round
//! run once at the end (so today's figures hold every lapse and
//! escalation the past weeks would have had), some standing overdue and
//! escalated.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use suyuan_core::members::MemberNumber;
use suyuan_core::requests::{
    Category, ClockRules, Clocks, Contact, Span, Stars, Submission, Urgency, WorkCalendar,
};
use suyuan_core::units::{UnitCode, UnitKind};
use suyuan_store::Store;
use suyuan_store::requests::{NewRequest, RequestFilter, Response};

use super::Dice;

/// (code, name, group, what it covers)
const CATEGORIES: [(&str, &str, &str, &str); 8] = [
    (
        "roads",
        "道路与井盖",
        "城市管理",
        "路面坑洼、井盖缺失或松动、人行道破损",
    ),
    (
        "lights",
        "路灯照明",
        "城市管理",
        "路灯不亮、白天常亮、灯杆倾斜",
    ),
    (
        "sanitation",
        "环境卫生",
        "城市管理",
        "垃圾清运不及时、卫生死角、乱堆乱放",
    ),
    (
        "water",
        "供水与排水",
        "生活服务",
        "停水、水压低、下水道堵塞、路面积水",
    ),
    (
        "noise",
        "噪音扰民",
        "生活服务",
        "夜间施工、商铺外放、广场舞音量",
    ),
    (
        "property",
        "物业与小区管理",
        "生活服务",
        "电梯故障、门禁损坏、车棚与停车",
    ),
    (
        "elderly",
        "养老服务",
        "民生保障",
        "助餐、助浴、上门探访、适老化改造",
    ),
    (
        "policy",
        "政策咨询",
        "民生保障",
        "社保、医保、户籍、入学等政策问题",
    ),
];

/// What people write, per category: (description, address).
const WRITTEN: [(&str, &str, &str); 16] = [
    (
        "roads",
        "小区门口的井盖松动，车一压就响，晚上怕有人踩空。",
        "文三路 12 号门口",
    ),
    (
        "roads",
        "人行道地砖翘起好几块，老人走路容易绊倒。",
        "学院路与文三路交叉口东北角",
    ),
    (
        "lights",
        "3 号楼前的路灯坏了一个多星期，晚上一片漆黑。",
        "3 号楼前主干道",
    ),
    (
        "lights",
        "路灯白天也一直亮着，浪费电。",
        "小区北门到菜场的小路",
    ),
    (
        "sanitation",
        "垃圾桶两天没人清运，气味很大，招苍蝇。",
        "5 幢旁垃圾分类亭",
    ),
    (
        "sanitation",
        "楼道里堆满了旧家具和纸箱，消防通道被堵。",
        "12 幢 2 单元楼道",
    ),
    (
        "water",
        "早上 7 点开始停水，没有提前通知，家里有老人。",
        "8 幢全楼",
    ),
    (
        "water",
        "一下雨路口就积水，没过脚踝，电动车没法过。",
        "南门外路口",
    ),
    (
        "noise",
        "隔壁工地晚上 11 点以后还在施工，孩子睡不着。",
        "小区东侧在建工地",
    ),
    (
        "noise",
        "广场舞音响开得太大，晚上 9 点半还没停。",
        "社区中心广场",
    ),
    (
        "property",
        "1 号楼电梯三天坏了两次，有人被困过。",
        "1 号楼电梯",
    ),
    (
        "property",
        "单元门禁坏了，陌生人随便进出，不安全。",
        "7 幢 1 单元",
    ),
    (
        "elderly",
        "独居的父亲 85 岁，想申请老年食堂送餐上门，不知道找谁。",
        "15 幢 302 室",
    ),
    (
        "elderly",
        "想给家里卫生间装扶手，听说有适老化改造补贴，怎么申请？",
        "9 幢 101 室",
    ),
    (
        "policy",
        "孩子明年上小学，户口不在本区，需要准备哪些材料？",
        "社区居民",
    ),
    (
        "policy",
        "退休后医保怎么转到本地？跑了两次没弄明白。",
        "社区居民",
    ),
];

/// What units answer, per category.
const ANSWERS: [(&str, &str); 8] = [
    (
        "roads",
        "已联系区城管局，当天更换了井盖并做了加固，请您留意是否还有响动。",
    ),
    ("lights", "维修人员已更换灯泡和镇流器，路灯恢复正常。"),
    (
        "sanitation",
        "已协调环卫公司增加清运频次，杂物已清理，消防通道已打通。",
    ),
    (
        "water",
        "供水管道抢修完毕，已恢复供水；积水点已安排疏通雨水管。",
    ),
    (
        "noise",
        "已与工地和广场舞队沟通，夜间 10 点后停止施工和外放。",
    ),
    (
        "property",
        "物业已请电梯公司全面检修，门禁已更换新的读卡器。",
    ),
    (
        "elderly",
        "社区已为老人登记送餐上门，并上门讲解了适老化改造补贴的申请办法。",
    ),
    (
        "policy",
        "已电话回复所需材料清单，并约好时间由社工陪同到窗口办理。",
    ),
];

const NAMES: [&str; 8] = [
    "王阿姨",
    "李先生",
    "张女士",
    "陈大伯",
    "刘同学",
    "赵师傅",
    "周女士",
    "吴先生",
];

/// The named days of a year as an admin's CSV would give them:
/// public holidays (休) and the weekend days worked for them (班). 2026's
/// follows the State Council's notice; 2027's is a stand-in until its
/// notice is imported.
fn calendar_csv(year: i32) -> String {
    let days: &[(&str, &str)] = match year {
        2026 => &[
            ("01-01", "休"),
            ("01-02", "休"),
            ("01-03", "休"),
            ("01-04", "班"),
            ("02-14", "班"),
            ("02-15", "休"),
            ("02-16", "休"),
            ("02-17", "休"),
            ("02-18", "休"),
            ("02-19", "休"),
            ("02-20", "休"),
            ("02-21", "休"),
            ("02-22", "休"),
            ("02-23", "休"),
            ("02-28", "班"),
            ("04-04", "休"),
            ("04-05", "休"),
            ("04-06", "休"),
            ("05-01", "休"),
            ("05-02", "休"),
            ("05-03", "休"),
            ("05-04", "休"),
            ("05-05", "休"),
            ("05-09", "班"),
            ("06-19", "休"),
            ("06-20", "休"),
            ("06-21", "休"),
            ("09-20", "班"),
            ("09-25", "休"),
            ("09-26", "休"),
            ("09-27", "休"),
            ("10-01", "休"),
            ("10-02", "休"),
            ("10-03", "休"),
            ("10-04", "休"),
            ("10-05", "休"),
            ("10-06", "休"),
            ("10-07", "休"),
            ("10-10", "班"),
        ],
        _ => &[
            ("01-01", "休"),
            ("02-06", "休"),
            ("02-07", "休"),
            ("02-08", "休"),
            ("02-09", "休"),
            ("02-10", "休"),
            ("02-11", "休"),
            ("02-12", "休"),
            ("02-13", "休"),
            ("02-14", "班"),
            ("02-20", "班"),
            ("04-05", "休"),
            ("05-01", "休"),
            ("05-02", "休"),
            ("05-03", "休"),
            ("05-04", "休"),
            ("05-05", "休"),
            ("05-08", "班"),
            ("06-09", "休"),
            ("09-15", "休"),
            ("10-01", "休"),
            ("10-02", "休"),
            ("10-03", "休"),
            ("10-04", "休"),
            ("10-05", "休"),
            ("10-06", "休"),
            ("10-07", "休"),
            ("10-09", "班"),
        ],
    };
    let mut csv = String::from("日期,类型\n");
    for (day, kind) in days {
        csv.push_str(&format!("{year}-{day},{kind}\n"));
    }
    csv
}

/// Requests the demo plays through.
const REQUESTS: usize = 260;

pub async fn seed_requests(store: &Store, now: DateTime<Utc>) -> Result<()> {
    if store.count_requests(&RequestFilter::default()).await? > 0 {
        println!("Reusing the requests already in the database.");
        return Ok(());
    }
    let zone = suyuan_core::campaigns::DEFAULT_ZONE;
    for year in [2026, 2027] {
        let rows = suyuan_core::table::read(calendar_csv(year).as_bytes())?;
        let days = WorkCalendar::read_year(year, &rows)?;
        store.set_calendar_year(year, &days).await?;
    }
    let mut categories = Vec::new();
    for (position, (code, name, group, description)) in CATEGORIES.into_iter().enumerate() {
        let clocks = match code {
            // Water cannot wait; policy questions take looking up.
            "water" => ClockRules {
                normal: Clocks {
                    acknowledge: Span::Hours(2),
                    resolve: Span::WorkingDays(2),
                },
                ..ClockRules::default()
            },
            "policy" => ClockRules {
                normal: Clocks {
                    acknowledge: Span::WorkingDays(1),
                    resolve: Span::WorkingDays(10),
                },
                ..ClockRules::default()
            },
            _ => ClockRules::default(),
        };
        let category = Category::new(code, name, description, group, clocks)?;
        categories.push(
            store
                .save_request_category(&category, i32::try_from(position)?, true)
                .await?,
        );
    }
    let xihu = store.unit_by_code(&UnitCode::parse("zj-hz-xh")?).await?;
    let cuiyuan_street = store.unit_by_code(&UnitCode::parse("zj-hz-xh-cy")?).await?;
    let by_code = |code: &str| categories.iter().find(|c| c.category.code.as_str() == code);
    store
        .set_routing_rule(by_code("roads"), &xihu, &xihu)
        .await?;
    store
        .set_routing_rule(by_code("lights"), &cuiyuan_street, &cuiyuan_street)
        .await?;
    let areas = store
        .units_of_kinds(&[UnitKind::Community, UnitKind::Village])
        .await?;
    let admin = store
        .member_by_number(&MemberNumber::parse("province-admin")?)
        .await?
        .id;
    let mut dice = Dice(0x5EED_0030);
    for index in 0..REQUESTS {
        // The Xihu communities get the most: the demo's logins look there.
        let area = if index % 3 == 0 {
            &areas[(dice.next() % areas.len() as u64) as usize]
        } else {
            let xihu_areas: Vec<_> = areas
                .iter()
                .filter(|a| xihu.path.contains(&a.path))
                .collect();
            xihu_areas[(dice.next() % xihu_areas.len() as u64) as usize]
        };
        let (code, description, address) = WRITTEN[(dice.next() % WRITTEN.len() as u64) as usize];
        let Some(category) = by_code(code) else {
            continue;
        };
        let urgency = if dice.next().is_multiple_of(10) {
            Urgency::Urgent
        } else {
            Urgency::Normal
        };
        let submission = Submission::new(description, address, None, urgency)?;
        let contact = match dice.next() % 3 {
            0 => Contact::default(),
            n => Contact::new(
                NAMES[(dice.next() % NAMES.len() as u64) as usize],
                &format!("13{}{:08}", 5 + n, dice.next() % 100_000_000),
                "",
            )?,
        };
        // Spread over the last 60 days.
        let minutes = (dice.next() % (60 * 24 * 60)) as i64;
        let received = now - Duration::minutes(minutes);
        let photos = if index % 37 == 5 {
            vec![super::pledges::evidence_photo(dice.next())?]
        } else {
            Vec::new()
        };
        let request = store
            .submit_request(
                NewRequest {
                    category,
                    submission: &submission,
                    area,
                    contact: &contact,
                    zone,
                    key: None,
                    photos: &photos,
                },
                received,
            )
            .await?;
        play(store, &mut dice, &request, admin, now).await?;
    }
    let round = store.request_round(now).await?;
    let counts = store
        .request_counts(
            store.root_units().await?[0].id,
            now.date_naive() - Duration::days(366),
            now.date_naive() + Duration::days(1),
        )
        .await?;
    println!(
        "Made {REQUESTS} requests ({} resolved by lapse, {} escalated now; response {}, resolution {}, satisfaction {}).",
        round.lapsed,
        round.escalated.len(),
        counts.response_rate().percent(),
        counts.resolution_rate().percent(),
        counts.satisfaction_rate().percent()
    );
    Ok(())
}

/// Plays one request through what its unit and requester do, each step
/// at its own time before `now`.
async fn play(
    store: &Store,
    dice: &mut Dice,
    request: &suyuan_store::requests::Request,
    by: suyuan_core::members::MemberId,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = request.id;
    let fate = dice.next() % 100;
    // A few are never taken on: they climb the tree.
    if fate < 4 {
        return Ok(());
    }
    // Most are taken on within the hour or two; one in seven late.
    let delay = if dice.next().is_multiple_of(7) {
        300 + dice.next() % 300
    } else {
        10 + dice.next() % 150
    };
    let mut at = request.received_at + Duration::minutes(delay as i64);
    if at >= now {
        return Ok(());
    }
    if fate < 8 && request.unit.parent_id.is_some() {
        // Not ours: back up within the day; the level above takes it.
        store
            .send_request_back(id, "不属于本单位职责范围，请上级改派。", by, at)
            .await?;
        at += Duration::hours(2);
    }
    if at >= now {
        return Ok(());
    }
    store.acknowledge_request(id, by, at).await?;
    let current = store.request(id).await?;
    if fate.is_multiple_of(11) {
        let below = store.children(current.unit.id).await?;
        if let Some(to) = below.first() {
            at += Duration::hours(1);
            store
                .send_request_on(id, to, "请属地社区上门核实处理。", by, at)
                .await?;
        }
    }
    // The recent ones partly still in hand; a few older ones too, past
    // their deadline.
    let recent = now - request.received_at < Duration::days(6);
    if (fate < 20 && recent) || fate < 7 {
        if fate.is_multiple_of(5) {
            let due = store.request(id).await?.handling.resolve_due;
            store
                .ask_request_extension(
                    id,
                    due + Duration::days(5),
                    "需要协调产权单位，等待维修配件。",
                    by,
                    at + Duration::hours(3),
                )
                .await?;
        }
        return Ok(());
    }
    at += Duration::hours(6 + (dice.next() % 120) as i64);
    if at >= now {
        return Ok(());
    }
    let answer = ANSWERS
        .iter()
        .find(|(code, _)| *code == request.category.category.code.as_str())
        .map_or("已处理。", |(_, a)| *a);
    store.answer_request(id, answer, by, at).await?;
    at += Duration::hours(3 + (dice.next() % 48) as i64);
    if at >= now {
        return Ok(());
    }
    let stars = |n: i64| Stars::new(n);
    match dice.next() % 10 {
        // Left unanswered: resolved when the window lapses.
        0..=2 => {}
        // Not solved: reopened, answered again, then confirmed.
        3 => {
            store
                .respond_to_request(
                    id,
                    &Response::Reopen {
                        stars: Some(stars(1 + (dice.next() % 2) as i64)?),
                        reason: "问题还在，希望再来看看。".into(),
                    },
                    at,
                )
                .await?;
            at += Duration::days(1 + (dice.next() % 3) as i64);
            if at < now {
                store
                    .answer_request(id, "已再次上门处理，并约定一周后回访。", by, at)
                    .await?;
                at += Duration::hours(5);
                if at < now && dice.next().is_multiple_of(2) {
                    store
                        .respond_to_request(id, &Response::Confirm(stars(4)?), at)
                        .await?;
                }
            }
        }
        n => {
            let given = match n {
                4 => 3,
                5..=7 => 4,
                _ => 5,
            };
            store
                .respond_to_request(id, &Response::Confirm(stars(given)?), at)
                .await?;
        }
    }
    if fate == 99 {
        store
            .set_request_hidden(id, true, "含辱骂内容", by, at + Duration::hours(1))
            .await?;
    }
    Ok(())
}
