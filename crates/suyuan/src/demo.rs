//! The demo province: a tree of offices, cities, districts, communities,
//! villages and branches, about 3,000 members with plausible names, and
//! three fixed logins for the README. Generated here; nothing is read from
//! outside.

use anyhow::Result;
use chrono::{DateTime, Utc};
use std::net::SocketAddr;

use suyuan_core::access::Role;
use suyuan_core::members::{MemberNumber, MemberRow, NewPassword, PersonName, Phone};
use suyuan_core::units::{UnitCode, UnitKind, UnitName, UnitRef};
use suyuan_store::Store;
use suyuan_store::auth::hash_password;
use suyuan_store::members::NewMember;
use suyuan_store::units::{NewUnit, Unit};

pub const PASSWORD: &str = "suyuan-demo";
const PROVINCE_CODE: &str = "zj";

/// The fixed logins: member number, name, unit code, role.
const LOGINS: [(&str, &str, &str, Role); 3] = [
    ("province-admin", "周建国", "zj", Role::Admin),
    ("xihu-admin", "沈丽华", "zj-hz-xh", Role::Admin),
    (
        "cuiyuan-member",
        "陈晓燕",
        "zj-hz-xh-cy-cy1-b1",
        Role::Member,
    ),
];

/// A unit to create: code, name, kind, and its children.
struct Node {
    code: String,
    name: String,
    kind: UnitKind,
    children: Vec<Node>,
}

fn node(code: &str, name: &str, kind: UnitKind, children: Vec<Node>) -> Node {
    Node {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        children,
    }
}

/// Branches named the way communities and offices name them.
fn branches(parent: &str, names: &[&str]) -> Vec<Node> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            node(
                &format!("{parent}-b{}", i + 1),
                name,
                UnitKind::Branch,
                vec![],
            )
        })
        .collect()
}

fn community(code: &str, name: &str) -> Node {
    let branch_names = [
        format!("{name}第一党支部"),
        format!("{name}第二党支部"),
        format!("{name}退休党员党支部"),
    ];
    let refs: Vec<&str> = branch_names.iter().map(String::as_str).collect();
    node(code, name, UnitKind::Community, branches(code, &refs))
}

fn village(code: &str, name: &str) -> Node {
    let branch_names = [
        format!("{name}党总支第一支部"),
        format!("{name}党总支第二支部"),
    ];
    let refs: Vec<&str> = branch_names.iter().map(String::as_str).collect();
    node(code, name, UnitKind::Village, branches(code, &refs))
}

fn district(code: &str, name: &str, communities: &[(&str, &str)]) -> Node {
    node(
        code,
        name,
        UnitKind::District,
        communities
            .iter()
            .map(|(c, n)| community(&format!("{code}-{c}"), n))
            .collect(),
    )
}

