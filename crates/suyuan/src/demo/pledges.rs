//! The demo's pledges of practical things for the people: a few dozen
//! across Hangzhou's communities and villages and beyond, in every state —
//! in progress (some due within days), done on time or late with evidence
//! and photos drawn here, overdue and still on the board — with progress
//! updates, the public's confirmations, and comments shown, held for a
//! moderator, or hidden. The member login has one pledge approved, one
//! waiting for Xihu's admin and one returned.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use suyuan_core::members::MemberNumber;
use suyuan_core::pledges::{CommentState, Pledger, Promise, Timeline};
use suyuan_core::units::UnitCode;
use suyuan_store::Store;

use super::Dice;

/// (unit, title, who benefits, place, details)
const PLEDGES: [(&str, &str, &str, &str, &str); 30] = [
    (
        "zj-hz-xh-cy-cy1",
        "为 3 号楼加装楼道扶手",
        "3 号楼 48 户居民，其中 70 岁以上老人 21 位",
        "翠苑一区 3 号楼",
        "老旧楼道没有扶手，老人上下楼不便。社区联系物业和街道，为 1 至 6 层楼道加装不锈钢扶手。",
    ),
    (
        "zj-hz-xh-cy-cy1",
        "每周六上午义务维修小家电",
        "翠苑一区居民",
        "翠苑一区社区活动室",
        "党员志愿者每周六 9:00–11:30 在社区活动室免费修理电饭煲、台灯、收音机等小家电。",
    ),
    (
        "zj-hz-xh-cy-cy1",
        "清理非机动车棚的僵尸车",
        "翠苑一区全体住户",
        "翠苑一区 5 号车棚",
        "车棚被长期无人使用的自行车和电动车占满。先张贴通知认领，逾期统一清运，腾出 60 个车位。",
    ),
    (
        "zj-hz-xh-cy-cy1",
        "为独居老人安装燃气报警器",
        "辖区 36 位独居老人",
        "翠苑一区",
        "联系燃气公司，为独居老人家中免费安装燃气泄漏报警器，并教会使用。",
    ),
    (
        "zj-hz-xh-cy-cy2",
        "修复小区路面坑洼",
        "翠苑二区居民",
        "翠苑二区中心路",
        "中心路有 7 处坑洼，雨天积水。协调街道城管科修补路面。",
    ),
    (
        "zj-hz-xh-cy-cy2",
        "开设四点半课堂",
        "双职工家庭的小学生",
        "翠苑二区党群服务中心",
        "工作日 16:30–18:00 为小学生提供作业辅导和看护，由党员和大学生志愿者轮值。",
    ),
    (
        "zj-hz-xh-cy-cy2",
        "增设快递代收点",
        "翠苑二区 1200 户居民",
        "翠苑二区南门",
        "与快递公司协商在南门设立代收点，解决快递乱放、丢件的问题。",
    ),
    (
        "zj-hz-xh-ws-dm",
        "给老年食堂增加送餐上门",
        "行动不便的高龄老人",
        "德苑社区",
        "老年食堂为 80 岁以上行动不便的老人每天中午送餐上门。",
    ),
    (
        "zj-hz-xh-ws-dm",
        "更换小区路灯 40 盏",
        "德苑社区居民",
        "德苑社区主干道",
        "主干道路灯老化，晚上照明不足。协调电力部门更换为 LED 路灯。",
    ),
    (
        "zj-hz-xh-ws-dm",
        "组织一次义诊进社区",
        "德苑社区居民",
        "德苑社区广场",
        "联系社区卫生服务中心开展测血压、测血糖和用药咨询。",
    ),
    (
        "zj-hz-xh-ws-xy",
        "修缮儿童游乐设施",
        "小区儿童和家长",
        "香樟社区中心花园",
        "滑梯和秋千有破损，存在安全隐患，联系物业修缮并铺设软垫。",
    ),
    (
        "zj-hz-xh-ws-xy",
        "为残疾人家庭做一次无障碍改造",
        "辖区 5 户残疾人家庭",
        "香樟社区",
        "在卫生间加装扶手、门口修坡道，方便轮椅进出。",
    ),
    (
        "zj-hz-xh-ws-xy",
        "开展反诈宣传进楼道",
        "香樟社区中老年居民",
        "香樟社区各楼道",
        "联合派出所在每个楼道张贴反诈提示，开展两场讲座。",
    ),
    (
        "zj-hz-xh",
        "在西湖区各街道设宪法宣传角",
        "西湖区居民",
        "西湖区各街道党群服务中心",
        "每个街道党群服务中心设宪法宣传角，摆放宪法读本，定期更换展板。",
    ),
    (
        "zj-hz-xh",
        "为环卫工人设立爱心驿站",
        "西湖区环卫工人",
        "西湖区 12 个街道",
        "在街道党群服务中心设爱心驿站，提供热水、微波炉和休息座椅。",
    ),
    (
        "zj-hz-ca-fsl-xj",
        "修通下姜村到茶园的机耕路",
        "下姜村 80 户茶农",
        "下姜村茶园",
        "茶园机耕路雨后泥泞，采茶和运输困难，硬化 1.2 公里。",
    ),
    (
        "zj-hz-ca-fsl-xj",
        "帮民宿户开通线上订房",
        "下姜村 15 家民宿",
        "下姜村",
        "党员和大学生志愿者帮民宿在线上平台开店，拍照、写介绍、教会接单。",
    ),
    (
        "zj-hz-ca-fsl-xj",
        "建一个村史馆讲解员队伍",
        "来下姜村学习的群众和游客",
        "下姜村村史馆",
        "培训 8 名村民讲解员，每周末在村史馆讲解。",
    ),
    (
        "zj-hz-ca-fsl-dz",
        "为村里老人办理助老卡",
        "大墅村 60 岁以上老人",
        "大墅村村委会",
        "上门为老人办理助老卡，乘公交和就医更方便。",
    ),
    (
        "zj-hz-ca-fsl-dz",
        "疏通村口排水沟",
        "大墅村村民",
        "大墅村村口",
        "排水沟淤塞，雨季易积水。组织党员志愿者和村民清淤。",
    ),
    (
        "zj-hz-ca-qdh-zp",
        "帮渔民办理养老保险续保",
        "珍珠半岛村渔民",
        "珍珠半岛村",
        "逐户核对参保情况，帮助渔民办理续保手续。",
    ),
    (
        "zj-hz-ca-qdh-xh",
        "设立社区调解室",
        "新安社区居民",
        "新安社区",
        "邀请退休法官、律师每周坐班，调解邻里纠纷。",
    ),
    (
        "zj-hu-aj-tf-yc",
        "给余村游客中心增加母婴室",
        "带孩子来参观的游客",
        "余村游客中心",
        "改造一间闲置办公室为母婴室，配备护理台和饮水机。",
    ),
    (
        "zj-hu-aj-tf-yc",
        "开一堂“两山”理念现场课",
        "来余村学习的党员群众",
        "余村矿山遗址",
        "由老支书讲述余村关停矿山、发展绿色经济的经过。",
    ),
    (
        "zj-nb-yz",
        "为东柳社区加装电梯做好协调",
        "东柳社区 6 幢老楼住户",
        "东柳社区",
        "逐户征求意见，协调低层住户，推动两幢楼先行加装电梯。",
    ),
    (
        "zj-jx-nh",
        "在南湖区公交站增设候车座椅",
        "候车的老人和孕妇",
        "南湖区 20 个公交站",
        "协调公交公司在 20 个无座椅站点增设候车座椅。",
    ),
    (
        "zj-organs-edu",
        "为山区学校送一批图书",
        "淳安县 3 所山区小学",
        "淳安县",
        "厅机关党员捐书 1500 册，分送三所山区小学并帮助整理图书角。",
    ),
    (
        "zj-organs-health",
        "组织专家到乡镇卫生院坐诊",
        "山区乡镇群众",
        "淳安县 4 个乡镇卫生院",
        "每月一次组织省级医院专家到乡镇卫生院坐诊。",
    ),
    (
        "zj-organs-fin",
        "讲清楚惠民补贴怎么领",
        "基层群众",
        "各县市区",
        "编写一页纸的补贴领取指南，在村社张贴并开展政策宣讲。",
    ),
    (
        "zj-constitution",
        "宪法日开放日讲解",
        "来馆参观的群众",
        "浙江宪法宣传教育馆",
        "12 月 4 日国家宪法日全天开放，安排每小时一场讲解。",
    ),
];

