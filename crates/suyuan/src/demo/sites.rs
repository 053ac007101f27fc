//! The demo's teaching sites: Hangzhou's network of 21 (memorial and
//! exhibition halls, historic sites, villages, community centres), two
//! routes, a site manager for the "May 4th Constitution" hall and the
//! memorial hall of the Party's Hangzhou group, and a season of bookings:
//! past visits checked in at the door, a few no-shows and cancellations,
//! and the coming fortnight's bookings with a waiting list where a slot
//! is full. Coordinates are approximate.

use anyhow::Result;
use chrono::{DateTime, Datelike, Duration, Utc};

use suyuan_core::members::MemberNumber;
use suyuan_core::sites::{
    Contact, Coordinates, CreditCode, NoShowRule, OpeningHours, OrgIdentity, Organization, Party,
    SiteDetails, SiteId, SlotTimes, VisitRules,
};
use suyuan_core::units::UnitCode;
use suyuan_store::Store;
use suyuan_store::sites::{Asker, RouteStop, Site, SiteForm};

use super::{Dice, person};

/// (managing unit, name, kind, address, latitude, longitude, description)
const SITES: [(&str, &str, &str, &str, f64, f64, &str); 21] = [
    (
        "zj-hz-xh-memorial",
        "\"五四宪法\"历史资料陈列馆",
        "exhibition_hall",
        "杭州市西湖区北山街84号",
        30.2627,
        120.1402,
        "1953年底至1954年初，新中国第一部宪法的起草小组在杭州工作了七十多天，形成了宪法草案初稿。\n陈列馆以文献、照片和实物讲述“五四宪法”的起草过程，是学习宪法的现场课堂。",
    ),
    (
        "zj-hz-sc",
        "中共杭州小组纪念馆",
        "memorial_hall",
        "杭州市上城区皮市巷3号",
        30.2601,
        120.1718,
        "1922年9月，中共杭州小组在这里成立，是杭州最早的党组织。\n纪念馆复原了当年的活动场景，展出早期党员的生平和革命活动。",
    ),
    (
        "zj-hz-xh",
        "浙江革命烈士纪念馆",
        "memorial_hall",
        "杭州市西湖区龙井路",
        30.2447,
        120.1339,
        "纪念馆陈列浙江革命烈士的事迹与遗物，是开展革命传统教育的重要场所。",
    ),
    (
        "zj-hz-xh",
        "岳王庙",
        "historic_site",
        "杭州市西湖区北山街80号",
        30.2612,
        120.1374,
        "岳飞墓庙，讲述精忠报国的故事。",
    ),
    (
        "zj-hz-xh",
        "于谦祠",
        "historic_site",
        "杭州市西湖区三台山路",
        30.2366,
        120.1398,
        "明代名臣于谦的祠堂，“粉骨碎身浑不怕，要留清白在人间”。",
    ),
    (
        "zj-hz-xh",
        "章太炎纪念馆",
        "memorial_hall",
        "杭州市西湖区南山路",
        30.2319,
        120.1492,
        "近代思想家章太炎的纪念馆，展出其生平与著述。",
    ),
    (
        "zj-hz-xh",
        "张苍水先生祠",
        "historic_site",
        "杭州市西湖区南山路",
        30.2305,
        120.1468,
        "明末抗清英雄张煌言的祠堂。",
    ),
    (
        "zj-hz-xh-cy-cy1",
        "翠苑一区社区党群服务中心",
        "community",
        "杭州市西湖区翠苑一区",
        30.2842,
        120.1291,
        "社区“红色议事厅”和党员志愿服务站，展示基层治理的日常做法。",
    ),
    (
        "zj-hz-sc",
        "杭州党史馆",
        "exhibition_hall",
        "杭州市上城区",
        30.2523,
        120.1688,
        "以杭州地方党史为主线，展示杭州党组织的发展历程。",
    ),
    (
        "zj-hz-sc",
        "马寅初纪念馆",
        "memorial_hall",
        "杭州市上城区庆春路",
        30.2608,
        120.1762,
        "经济学家、教育家马寅初的故居纪念馆。",
    ),
    (
        "zj-hz-sc-hb",
        "湖滨社区党群服务中心",
        "community",
        "杭州市上城区湖滨街道",
        30.2566,
        120.1638,
        "湖滨社区“邻里议事”和志愿服务的阵地。",
    ),
    (
        "zj-hz-sc-qh",
        "清河坊街区党建馆",
        "community",
        "杭州市上城区河坊街",
        30.2443,
        120.1684,
        "历史文化街区里的党建馆，讲述老街的保护与新生。",
    ),
    (
        "zj-hz-bj",
        "滨江区党群服务中心",
        "community",
        "杭州市滨江区江南大道",
        30.2085,
        120.2107,
        "展示高新区党建与企业发展的融合。",
    ),
    (
        "zj-hz-bj-cf",
        "长风社区红色驿站",
        "community",
        "杭州市滨江区长风社区",
        30.2037,
        120.2172,
        "为快递员、外卖骑手等新就业群体服务的红色驿站。",
    ),
    (
        "zj-hz-bj-bx",
        "白马湖社区文化家园",
        "community",
        "杭州市滨江区白马湖",
        30.1834,
        120.2016,
        "社区文化家园，展示文明实践与邻里互助。",
    ),
    (
        "zj-hz-ca",
        "淳安县党史陈列馆",
        "exhibition_hall",
        "杭州市淳安县千岛湖镇",
        29.6044,
        119.0427,
        "以淳安地方党史为主线，讲述山区县的发展之路。",
    ),
    (
        "zj-hz-ca-fsl-xj",
        "下姜村",
        "village",
        "杭州市淳安县枫树岭镇下姜村",
        29.5253,
        118.8905,
        "从“穷山沟”到“绿富美”的乡村振兴样板村。\n参观村史馆、党建馆和民宿产业。",
    ),
    (
        "zj-hz-ca-fsl-dz",
        "大墅村",
        "village",
        "杭州市淳安县枫树岭镇大墅村",
        29.5461,
        118.9316,
        "“大下姜”联合发展的成员村，展示先富带后富的做法。",
    ),
    (
        "zj-hz-ca-qdh-zp",
        "珍珠半岛村",
        "village",
        "杭州市淳安县千岛湖镇珍珠半岛",
        29.5942,
        119.0711,
        "湖区村庄的生态保护与旅游发展。",
    ),
    (
        "zj-hz-ca-qdh-xh",
        "新安社区党群服务中心",
        "community",
        "杭州市淳安县千岛湖镇新安社区",
        29.6069,
        119.0356,
        "移民社区的党群服务中心，讲述新安江水库移民的故事。",
    ),
    (
        "zj-hz-xh-ws-dm",
        "德苑社区法治文化公园",
        "community",
        "杭州市西湖区文新街道德苑社区",
        30.2921,
        120.1043,
        "以宪法和民法典为主题的法治文化公园。",
    ),
];