fn tree() -> Node {
    node(
        PROVINCE_CODE,
        "浙江省",
        UnitKind::Province,
        vec![
            node(
                "zj-office",
                "省委办公厅",
                UnitKind::Office,
                branches(
                    "zj-office",
                    &[
                        "办公厅秘书处党支部",
                        "办公厅综合处党支部",
                        "办公厅机关服务中心党支部",
                    ],
                ),
            ),
            node(
                "zj-history",
                "省委党史研究室",
                UnitKind::Office,
                branches(
                    "zj-history",
                    &["党史研究室第一党支部", "党史研究室第二党支部"],
                ),
            ),
            node(
                "zj-organs",
                "省直机关工委",
                UnitKind::Office,
                vec![
                    node(
                        "zj-organs-fin",
                        "省财政厅机关党委",
                        UnitKind::Office,
                        branches("zj-organs-fin", &["预算处党支部", "国库处党支部"]),
                    ),
                    node(
                        "zj-organs-edu",
                        "省教育厅机关党委",
                        UnitKind::Office,
                        branches("zj-organs-edu", &["基础教育处党支部", "高等教育处党支部"]),
                    ),
                    node(
                        "zj-organs-health",
                        "省卫生健康委机关党委",
                        UnitKind::Office,
                        branches("zj-organs-health", &["医政处党支部", "疾控处党支部"]),
                    ),
                ],
            ),
            node(
                "zj-hz",
                "杭州市",
                UnitKind::City,
                vec![
                    node(
                        "zj-hz-xh",
                        "西湖区",
                        UnitKind::District,
                        vec![
                            node(
                                "zj-hz-xh-cy",
                                "翠苑街道",
                                UnitKind::Street,
                                vec![
                                    community("zj-hz-xh-cy-cy1", "翠苑一区社区"),
                                    community("zj-hz-xh-cy-cy2", "翠苑二区社区"),
                                ],
                            ),
                            node(
                                "zj-hz-xh-ws",
                                "文新街道",
                                UnitKind::Street,
                                vec![
                                    community("zj-hz-xh-ws-dm", "德苑社区"),
                                    community("zj-hz-xh-ws-xy", "香樟社区"),
                                ],
                            ),
                            node(
                                "zj-hz-xh-memorial",
                                "西湖区纪念馆",
                                UnitKind::Enterprise,
                                branches("zj-hz-xh-memorial", &["纪念馆党支部"]),
                            ),
                        ],
                    ),
                    district(
                        "zj-hz-sc",
                        "上城区",
                        &[("hb", "湖滨社区"), ("qh", "清河坊社区")],
                    ),
                    district(
                        "zj-hz-bj",
                        "滨江区",
                        &[("cf", "长风社区"), ("bx", "白马湖社区")],
                    ),
                    node(
                        "zj-hz-ca",
                        "淳安县",
                        UnitKind::County,
                        vec![
                            node(
                                "zj-hz-ca-fsl",
                                "枫树岭镇",
                                UnitKind::Street,
                                vec![
                                    village("zj-hz-ca-fsl-xj", "下姜村"),
                                    village("zj-hz-ca-fsl-dz", "大墅村"),
                                ],
                            ),
                            node(
                                "zj-hz-ca-qdh",
                                "千岛湖镇",
                                UnitKind::Street,
                                vec![
                                    village("zj-hz-ca-qdh-zp", "珍珠半岛村"),
                                    community("zj-hz-ca-qdh-xh", "新安社区"),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            node(
                "zj-nb",
                "宁波市",
                UnitKind::City,
                vec![
                    district(
                        "zj-nb-hs",
                        "海曙区",
                        &[("gl", "鼓楼社区"), ("yh", "月湖社区")],
                    ),
                    district("zj-nb-yz", "鄞州区", &[("dl", "东柳社区")]),
                ],
            ),
            node(
                "zj-wz",
                "温州市",
                UnitKind::City,
                vec![district(
                    "zj-wz-lc",
                    "鹿城区",
                    &[("wm", "五马社区"), ("nj", "南郊社区")],
                )],
            ),
            node(
                "zj-jx",
                "嘉兴市",
                UnitKind::City,
                vec![
                    district(
                        "zj-jx-nh",
                        "南湖区",
                        &[("nh", "南湖社区"), ("jd", "建设社区")],
                    ),
                    node(
                        "zj-jx-memorial",
                        "南湖革命纪念馆",
                        UnitKind::Enterprise,
                        branches("zj-jx-memorial", &["纪念馆第一党支部", "纪念馆第二党支部"]),
                    ),
                ],
            ),
            node(
                "zj-hu",
                "湖州市",
                UnitKind::City,
                vec![node(
                    "zj-hu-aj",
                    "安吉县",
                    UnitKind::County,
                    vec![node(
                        "zj-hu-aj-tf",
                        "天荒坪镇",
                        UnitKind::Street,
                        vec![village("zj-hu-aj-tf-yc", "余村")],
                    )],
                )],
            ),
            node(
                "zj-constitution",
                "宪法宣传教育馆",
                UnitKind::Enterprise,
                branches("zj-constitution", &["宣传教育馆党支部"]),
            ),
        ],
    )
}

/// A small deterministic generator, so that every demo has the same people.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "沈",
    "任", "姚", "卢", "傅", "钟", "姜", "崔", "谭", "陆", "范", "汪", "金", "石", "戴", "贾", "方",
    "邹", "俞", "毛", "童",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "斌", "辉", "鹏", "红", "玲",
    "波", "宁", "佳", "海", "燕", "雪", "琳", "晨", "欣", "婷", "浩", "宇", "晓", "峰", "俊", "志",
    "荣", "兰", "梅", "颖", "凯", "慧", "云", "飞", "丹", "萍", "瑞", "雨", "春", "林", "思", "嘉",
    "新", "立", "德", "成", "民", "永",
];

fn person(dice: &mut Dice) -> String {
    let surname = dice.pick(SURNAMES);
    let first = dice.pick(GIVEN);
    if dice.next().is_multiple_of(3) {
        format!("{surname}{first}")
    } else {
        format!("{surname}{first}{}", dice.pick(GIVEN))
    }
}

async fn create(
    store: &Store,
    node: &Node,
    parent: Option<&Unit>,
    now: DateTime<Utc>,
    leaves: &mut Vec<Unit>,
) -> Result<()> {
    let unit = store
        .create_unit(
            NewUnit {
                parent: parent.map(|p| p.id),
                code: UnitCode::parse(&node.code)?,
                name: UnitName::parse(&node.name)?,
                kind: node.kind,
            },
            now,
        )
        .await?;
    if node.children.is_empty() {
        leaves.push(unit.clone());
    }
    for child in &node.children {
        Box::pin(create(store, child, Some(&unit), now, leaves)).await?;
    }
    Ok(())
}

/// Seeds the demo province unless it is there already.
pub async fn seed(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let code = UnitCode::parse(PROVINCE_CODE)?;
    if store.unit_by_code(&code).await.is_ok() {
        println!("Reusing the demo province already in the database.");
        return Ok(());
    }
    println!("Creating the demo province…");
    let mut branches = Vec::new();
    create(store, &tree(), None, now, &mut branches).await?;

    let password = NewPassword::parse(PASSWORD)?;
    let hash = hash_password(&password)?;
    let mut dice = Dice(0x5359_5541_4E00_0001);
    let mut rows = Vec::new();
    for (b, branch) in branches.iter().enumerate() {
        let size = 25 + (dice.next() % 35) as usize;
        for i in 0..size {
            let serial = b * 100 + i + 1;
            let number = format!("ZJ{serial:06}");
            let phone = (!dice.next().is_multiple_of(4))
                .then(|| format!("13{:09}", 100_000_000 + serial * 7919 % 900_000_000));
            rows.push(MemberRow {
                row: rows.len() + 2,
                name: PersonName::parse(&person(&mut dice))?,
                number: MemberNumber::parse(&number)?,
                unit: UnitRef::Code(UnitCode::parse(&branch.code)?),
                phone: phone.as_deref().map(Phone::parse).transpose()?,
                role: if i == 0 { Role::Admin } else { Role::Member },
                unit_column: "unit".into(),
            });
        }
    }
    let report = store.import_members(&rows, None, &hash, now).await?;

    for (number, name, unit_code, role) in LOGINS {
        let unit = store.unit_by_code(&UnitCode::parse(unit_code)?).await?;
        store
            .create_member(
                NewMember {
                    unit: unit.id,
                    number: MemberNumber::parse(number)?,
                    name: PersonName::parse(name)?,
                    phone: None,
                    role,
                    password_hash: hash.clone(),
                    must_change_password: false,
                },
                now,
            )
            .await?;
    }
    println!(
        "Created {} units and {} members.",
        store.count_units().await?,
        report.created + LOGINS.len()
    );
    Ok(())
}

pub fn print_logins(listen: SocketAddr) {
    println!();
    println!("Demo logins (password: {PASSWORD}) at http://{listen}/ :");
    for (number, name, _, role) in LOGINS {
        let what = match (number, role) {
            ("province-admin", _) => "admin of 浙江省 (the whole province)",
            ("xihu-admin", _) => "admin of 西湖区 (Xihu District)",
            _ => "a member of a branch in 翠苑一区社区 (Cuiyuan District 1 community)",
        };
        println!("  {number:<16} {name}  {what}");
    }
    println!();
}

/// A short study text of our own, for a demo started without material.
pub const SAMPLE: &str = "# 学习方法十讲（示例）

2026年11月1日 溯源平台示例材料

<!-- INFO END -->

## 第一讲 每日阅读

第一条 每天固定一个时间阅读当天的材料，哪怕只有十分钟，也比偶尔读上一整天更有收获。

第二条 读完一段，合上屏幕，用自己的话把要点说一遍；说不出来的地方，就是还没有读懂的地方。

第三条 遇到不熟悉的概念，记下来，在每周学习时向同志们请教。

## 第二讲 每周学习

第四条 每周学习以党支部为单位开展，围绕一个主题，事先把材料发给大家。

第五条 讨论时先听后说，发言紧扣材料，结合本职工作谈体会。

第六条 学习结束后，每人写下一条心得，一条做法。

## 第三讲 旬考与复习

第七条 旬考考的是十天来读过的内容，平时读得扎实，考试自然从容。

第八条 做错的题目进入错题本，按时复习，直到真正掌握。

## 第四讲 学以致用

第九条 学习的目的在于运用。每读一段，想一想它和身边的哪件事有关。

第十条 把学到的道理落实到为群众办的每一件实事中去。
";

/// Imports the demo's study material: the files at `path`, or the sample.
pub async fn seed_material(
    store: &Store,
    path: Option<&std::path::Path>,
    now: DateTime<Utc>,
) -> Result<()> {
    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    let visibility = suyuan_core::library::Visibility::Public;
    match path {
        Some(path) => {
            let summary =
                crate::material::import(store, path, province.id, visibility, now).await?;
            println!(
                "Study material: {} collections imported ({} excerpts), {} there already.",
                summary.created, summary.excerpts, summary.already_there
            );
        }
        None => {
            let parsed = suyuan_core::library::parse_text("学习方法十讲.md", SAMPLE, false)?;
            let items = [suyuan_store::library::NewCollection {
                parsed: &parsed,
                owner: province.id,
                visibility,
            }];
            store.import_collections(&items, now).await?;
        }
    }
    Ok(())
}

/// The demo campaign's planned length, and how far it is under way.
const CAMPAIGN_DAYS: usize = 49;
const DAYS_BEHIND: usize = 21;
/// About this many excerpts a day: a reading a member can do on a phone.
const EXCERPTS_A_DAY: usize = 4;

/// Starts the demo's reading campaign (unless there is one) three weeks
/// ago, with generated history: most members read most days, some catch
/// up later, and some have read today already. `cuiyuan-member` read every
/// day so far and has today's reading still to do.
pub async fn seed_campaign(store: &Store, now: DateTime<Utc>) -> Result<()> {
    use chrono::Duration;
    use suyuan_core::plan::{Calendar, DEFAULT_ZONE};
    use suyuan_core::reading::{MarkKind, PointRules, ReadingPace};
    use suyuan_store::campaigns::NewCampaign;
    use suyuan_store::members::MemberFilter;
    use suyuan_store::reading::{NewMark, new_mark_id};

    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    if !store.campaigns_within(&province.path).await?.is_empty() {
        return Ok(());
    }
    // The Constitution first, then whatever fits a few articles a day.
    let mut collections = store.collections().await?;
    collections.sort_by_key(|c| (!c.title.contains("宪法"), c.excerpt_count));
    let mut chosen = Vec::new();
    let mut excerpts = 0;
    for collection in &collections {
        let count = collection.excerpt_count.max(0) as usize;
        if chosen.is_empty() || excerpts + count <= CAMPAIGN_DAYS * EXCERPTS_A_DAY {
            chosen.push(collection.id);
            excerpts += count;
        }
    }
    if chosen.is_empty() {
        return Ok(());
    }
    let days = CAMPAIGN_DAYS.min(excerpts).max(1);
    let behind = DAYS_BEHIND.min(days / 2);
    let today = now.with_timezone(&DEFAULT_ZONE).date_naive();
    let start = today - Duration::days(behind as i64);
    let calendar = Calendar::new(DEFAULT_ZONE, start, start + Duration::days(days as i64 - 1))?;
    let campaign = store
        .create_campaign(
            NewCampaign {
                owner: province.id,
                title: "法治精神进万家学习月".into(),
                theme: "学宪法、讲宪法，每日一读，学以致用".into(),
                calendar,
                evening: chrono::NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default(),
                pace: ReadingPace::default(),
                rules: PointRules::default(),
                units: vec![province.id],
                collections: chosen,
            },
            now,
        )
        .await?;
    const TOPICS: [&str; 4] = [
        "学习宪法，增强宪法意识",
        "学法用法，依法办事",
        "法治为民，办好身边实事",
        "以案说法，守住底线",
    ];
    for (week, monday) in calendar.weeks().into_iter().enumerate() {
        store
            .set_week_topic(&campaign, monday, TOPICS[week % TOPICS.len()])
            .await?;
    }
    println!(
        "Started the campaign 「{}」 ({} to {}).",
        campaign.title, calendar.start, calendar.end
    );

    let plan = store.plan_of(campaign.id).await?;
    let mut by_day: Vec<Vec<suyuan_core::library::ExcerptId>> = vec![Vec::new(); days];
    for planned in &plan {
        if let Some(day) = by_day.get_mut(planned.day) {
            day.push(planned.excerpt);
        }
    }
    let members = store
        .list_members(&MemberFilter {
            within: province.path.clone(),
            only: None,
            limit: u64::MAX >> 1,
            offset: 0,
        })
        .await?;
    let mut dice = Dice(0x5359_5541_4E00_0002);
    let mut marks = Vec::new();
    let mark =
        |member, excerpt, read_on: chrono::NaiveDate, kind, minute: u64| -> Result<NewMark> {
            Ok(NewMark {
                id: new_mark_id()?,
                campaign: campaign.id,
                member,
                excerpt,
                read_on,
                kind,
                seconds: 60 + (minute % 240) as u32,
                recorded_at: calendar.instant(
                    read_on,
                    chrono::NaiveTime::from_hms_opt(
                        7 + (minute / 60 % 14) as u32,
                        (minute % 60) as u32,
                        0,
                    )
                    .unwrap_or_default(),
                ),
            })
        };
    for member in &members {
        let model = member.number == "cuiyuan-member";
        // Each member has a habit: how often they read on the day.
        let diligence = 55 + dice.next() % 45;
        for (day, excerpts) in by_day.iter().enumerate().take(behind + 1) {
            let date = start + Duration::days(day as i64);
            let is_today = date == today;
            let roll = dice.next() % 100;
            let (read_on, kind) = if model {
                if is_today {
                    continue;
                }
                (date, MarkKind::OnTime)
            } else if roll < diligence {
                if is_today && dice.next() % 100 < 50 {
                    continue; // not yet today
                }
                (date, MarkKind::OnTime)
            } else if roll < diligence + 10 && !is_today {
                let later = 1 + dice.next() % (behind - day).max(1) as u64;
                (
                    (date + Duration::days(later as i64)).min(today),
                    MarkKind::Late,
                )
            } else {
                continue;
            };
            for excerpt in excerpts {
                let minute = dice.next() % 840;
                marks.push(mark(member.id, *excerpt, read_on, kind, minute)?);
            }
        }
    }
    for chunk in marks.chunks(20_000) {
        store.add_marks(chunk).await?;
    }
    println!(
        "Generated {} reading marks of its first {} days.",
        marks.len(),
        behind
    );
    Ok(())
}