const UPDATES: [&str; 6] = [
    "已经和物业、街道对接，确定了方案和工期。",
    "材料已到位，施工队本周进场。",
    "完成了一半，下周继续。",
    "走访了 20 户居民，听取了大家的意见。",
    "第一批已经完成，居民反映很好。",
    "遇到下雨耽搁了几天，正在抓紧赶工。",
];

const EVIDENCE: [&str; 4] = [
    "已全部完成，居民代表参加了验收。",
    "按计划办结，共服务群众 130 余人次。",
    "完成了承诺的全部内容，相关照片附后。",
    "事情办完了，后续由社区网格员跟进维护。",
];

const COMMENTS: [(&str, &str); 8] = [
    ("李阿姨", "办得好，以后上下楼放心多了。"),
    ("3 号楼住户", "感谢社区，速度很快。"),
    ("王师傅", "希望以后多办这样的实事。"),
    ("", "我家的电饭煲就是在这里修好的，谢谢志愿者。"),
    ("张先生", "说了好几个月了，终于解决了。"),
    ("", "能不能把南门也一起弄一下？"),
    ("路过的", "广告：低价装修，电话 138xxxx"),
    ("陈大爷", "点赞！"),
];

/// A picture of the work done, drawn here: sky, ground, a building and a
/// sun, coloured by `seed`.
pub(super) fn evidence_photo(seed: u64) -> Result<suyuan_core::gatherings::photo::Photo> {
    let (w, h) = (480u32, 320u32);
    let tint = |n: u64| u8::try_from(60 + (seed >> n) % 120).unwrap_or(120);
    let (r, g, b) = (tint(3), tint(9), tint(17));
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        let sun = (x as i64 - 380).pow(2) + (y as i64 - 70).pow(2) < 35 * 35;
        let building = (120..300).contains(&x) && (110..250).contains(&y);
        let window = building && (x - 120) % 40 > 12 && (y - 110) % 35 > 12;
        if sun {
            image::Rgb([250, 200, 60])
        } else if window {
            image::Rgb([230, 240, 250])
        } else if building {
            image::Rgb([r, g / 2, b / 2])
        } else if y > 240 {
            image::Rgb([70, 130 + (x % 30) as u8, 60])
        } else {
            image::Rgb([150, 190, 230 - (y / 4) as u8])
        }
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(suyuan_core::gatherings::photo::prepare(&png)?)
}

