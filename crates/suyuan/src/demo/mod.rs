//! The demo province: a tree of offices, cities, districts, communities,
//! villages and branches, about 3,000 members with plausible names, and
//! four fixed logins for the README. Generated here; nothing is read from
//! outside.

mod gatherings;
mod pledges;
mod public;
mod requests;
mod sites;

pub use gatherings::seed_gatherings;
pub use pledges::seed_pledges;
pub use public::seed_public;
pub use requests::seed_requests;
pub use sites::seed_sites;

use anyhow::Result;
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use suyuan_core::campaigns::Topic;

use suyuan_app::exams::set_ten_day_tests;
use suyuan_app::library::{MaterialFile, import_material};
use suyuan_app::members::import_rows;
use suyuan_app::questions::propose_from_readings;
use suyuan_core::access::Role;
use suyuan_core::library::CollectionId;
use suyuan_core::members::{MemberNumber, MemberRow, NewPassword, PersonName, Phone};
use suyuan_core::units::{UnitCode, UnitKind, UnitName, UnitRef};
use suyuan_i18n::Lang;
use suyuan_store::Store;
use suyuan_store::auth::hash_password;
use suyuan_store::library::Collection;
use suyuan_store::members::NewMember;
use suyuan_store::units::{NewUnit, Unit};

pub const PASSWORD: &str = "suyuan-demo";
const PROVINCE_CODE: &str = "zj";

/// The fixed logins: member number, name, unit code, role.
/// The demo's site manager, of the constitution hall's branch.
pub const SITE_MANAGER: &str = "site-manager";