/// The organizations that book, with the first two characters of their
/// credit codes (the kind) and the registering region.
const OUTSIDE_GROUPS: [(&str, &str); 12] = [
    ("杭州市西湖区人民法院", "11"),
    ("杭州市上城区市场监督管理局", "11"),
    ("杭州市滨江区人民检察院", "11"),
    ("浙江大学马克思主义学院", "12"),
    ("杭州市第十四中学", "12"),
    ("杭州市第一人民医院", "12"),
    ("杭州海康威视数字技术股份有限公司", "91"),
    ("浙江省能源集团有限公司", "91"),
    ("杭州西湖龙井茶叶有限公司", "91"),
    ("杭州市志愿者协会", "51"),
    ("浙江省律师协会", "51"),
    ("杭州市红十字会", "53"),
];

const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid credit code for a demo organization.
fn credit_code(kind: &str, serial: usize) -> Result<CreditCode> {
    let body = format!("{kind}330100MA{serial:07}");
    CODE_CHARS
        .chars()
        .find_map(|c| CreditCode::parse(&format!("{body}{c}")).ok())
        .ok_or_else(|| anyhow::anyhow!("no check character fits {body}"))
}

fn hours(kind: &str) -> Result<OpeningHours> {
    let mut week: [Vec<SlotTimes>; 7] = Default::default();
    let (open_days, windows, slot) = match kind {
        // Halls close on Mondays.
        "memorial_hall" | "exhibition_hall" => (1..7, "09:00-12:00, 13:30-16:30", 90),
        "historic_site" => (0..7, "08:30-11:30, 13:30-16:30", 90),
        _ => (0..5, "09:00-11:00, 14:00-16:00", 60),
    };
    for day in open_days {
        week[day] = SlotTimes::parse_list(windows)?;
    }
    Ok(OpeningHours::new(
        suyuan_core::campaigns::DEFAULT_ZONE,
        slot,
        week,
    )?)
}