pub async fn seed_pledges(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let roots = store.root_units().await?;
    for root in &roots {
        if !store.pledges_within(&root.path, None).await?.is_empty() {
            println!("Reusing the pledges already in the database.");
            return Ok(());
        }
    }
    let zone = suyuan_core::campaigns::DEFAULT_ZONE;
    let admin = store
        .member_by_number(&MemberNumber::parse("province-admin")?)
        .await?;
    let moderator = store
        .member_by_number(&MemberNumber::parse("xihu-admin")?)
        .await?;
    let mut dice = Dice(0x5EED_9129);
    let mut made = 0;
    for (index, (unit, title, beneficiaries, place, details)) in PLEDGES.into_iter().enumerate() {
        let unit = store.unit_by_code(&UnitCode::parse(unit)?).await?;
        let promise = Promise::new(title, details, beneficiaries, place)?;
        // Each index has its state: 0 and 5 in progress (5 due within
        // days), 1 and 4 done on time, 2 done late, 3 overdue.
        let state = index % 6;
        let made_days_ago = 20 + (dice.next() % 60) as i64;
        // Made in the morning, local time.
        let created_day = (now - Duration::days(made_days_ago))
            .with_timezone(&zone)
            .date_naive();
        let created = suyuan_core::campaigns::local_instant(
            zone,
            created_day,
            chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap_or_default(),
        );
        let today = now.with_timezone(&zone).date_naive();
        let deadline = match state {
            0 => today + Duration::days(10 + (dice.next() % 30) as i64),
            5 => today + Duration::days(2),
            3 => today - Duration::days(1 + (dice.next() % 12) as i64),
            _ => created_day + Duration::days(10 + (dice.next() % 8) as i64),
        };
        let timeline = Timeline::new(deadline.max(created_day), zone, created_day)?;
        let pledge = store
            .create_pledge(
                &unit,
                Pledger::Unit(unit.id),
                &promise,
                &timeline,
                admin.id,
                created,
            )
            .await?;
        made += 1;
        let updates = 1 + dice.next() % 3;
        for n in 0..updates {
            let at = created + Duration::days(2 + n as i64 * 3);
            if at < now {
                let text = UPDATES[(dice.next() % UPDATES.len() as u64) as usize];
                store
                    .add_pledge_update(pledge.id, text, admin.id, at)
                    .await?;
            }
        }
        let done_at = match state {
            1 | 4 => Some(timeline.due_at() - Duration::days(1 + (dice.next() % 3) as i64)),
            2 => Some(timeline.due_at() + Duration::days(2 + (dice.next() % 5) as i64)),
            _ => None,
        }
        .filter(|at| *at < now && *at > created);
        if let Some(at) = done_at {
            let evidence = EVIDENCE[(dice.next() % EVIDENCE.len() as u64) as usize];
            store.complete_pledge(pledge.id, evidence, at).await?;
            for _ in 0..1 + dice.next() % 2 {
                let photo = evidence_photo(dice.next())?;
                store
                    .add_pledge_photo(pledge.id, &photo, admin.id, at)
                    .await?;
            }
            // The public confirms the ones done on time most.
            let confirmations = match state {
                1 => 3 + dice.next() % 20,
                _ => dice.next() % 3,
            };
            for n in 0..confirmations {
                let at = at + Duration::hours(2 + n as i64 * 5);
                if at < now {
                    let key = format!("demo:{index}:{n}");
                    store.confirm_pledge(pledge.id, &key, at).await?;
                }
            }
        }
        comment_on(store, &mut dice, pledge.id, created, now, moderator.id).await?;
    }
    made += member_pledges(store, now, moderator.id).await?;
    let overdue = store.count_overdue_pledges(now).await?;
    println!("Made {made} pledges ({overdue} overdue).");
    Ok(())
}