const LOGINS: [(&str, &str, &str, Role); 4] = [
    ("province-admin", "周建国", "zj", Role::Admin),
    ("xihu-admin", "沈丽华", "zj-hz-xh", Role::Admin),
    (
        "cuiyuan-member",
        "陈晓燕",
        "zj-hz-xh-cy-cy1-b1",
        Role::Member,
    ),
    (
        SITE_MANAGER,
        "吴振宇",
        "zj-hz-xh-memorial-b1",
        Role::SiteManager,
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

/// A small deterministic generator, so that every demo has the same
/// people (and the bench the same arrivals).
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    /// A number in [0, 1).
    pub(crate) fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
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
    let report = import_rows(store, &rows, None, &password, now).await?;

    for login in LOGINS {
        create_login(store, login, &hash, now).await?;
    }
    println!(
        "Created {} units and {} members.",
        store.count_units().await?,
        report.created + LOGINS.len()
    );
    Ok(())
}

async fn create_login(
    store: &Store,
    (number, name, unit_code, role): (&str, &str, &str, Role),
    hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let unit = store.unit_by_code(&UnitCode::parse(unit_code)?).await?;
    store
        .create_member(
            NewMember {
                unit: unit.id,
                number: MemberNumber::parse(number)?,
                name: PersonName::parse(name)?,
                phone: None,
                role,
                password_hash: hash.to_owned(),
                must_change_password: false,
            },
            now,
        )
        .await?;
    Ok(())
}

/// Adds the fixed logins a demo made by an earlier release lacks.
pub async fn add_missing_logins(store: &Store, now: DateTime<Utc>) -> Result<()> {
    let hash = hash_password(&NewPassword::parse(PASSWORD)?)?;
    for login in LOGINS {
        if store
            .member_by_number(&MemberNumber::parse(login.0)?)
            .await
            .is_err()
        {
            create_login(store, login, &hash, now).await?;
        }
    }
    Ok(())
}

pub fn print_logins(listen: SocketAddr) {
    println!();
    println!("Demo logins (password: {PASSWORD}) at http://{listen}/ :");
    for (number, name, _, role) in LOGINS {
        let what = match (number, role) {
            ("province-admin", _) => "admin of 浙江省 (the whole province)",
            ("xihu-admin", _) => "admin of 西湖区 (Xihu District)",
            (SITE_MANAGER, _) => {
                "manager of two teaching sites (the door: check groups in by their code)"
            }
            _ => "a member of a branch in 翠苑一区社区 (Cuiyuan District 1 community)",
        };
        println!("  {number:<16} {name}  {what}");
    }
    println!();
}

/// A short study text of our own, for a demo started without material.
const SAMPLE: &str = "# 学习方法十二讲（示例）

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

## 第五讲 读原文

第十一条 学习要读原文、悟原理，不满足于别人的转述和摘要。

第十二条 原文有上下文，脱离上下文的一句话，容易被理解偏了。

第十三条 读法律条文时，注意主语是谁、在什么条件下、承担什么责任。

第十四条 同一个概念在不同条文中反复出现时，把这些条文放在一起对照阅读。

第十五条 读不懂的条文，先查本法的定义条款，再查相关的司法解释。

## 第六讲 做笔记

第十六条 笔记不求多，每次记下一个关键词、一个问题、一个想法即可。

第十七条 手机上的收藏夹可以代替笔记本，但要定期整理，删去不再需要的内容。

第十八条 把笔记按主题归类，每月翻看一次，就能看出自己的进步。

第十九条 抄写重要条文，是加深记忆的老办法，也是好办法。

第二十条 笔记里写上出处，日后引用时才能找到原文，经得起核对。

## 第七讲 联系实际

第二十一条 社区干部学习物业管理的规定，就能更好地调解邻里之间的纠纷。

第二十二条 村干部学习土地承包的法律，就能在村民议事时讲清道理。

第二十三条 窗口单位学习行政许可的规定，就能让群众少跑腿、快办事。

第二十四条 每次学习后，找一件身边的事，试着用学到的条文分析一遍。

第二十五条 联系实际不是生搬硬套，要看清事情的来龙去脉再下结论。

## 第八讲 集体学习

第二十六条 集体学习要有主持人，负责控制时间，引导讨论不跑题。

第二十七条 年纪大的党员看手机不方便，支部可以把材料打印成大字版。

第二十八条 外出务工的党员可以通过线上方式参加学习，事后补交心得。

第二十九条 集体学习的记录要真实，签到、发言和心得都要有据可查。

第三十条 学习效果好的支部，可以在全区交流经验，带动其他支部。

## 第九讲 以考促学

第三十一条 考试不是目的，而是检验学习效果、发现薄弱环节的手段。

第三十二条 答错的题目要弄清错在哪里，是记错了、看错了还是理解错了。

第三十三条 错题本要常翻常看，间隔一段时间再做一遍，才能真正记牢。

第三十四条 考前突击的效果不如每天阅读，平时积累才是根本。

第三十五条 组织考试要公平，题目来自学过的内容，评分标准事先公布。

## 第十讲 服务群众

第三十六条 为民办实事要从群众最关心的问题入手，比如养老、就医和出行。

第三十七条 承诺的事项要公开进度，办成了及时告知，办不成说明原因。

第三十八条 群众的诉求要在规定时限内答复，不能一拖了之。

第三十九条 听取群众意见时，要把话听完，把情况问清，把结果反馈到位。

第四十条 服务群众的成效，最终要由群众来评价。

## 第十一讲 依法办事

第四十一条 办事之前先问一问：法律有没有规定，程序有没有走完。

第四十二条 涉及群众切身利益的决定，要依法公示，听取意见。

第四十三条 执法要规范，告知权利、说明理由、依法送达，一个环节也不能少。

第四十四条 发现程序有瑕疵，要及时纠正，不能将错就错。

第四十五条 依法办事保护的是群众，也保护了办事的干部。

## 第十二讲 持之以恒

第四十六条 学习贵在坚持，连续学习的天数比一次学习的时长更重要。

第四十七条 中断了不要紧，第二天接着读，把落下的内容补上即可。

第四十八条 设定一个小目标，比如一个月读完一部法律，完成后给自己一点鼓励。

第四十九条 和身边的同志结成学习对子，互相提醒，互相督促。

第五十条 学习是一辈子的事，活到老，学到老。
";

/// The demo's own sample of study material, for when no path is given.
pub fn sample() -> MaterialFile {
    MaterialFile {
        category: String::new(),
        name: "学习方法十二讲.md".into(),
        bytes: SAMPLE.as_bytes().to_vec(),
    }
}

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
            let summary = crate::import_material(store, path, province.id, visibility, now).await?;
            println!(
                "Study material: {} collections imported ({} excerpts), {} there already.",
                summary.created, summary.excerpts, summary.already_there
            );
        }
        None => {
            import_material(store, None, &[sample()], province.id, visibility, now).await?;
        }
    }
    Ok(())
}

/// The demo campaign's planned length, and how far it is under way.
const CAMPAIGN_DAYS: usize = 49;
const DAYS_BEHIND: usize = 21;
/// About this many excerpts a day: a reading a member can do on a phone.
const EXCERPTS_A_DAY: usize = 4;

/// The demo campaign's material when the statutes are there: the
/// Constitution, then the laws of the symbols its fourth chapter names.
const THEME: [&str; 4] = ["宪法", "国旗法", "国歌法", "国徽法"];