fn rules(kind: &str) -> Result<VisitRules> {
    Ok(match kind {
        "memorial_hall" | "exhibition_hall" => VisitRules::new(60, 300, (5, 60), 30, 24, 12)?,
        "historic_site" => VisitRules::new(80, 480, (5, 80), 30, 24, 12)?,
        _ => VisitRules::new(30, 120, (5, 30), 21, 12, 6)?,
    })
}

/// Seeds the network unless it is there already; gives the site manager's
/// sites.
pub async fn seed_sites(store: &Store, now: DateTime<Utc>) -> Result<()> {
    if !store.sites(true).await?.is_empty() {
        println!("Reusing the teaching sites already in the database.");
        return Ok(());
    }
    let mut sites = Vec::with_capacity(SITES.len());
    for (unit, name, kind, address, latitude, longitude, description) in SITES {
        let unit = store.unit_by_code(&UnitCode::parse(unit)?).await?;
        let mut hours = hours(kind)?;
        // The New Year holiday closes the halls.
        let local = now.with_timezone(&hours.zone).date_naive();
        let new_year = chrono::NaiveDate::from_ymd_opt(local.year() + 1, 1, 1).unwrap_or(local);
        hours.close(new_year, new_year + Duration::days(2));
        let form = SiteForm {
            unit: unit.id,
            details: SiteDetails::new(
                name,
                kind,
                address,
                Some(Coordinates {
                    latitude,
                    longitude,
                }),
                description,
            )?,
            hours,
            rules: rules(kind)?,
        };
        sites.push(store.create_site(&form, now - Duration::days(120)).await?);
    }
    let manager = store
        .member_by_number(&MemberNumber::parse(super::SITE_MANAGER)?)
        .await?;
    for site in &sites[..2] {
        store.add_site_manager(site.id, manager.id).await?;
    }
    let by_name = |name: &str| -> Result<SiteId> {
        sites
            .iter()
            .find(|s| s.details.name == name)
            .map(|s| s.id)
            .ok_or_else(|| anyhow::anyhow!("no demo site {name}"))
    };
    let hangzhou = store.unit_by_code(&UnitCode::parse("zj-hz")?).await?;
    store
        .create_route(
            hangzhou.id,
            "西子湖畔的宪法与英烈足迹",
            "从“五四宪法”历史资料陈列馆出发，沿北山街到岳王庙，再到浙江革命烈士纪念馆，最后到城里的中共杭州小组纪念馆：一天读懂宪法从哪里来、先烈为什么出发。",
            &[
                stop(by_name("\"五四宪法\"历史资料陈列馆")?, 0),
                stop(by_name("岳王庙")?, 10),
                stop(by_name("浙江革命烈士纪念馆")?, 20),
                stop(by_name("中共杭州小组纪念馆")?, 30),
            ],
            now,
        )
        .await?;
    store
        .create_route(
            hangzhou.id,
            "下姜村的乡村振兴路",
            "先在县党史陈列馆了解淳安的发展史，再到下姜村和大墅村看“大下姜”如何抱团发展。",
            &[
                stop(by_name("淳安县党史陈列馆")?, 0),
                stop(by_name("下姜村")?, 60),
                stop(by_name("大墅村")?, 20),
            ],
            now,
        )
        .await?;
    let (past, missed) = seed_bookings(store, &sites, now).await?;
    println!(
        "Created {} teaching sites and 2 routes, with {past} past visits ({missed} booked and not made).",
        sites.len()
    );
    Ok(())
}

fn stop(site: SiteId, travel_minutes: u32) -> RouteStop {
    RouteStop {
        site,
        travel_minutes,
    }
}