/// A few comments from the public on a pledge: most shown, one now and
/// then held for a moderator, and the advertisement hidden.
async fn comment_on(
    store: &Store,
    dice: &mut Dice,
    pledge: suyuan_core::pledges::PledgeId,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    moderator: suyuan_core::members::MemberId,
) -> Result<()> {
    for n in 0..dice.next() % 3 {
        let (author, text) = COMMENTS[(dice.next() % COMMENTS.len() as u64) as usize];
        let at = created + Duration::days(3 + n as i64 * 4);
        if at >= now {
            continue;
        }
        let comment = store.add_pledge_comment(pledge, text, author, at).await?;
        let state = if text.contains("广告") {
            Some(CommentState::Hidden)
        } else if dice.next().is_multiple_of(4) {
            None
        } else {
            Some(CommentState::Shown)
        };
        if let Some(state) = state {
            store
                .moderate_comment(pledge, comment, state, moderator, at + Duration::hours(4))
                .await?;
        }
    }
    Ok(())
}

/// The member login's own pledges: one approved, one waiting for Xihu's
/// admin, one returned with a reason.
async fn member_pledges(
    store: &Store,
    now: DateTime<Utc>,
    admin: suyuan_core::members::MemberId,
) -> Result<usize> {
    let member = store
        .member_by_number(&MemberNumber::parse("cuiyuan-member")?)
        .await?;
    let zone = suyuan_core::campaigns::DEFAULT_ZONE;
    let today = now.with_timezone(&zone).date_naive();
    let own: [(&str, &str, &str, i64, Option<bool>); 3] = [
        (
            "陪 2 位独居老人每周去一次菜场",
            "每周三上午陪同买菜，顺便聊聊天",
            "楼上的两位独居老人",
            30,
            Some(true),
        ),
        (
            "教老人用手机挂号和视频通话",
            "每周日下午在活动室手把手教，一次教会一样",
            "不会用智能手机的老人",
            21,
            None,
        ),
        ("为楼道做清洁", "打扫楼道", "邻居", 7, Some(false)),
    ];
    let unit = member.unit.clone();
    for (title, details, beneficiaries, days, decision) in own {
        let promise = Promise::new(title, details, beneficiaries, "翠苑一区")?;
        let timeline = Timeline::new(today + Duration::days(days), zone, today)?;
        let made_at = now - Duration::days(2);
        let pledge = store
            .create_pledge(
                &unit,
                Pledger::Member(member.id),
                &promise,
                &timeline,
                member.id,
                made_at,
            )
            .await?;
        if let Some(approve) = decision {
            let reason = if approve {
                ""
            } else {
                "请写清楚打扫哪几栋楼、多久一次，便于群众监督"
            };
            store
                .decide_pledge(pledge.id, approve, reason, admin, now - Duration::days(1))
                .await?;
        }
    }
    Ok(own.len())
}