/// The collections the demo campaign reads, in reading order: the theme's
/// statutes (each in its latest edition) that are in the library, or —
/// started without them — everything there is, smallest first, as far as
/// a few articles a day allows.
fn campaign_material(collections: &[Collection]) -> Vec<CollectionId> {
    let named = |name: &str| {
        collections
            .iter()
            .filter(|c| c.title == name || c.title == format!("中华人民共和国{name}"))
            .max_by_key(|c| c.edition)
            .map(|c| c.id)
    };
    let themed: Vec<CollectionId> = THEME.iter().filter_map(|name| named(name)).collect();
    if !themed.is_empty() {
        return themed;
    }
    let mut by_size: Vec<&Collection> = collections.iter().collect();
    by_size.sort_by_key(|c| c.excerpt_count);
    let mut chosen = Vec::new();
    let mut excerpts = 0;
    for collection in by_size {
        let count = collection.excerpt_count.max(0) as usize;
        if chosen.is_empty() || excerpts + count <= CAMPAIGN_DAYS * EXCERPTS_A_DAY {
            chosen.push(collection.id);
            excerpts += count;
        }
    }
    chosen
}

/// Counts the generated history into the dashboards' summaries: the
/// demo writes its marks in bulk, past the writer that counts them.
pub async fn count_progress(store: &Store) -> Result<()> {
    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    for campaign in store.campaigns_within(&province.path).await? {
        store.rebuild_progress(&campaign).await?;
    }
    Ok(())
}