/// A demo group: an outside organization or a unit of the tree.
fn group(
    dice: &mut Dice,
    units: &[(suyuan_core::units::UnitId, String)],
    headcount: u32,
) -> Result<Party> {
    let organization = if dice.next().is_multiple_of(3) && !units.is_empty() {
        let (id, name) = &units[(dice.next() % units.len() as u64) as usize];
        Organization::new(name, OrgIdentity::Unit(*id))?
    } else {
        let i = (dice.next() % OUTSIDE_GROUPS.len() as u64) as usize;
        let (name, kind) = OUTSIDE_GROUPS[i];
        Organization::new(name, OrgIdentity::CreditCode(credit_code(kind, i + 1)?))?
    };
    let phone = format!("13{:09}", 500_000_000 + dice.next() % 400_000_000);
    let contact = Contact::new(&person(dice), &phone, "")?;
    Ok(Party::new(organization, contact, headcount, vec![])?)
}

/// Books and visits: the last three months' visits, checked in at the
/// door (some not made, some cancelled), and the coming fortnight's
/// bookings. Gives the past bookings and the no-shows among them.
async fn seed_bookings(store: &Store, sites: &[Site], now: DateTime<Utc>) -> Result<(usize, u64)> {
    let mut dice = Dice(0x5349_5445_5300_0001);
    let units: Vec<(suyuan_core::units::UnitId, String)> = store
        .subtree(
            &store.unit_by_code(&UnitCode::parse("zj-hz")?).await?.path,
            false,
        )
        .await?
        .into_iter()
        .filter(|u| u.kind != suyuan_core::units::UnitKind::Branch)
        .map(|u| (u.id, u.name))
        .collect();
    // Demo groups are never held: the season is made, not lived.
    let rule = NoShowRule {
        count: u32::MAX,
        ..NoShowRule::default()
    };
    let mut past = 0;
    for site in sites {
        let zone = site.hours.zone;
        let today = now.with_timezone(&zone).date_naive();
        let busy = if site.details.name.contains("五四宪法")
            || site.details.name.contains("杭州小组")
        {
            0.6
        } else {
            0.25
        };
        for slot in site
            .hours
            .slots_between(today - Duration::days(90), today + Duration::days(14))
        {
            if slot.starts_at <= now && slot.ends_at > now {
                continue;
            }
            if dice.fraction() > busy {
                continue;
            }
            let groups = 1 + dice.next() % 2;
            for _ in 0..groups {
                let headcount = (site.rules.min_group as u64
                    + dice.next() % u64::from(site.rules.max_group / 2))
                    as u32;
                let party = group(&mut dice, &units, headcount)?;
                let booked_at = slot.starts_at - Duration::days(3 + (dice.next() % 10) as i64);
                let asker = Asker::group(&party);
                let Ok(booked) = store
                    .book(site, slot.starts_at, asker, &rule, booked_at)
                    .await
                else {
                    continue;
                };
                let booking = &booked.bookings()[0];
                if slot.ends_at > now {
                    continue;
                }
                past += 1;
                let roll = dice.fraction();
                if roll < 0.05 {
                    store
                        .cancel_booking(&booking.code, booked_at + Duration::hours(1))
                        .await?;
                } else if roll < 0.13 {
                    // Booked and not made: the sweep below marks it.
                } else {
                    let came = headcount.saturating_sub((dice.next() % 4) as u32).max(1);
                    let at = slot.starts_at + Duration::minutes((dice.next() % 20) as i64);
                    store
                        .check_in_booking(site, &booking.code, Some(came), at, at)
                        .await?;
                }
            }
        }
    }
    // Fill the constitution hall's next open slot, with a group waiting.
    let hall = &sites[0];
    let next = store
        .places(
            hall,
            now.with_timezone(&hall.hours.zone).date_naive() + Duration::days(2),
            now.with_timezone(&hall.hours.zone).date_naive() + Duration::days(9),
        )
        .await?
        .into_iter()
        .find(|p| p.load.free() >= hall.rules.min_group);
    if let Some(places) = next {
        let mut free = places.load.free();
        while free >= hall.rules.min_group {
            let headcount = free.min(hall.rules.max_group);
            let party = group(&mut dice, &units, headcount)?;
            let asker = Asker::group(&party);
            store
                .book(hall, places.slot.starts_at, asker, &rule, now)
                .await?;
            free -= headcount;
        }
        let party = group(&mut dice, &units, 20)?;
        let asker = Asker::group(&party);
        store
            .join_waiting_list(hall, places.slot.starts_at, asker, &rule, now)
            .await?;
    }
    let missed = store.close_ended_bookings(now).await?;
    Ok((past, missed))
}