/// Starts the demo's reading campaign (unless there is one) three weeks
/// ago, with generated history: most members read most days, some catch
/// up later, and some have read today already. `cuiyuan-member` read every
/// day so far and has today's reading still to do.
pub async fn seed_campaign(store: &Store, now: DateTime<Utc>) -> Result<()> {
    use chrono::Duration;
    use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
    use suyuan_core::reading::{MarkKind, PointRules, ReadingPace};
    use suyuan_store::campaigns::NewCampaign;
    use suyuan_store::members::MemberFilter;
    use suyuan_store::reading::{NewMark, new_mark_id};

    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    if !store.campaigns_within(&province.path).await?.is_empty() {
        return Ok(());
    }
    let collections = store.collections().await?;
    let chosen = campaign_material(&collections);
    if chosen.is_empty() {
        return Ok(());
    }
    let excerpts: usize = collections
        .iter()
        .filter(|c| chosen.contains(&c.id))
        .map(|c| c.excerpt_count.max(0) as usize)
        .sum();
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
            .set_week_topic(
                &campaign,
                monday,
                &Topic::parse(TOPICS[week % TOPICS.len()])?,
            )
            .await?;
    }
    println!(
        "Started the campaign 「{}」 ({} to {}).",
        campaign.title, calendar.start, calendar.end
    );

    let plan = campaign.plan(&store.plan_of(campaign.id).await?);
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
        for (day, date) in calendar.days().enumerate().take(behind + 1) {
            let excerpts = plan.get(&date).into_iter().flatten();
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

/// A few choice questions on the Constitution, written for the demo, so
/// that its tests show every kind of option; the rest of the bank is
/// generated from the campaign's readings.
const CHOICE_QUESTIONS: &str = "$CATEGORY: 宪法/基本知识

::根本法::我国的根本法是{=宪法 ~刑法 ~民法典 ~地方组织法}

::宪法日::国家宪法日是每年的{~3月15日 =12月4日 ~10月1日 ~7月1日}

::权力归属::中华人民共和国的一切权力属于{=人民 ~政府 ~军队 ~法院}

::最高权力机关::我国的最高国家权力机关是{~国务院 =全国人民代表大会 ~最高人民法院 ~中央军事委员会}

::宪法宣誓::国家工作人员就职时应当依照法律规定公开进行宪法宣誓。{T}

::权利与义务::下列哪些是宪法规定的公民基本权利？{~%50%选举权和被选举权 ~%50%宗教信仰自由 ~%-100%依法纳税}
";

/// The demo's ten-day tests: a bank built from the campaign's material
/// (up to the end of the current dekad; the week after it is proposed to
/// Xihu District for review), a test for every dekad, and the past ones
/// sat by most members. `cuiyuan-member` sat every past test, with a few
/// mistakes, and has the current one still to sit.
pub async fn seed_tests(store: &Store, now: DateTime<Utc>) -> Result<()> {
    use chrono::Duration;
    use suyuan_app::questions::import_questions;
    use suyuan_core::campaigns::Dekad;
    use suyuan_core::exams::TenDayTests;
    use suyuan_core::questions::Format;
    use suyuan_store::members::MemberFilter;
    use suyuan_store::questions::Status;

    let province = store.unit_by_code(&UnitCode::parse(PROVINCE_CODE)?).await?;
    let Some(campaign) = store
        .campaigns_within(&province.path)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    if !store.exams_of(campaign.id).await?.is_empty() {
        return Ok(());
    }
    let calendar = campaign.calendar;
    let today = calendar.date_at(now);
    let dekad_end = Dekad::of(today).last_day().min(calendar.end);
    let choice = CHOICE_QUESTIONS.as_bytes();
    import_questions(
        store,
        "choice.gift",
        choice,
        Format::Gift,
        province.id,
        None,
        now,
    )
    .await?;
    let bank = propose_from_readings(
        store,
        province.id,
        &campaign,
        calendar.start..=dekad_end,
        Status::Active,
        now,
    )
    .await?;
    let xihu = store.unit_by_code(&UnitCode::parse("zj-hz-xh")?).await?;
    let proposed = propose_from_readings(
        store,
        xihu.id,
        &campaign,
        dekad_end + Duration::days(1)..=dekad_end + Duration::days(7),
        Status::Proposed,
        now,
    )
    .await?;
    // Ten questions a test, or the whole bank when the material is short.
    let choice_questions = 6;
    let plan = TenDayTests {
        questions: 10.min(bank.added + bank.already + choice_questions),
        from_readings: 6,
        limit: Duration::minutes(20),
        attempts_allowed: 2,
        pass_mark: 60,
        mistakes: 2,
    };
    let set = set_ten_day_tests(store, &campaign, plan, Lang::Zh, now).await?;
    println!(
        "Built a question bank of {} questions from the material ({} more proposed to 西湖区 for review) and set {} ten-day tests.",
        bank.added + choice_questions,
        proposed.added,
        set.set
    );

    let members = store
        .list_members(&MemberFilter {
            within: province.path.clone(),
            only: None,
            limit: u64::MAX >> 1,
            offset: 0,
        })
        .await?;
    let mut dice = Dice(0x5359_5541_4E00_0003);
    // Sittings run side by side, as on a real evening: the store's exam
    // writer commits their answers together.
    let mut running = tokio::task::JoinSet::new();
    let mut sat = 0;
    for exam in store.exams_of(campaign.id).await? {
        let window = exam.test.window;
        if window.closes > now {
            continue;
        }
        let exam = std::sync::Arc::new(exam);
        for member in &members {
            let model = member.number == "cuiyuan-member";
            // Most sit it, some time on the dekad's last days.
            if !model && dice.next() % 100 >= 85 {
                continue;
            }
            let skill = if model { 80 } else { 50 + dice.next() % 50 };
            let started = window.closes - Duration::minutes(60 + (dice.next() % 2_000) as i64);
            let sitting = (
                store.clone(),
                exam.clone(),
                member.id,
                Dice(dice.next() | 1),
            );
            running.spawn(async move {
                let (store, exam, member, dice) = sitting;
                sit_past_test(&store, &exam, member, skill, started, dice).await
            });
            if running.len() >= 64 {
                running.join_next().await.transpose()?.transpose()?;
                sat += 1;
            }
        }
    }
    while let Some(done) = running.join_next().await {
        done??;
        sat += 1;
    }
    println!("Generated {sat} past ten-day test sittings.");
    Ok(())
}

/// One member's sitting of a past test: each answer right with a chance
/// of `skill` in 100.
async fn sit_past_test(
    store: &Store,
    exam: &suyuan_store::exams::Exam,
    member: suyuan_core::members::MemberId,
    skill: u64,
    started: DateTime<Utc>,
    mut dice: Dice,
) -> Result<()> {
    use chrono::Duration;
    use suyuan_core::questions::{Answer, Response};

    let attempt = store.start_attempt(exam, member, started).await?;
    let ids: Vec<_> = attempt.items.iter().map(|i| i.question).collect();
    let questions = store.questions_by_id(&ids).await?;
    for (position, item) in attempt.items.iter().enumerate() {
        let Some(question) = questions.get(&item.question) else {
            continue;
        };
        let right = dice.next() % 100 < skill;
        let response = match &question.answer {
            Answer::TrueFalse { correct, .. } => Response::Bool(*correct == right),
            Answer::Blank { accepted, .. } if right => Response::Text(accepted[0].clone()),
            Answer::Blank { .. } | Answer::Short { .. } => Response::Text("不记得了".into()),
            Answer::Single { choices } | Answer::Multiple { choices, .. } => {
                let wanted = |c: &suyuan_core::questions::Choice| c.is_right() == right;
                Response::Chosen(choices.iter().position(wanted).into_iter().collect())
            }
        };
        let at = started + Duration::seconds(30 * (position as i64 + 1));
        store
            .save_answer(attempt.id, member, position, &response, at)
            .await?;
    }
    store
        .submit_attempt(attempt.id, started + Duration::minutes(8))
        .await?;
    Ok(())
}
