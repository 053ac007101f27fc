//! The web server, started for real on a loopback port against a fresh
//! database, driven over HTTP.

mod accessibility;
mod api;
mod audit;
mod auth;
mod browser;
mod compilations;
mod everyone;
mod exams;
mod extremes;
mod gatherings;
mod import;
mod library;
mod pledges;
mod progress;
mod public;
mod questions;
mod reading;
mod reminders;
mod requests;
mod roles;
mod search;
mod second_factor;
mod security;
mod sites;
mod units;

use chrono::{TimeZone, Utc};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use std::sync::Arc;
use suyuan_core::library::Markup;
use tokio::sync::oneshot;

use suyuan_core::access::Role;
use suyuan_core::campaigns::CampaignId;
use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
use suyuan_core::clock::FixedClock;
use suyuan_core::library::{CollectionId, Heading, Visibility, parse_text};
use suyuan_core::members::{MemberNumber, NewPassword, PersonName};
use suyuan_core::reading::{PointRules, ReadingPace};
use suyuan_core::units::UnitKind;
use suyuan_search::SearchIndex;
use suyuan_store::Store;
use suyuan_store::auth::hash_password;
use suyuan_store::campaigns::NewCampaign;
use suyuan_store::library::{Imported, NewCollection};
use suyuan_store::members::NewMember;
use suyuan_store::testing::{Backend, TestDb, add_unit};
use suyuan_store::units::Unit;
use suyuan_web::App;

pub const PASSWORD: &str = "test-password";

/// The little province every test starts with:
/// 浙江省 → 杭州市 → 西湖区 → 翠苑一区社区 → 第一党支部, and 杭州市 → 淳安县 → 下姜村.
pub struct World {
    pub province: Unit,
    pub hangzhou: Unit,
    pub xihu: Unit,
    pub cuiyuan: Unit,
    pub branch: Unit,
    pub chunan: Unit,
    pub xiajiang: Unit,
    /// Member ids of the people below.
    pub xihu_member: i64,
    pub chunan_member: i64,
    /// A public statute owned by the province.
    pub law: i64,
    /// Study notes only Xihu District's subtree may read.
    pub xihu_notes: i64,
    /// Study notes only Chun'an County's subtree may read.
    pub chunan_notes: i64,
    /// Compilation drafts of Xihu District and of Chun'an County.
    pub xihu_draft: i64,
    pub chunan_draft: i64,
}

pub const LAW: &str = "# 中华人民共和国示例法\n\n2020年5月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了示例，制定本法。\n\n### 第一节 细则\n\n第二条 国家实行社会主义市场经济。国家加强经济立法，发展社会主义市场经济。\n第二款的文字。\n\n## 第二章 附则\n\n第三条 本法自公布之日起施行。\n";
pub const NOTES: &str = "# 西湖区学习札记\n\n学习要持之以恒。\n\n学而不思则罔。\n";
pub const CHUNAN_NOTES: &str = "# 淳安县学习札记\n\n## 下姜村\n\n千岛湖畔学理论。\n";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: FixedClock,
    pub world: World,
    db: Option<TestDb>,
    stop: Option<oneshot::Sender<()>>,
}

pub async fn person(
    store: &Store,
    unit: &Unit,
    number: &str,
    name: &str,
    role: Role,
    hash: &str,
) -> i64 {
    store
        .create_member(
            NewMember {
                unit: unit.id,
                number: MemberNumber::parse(number).expect("number"),
                name: PersonName::parse(name).expect("name"),
                phone: None,
                role,
                password_hash: hash.to_owned(),
                must_change_password: false,
            },
            Utc::now(),
        )
        .await
        .expect("member")
        .id
        .0
}

/// The served test app's settings: its robots and mail servers are test
/// servers on this machine, which the operator's allowance lets it reach.
pub fn settings() -> suyuan_web::Settings {
    suyuan_web::Settings {
        outbound: suyuan_web::OutboundSettings {
            allow: vec!["127.0.0.1".into()],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Serves an app on a free loopback port: its base URL and its stop.
async fn serve(app: App) -> (String, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    (base, stop)
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDb::sqlite()).await
    }

    /// A test app on PostgreSQL, when it answers.
    pub async fn spawn_postgres() -> Option<Self> {
        Some(Self::spawn_on(TestDb::postgres().await?).await)
    }

    pub async fn spawn_each() -> Vec<Self> {
        let mut apps = vec![Self::spawn().await];
        apps.extend(Self::spawn_postgres().await);
        apps
    }

    async fn spawn_on(db: TestDb) -> Self {
        let store = db.open().await;
        let hash = hash_password(&NewPassword::parse(PASSWORD).expect("password")).expect("hash");
        let province = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
        let hangzhou = add_unit(&store, Some(&province), "zj-hz", "杭州市", UnitKind::City).await;
        let xihu = add_unit(
            &store,
            Some(&hangzhou),
            "zj-hz-xh",
            "西湖区",
            UnitKind::District,
        )
        .await;
        let cuiyuan = add_unit(
            &store,
            Some(&xihu),
            "zj-hz-xh-cy1",
            "翠苑一区社区",
            UnitKind::Community,
        )
        .await;
        let branch = add_unit(
            &store,
            Some(&cuiyuan),
            "zj-hz-xh-cy1-b1",
            "第一党支部",
            UnitKind::Branch,
        )
        .await;
        let chunan = add_unit(
            &store,
            Some(&hangzhou),
            "zj-hz-ca",
            "淳安县",
            UnitKind::County,
        )
        .await;
        let xiajiang = add_unit(
            &store,
            Some(&chunan),
            "zj-hz-ca-xj",
            "下姜村",
            UnitKind::Village,
        )
        .await;
        person(
            &store,
            &province,
            "province-admin",
            "周建国",
            Role::Admin,
            &hash,
        )
        .await;
        person(&store, &xihu, "xihu-admin", "沈丽华", Role::Admin, &hash).await;
        let xihu_member = person(
            &store,
            &branch,
            "cuiyuan-member",
            "陈晓燕",
            Role::Member,
            &hash,
        )
        .await;
        person(
            &store,
            &chunan,
            "chunan-admin",
            "姜文斌",
            Role::Admin,
            &hash,
        )
        .await;
        let chunan_member = person(
            &store,
            &xiajiang,
            "xiajiang-member",
            "姜秀英",
            Role::Member,
            &hash,
        )
        .await;

        let law = parse_text("示例法.md", LAW, Markup::Markdown).expect("law");
        let notes = parse_text("notes.md", NOTES, Markup::Markdown).expect("notes");
        let chunan_notes =
            parse_text("chunan.md", CHUNAN_NOTES, Markup::Markdown).expect("Chun'an notes");
        let imported = store
            .import_collections(
                &[
                    NewCollection {
                        category: "",
                        parsed: &law,
                        owner: province.id,
                        visibility: Visibility::Public,
                    },
                    NewCollection {
                        category: "",
                        parsed: &notes,
                        owner: xihu.id,
                        visibility: Visibility::Subtree,
                    },
                    NewCollection {
                        category: "",
                        parsed: &chunan_notes,
                        owner: chunan.id,
                        visibility: Visibility::Subtree,
                    },
                ],
                Utc::now(),
            )
            .await
            .expect("material");
        let ids: Vec<i64> = imported
            .iter()
            .map(|i| match i {
                Imported::Created { id, .. } | Imported::AlreadyThere { id, .. } => id.0,
            })
            .collect();
        let draft = |unit: &Unit, title: &str| {
            let store = store.clone();
            let unit = unit.id;
            let title = Heading::parse(title).expect("title");
            async move {
                store
                    .create_draft(unit, &title, Utc::now())
                    .await
                    .expect("draft")
                    .id
            }
        };
        let xihu_draft = draft(&xihu, "西湖区学习汇编").await;
        let chunan_draft = draft(&chunan, "淳安县学习汇编").await;
        store
            .add_to_draft(
                chunan_draft,
                Some(&Heading::parse("第一部分").expect("heading")),
                None,
            )
            .await
            .expect("draft item");
        let clock = FixedClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
                .single()
                .expect("time"),
        );
        let search = Arc::new(SearchIndex::in_memory().expect("index"));
        let app = App::build_with(store.clone(), Arc::new(clock.clone()), search, &settings())
            .await
            .expect("app");
        let (base, stop) = serve(app).await;
        TestApp {
            base,
            store,
            clock,
            world: World {
                province,
                hangzhou,
                xihu,
                cuiyuan,
                branch,
                chunan,
                xiajiang,
                xihu_member,
                chunan_member,
                law: ids[0],
                xihu_notes: ids[1],
                chunan_notes: ids[2],
                xihu_draft,
                chunan_draft,
            },
            db: Some(db),
            stop: Some(stop),
        }
    }

    /// A reading campaign for Xihu District over the law's three articles,
    /// one a day from 23 to 27 November 2026: on the test clock's day (the
    /// 25th) the third article is due.
    pub async fn campaign(&self) -> CampaignId {
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        self.store
            .create_campaign(
                NewCampaign {
                    owner: self.world.hangzhou.id,
                    title: "学法用法".into(),
                    theme: "学习示例法".into(),
                    calendar: Calendar::new(DEFAULT_ZONE, day(23), day(27)).expect("calendar"),
                    evening: chrono::NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                    pace: ReadingPace::default(),
                    rules: PointRules::default(),
                    units: vec![self.world.xihu.id],
                    collections: vec![CollectionId(self.world.law)],
                },
                Utc::now(),
            )
            .await
            .expect("campaign")
            .id
    }

    /// A weekly study for `unit` that starts `starts_in` from the test's
    /// clock and lasts an hour and a half, planned by the province admin.
    pub async fn gathering(&self, unit: &Unit, starts_in: chrono::Duration) -> i64 {
        self.gathering_in(unit, starts_in, None).await
    }

    /// `gathering`, as part of a campaign.
    /// A teaching site of `unit`, open every day 09:00–12:00 and
    /// 13:30–16:30 in slots of 90 minutes, 60 a slot; managed by
    /// `site-manager` when `managed`.
    pub async fn site(&self, unit: &Unit, name: &str, managed: bool) -> i64 {
        use suyuan_core::clock::Clock;
        use suyuan_core::sites::{OpeningHours, SiteDetails, SlotTimes, VisitRules};
        let mut week: [Vec<SlotTimes>; 7] = Default::default();
        for day in week.iter_mut() {
            *day = SlotTimes::parse_list("09:00-12:00, 13:30-16:30").expect("hours");
        }
        let form = suyuan_store::sites::SiteForm {
            unit: unit.id,
            details: SiteDetails::new(name, "memorial_hall", "杭州市上城区皮市巷3号", None, "")
                .expect("details"),
            hours: OpeningHours::new(chrono_tz::Asia::Shanghai, 90, week).expect("week"),
            rules: VisitRules::new(60, 300, (5, 60), 30, 24, 12).expect("rules"),
        };
        let site = self
            .store
            .create_site(&form, self.clock.now())
            .await
            .expect("site");
        if managed {
            let manager = self.site_manager().await;
            self.store
                .add_site_manager(site.id, manager)
                .await
                .expect("manager named");
        }
        site.id.0
    }

    /// `site-manager`, a site manager in the branch beside
    /// `cuiyuan-member`: made when a test first needs them, so that the
    /// world's counts stay those of the tests that do not.
    pub async fn site_manager(&self) -> suyuan_core::members::MemberId {
        self.in_the_branch("site-manager", "吴振宇", Role::SiteManager)
            .await
    }

    /// `branch-admin`, the admin of `cuiyuan-member`'s branch: made, like
    /// the site manager, when a test first needs them.
    pub async fn branch_admin(&self) -> suyuan_core::members::MemberId {
        self.in_the_branch("branch-admin", "钱志刚", Role::Admin)
            .await
    }

    /// A person of `cuiyuan-member`'s branch, made on first asking.
    async fn in_the_branch(
        &self,
        number: &str,
        name: &str,
        role: Role,
    ) -> suyuan_core::members::MemberId {
        let parsed = suyuan_core::members::MemberNumber::parse(number).expect("number");
        if let Ok(there) = self.store.member_by_number(&parsed).await {
            return there.id;
        }
        let hash = hash_password(&NewPassword::parse(PASSWORD).expect("password")).expect("hash");
        let id = person(&self.store, &self.world.branch, number, name, role, &hash).await;
        suyuan_core::members::MemberId(id)
    }

    pub async fn gathering_in(
        &self,
        unit: &Unit,
        starts_in: chrono::Duration,
        campaign: Option<CampaignId>,
    ) -> i64 {
        use suyuan_core::clock::Clock;
        use suyuan_core::gatherings::Details;
        use suyuan_core::gatherings::{Kind, Slot};
        use suyuan_store::gatherings::NewGathering;
        let starts_at = self.clock.now() + starts_in;
        let organizer = self
            .store
            .member_by_number(
                &suyuan_core::members::MemberNumber::parse("province-admin").expect("number"),
            )
            .await
            .expect("organizer");
        self.store
            .create_gatherings(
                vec![NewGathering {
                    unit: unit.id,
                    campaign,
                    kind: Kind::WeeklyStudy,
                    details: Details {
                        title: format!("{}周学习", unit.name),
                        topic: "学习宪法".into(),
                        ..Details::default()
                    },
                    slot: Slot {
                        starts_at,
                        ends_at: starts_at + chrono::Duration::minutes(90),
                    },
                }],
                organizer.id,
                self.clock.now(),
            )
            .await
            .expect("gathering")[0]
            .0
    }

    /// Another instance of the application on the same database, with
    /// the same clock (the way instances behind a load balancer share one).
    pub async fn instance(&self, outbound: &suyuan_web::OutboundSettings) -> App {
        self.instance_with(&suyuan_web::Settings {
            outbound: outbound.clone(),
            ..Default::default()
        })
        .await
    }

    /// `instance`, with settings of its own.
    pub async fn instance_with(&self, settings: &suyuan_web::Settings) -> App {
        self.try_instance(settings).await.expect("app")
    }

    /// `instance_with`, or why it would not start.
    pub async fn try_instance(&self, settings: &suyuan_web::Settings) -> Result<App, String> {
        let db = self.db.as_ref().expect("a database");
        let store = Store::open(&db.location).await.expect("open");
        let search = Arc::new(SearchIndex::in_memory().expect("index"));
        App::build_with(store, Arc::new(self.clock.clone()), search, settings)
            .await
            .map_err(|e| e.to_string())
    }

    /// Another instance with settings of its own, serving until its stop
    /// is sent or dropped: its base URL and its stop.
    pub async fn serve_with(
        &self,
        settings: &suyuan_web::Settings,
    ) -> (String, oneshot::Sender<()>) {
        serve(self.instance_with(settings).await).await
    }

    /// Another instance on the same database, serving on a port of its
    /// own until dropped: its base URL and its stop.
    pub async fn serve_instance(&self) -> (String, oneshot::Sender<()>) {
        serve(self.instance_with(&settings()).await).await
    }

    pub fn backend(&self) -> Backend {
        self.db.as_ref().map_or(Backend::Sqlite, |db| db.backend)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> Browser {
        Browser {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// A browser signed in as `login`.
    pub async fn signed_in(&self, login: &str) -> Browser {
        let browser = self.browser();
        let response = browser.sign_in(login, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign in as {login}"
        );
        browser
    }

    /// An API token for `login`.
    pub async fn token(&self, login: &str) -> String {
        let response = Client::new()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"login": login, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::OK);
        let body: serde_json::Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The opening stamp the API hands the holder of `token` with an
    /// excerpt (as a reading client takes it before marking).
    pub async fn stamp(&self, token: &str, excerpt: i64) -> String {
        let body: serde_json::Value = Client::new()
            .get(self.url(&format!("/api/v1/excerpts/{excerpt}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("excerpt")
            .json()
            .await
            .expect("json");
        body["opening_stamp"]
            .as_str()
            .unwrap_or_else(|| panic!("a stamp: {body}"))
            .to_owned()
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.store.clone().close().await;
        if let Some(db) = self.db.take() {
            db.drop_database().await;
        }
    }
}

pub struct Browser {
    pub client: Client,
    base: String,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The CSRF token in the forms of the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let page = self.text(path).await;
        hidden(&page, "csrf").unwrap_or_else(|| panic!("no csrf field on {path}: {page}"))
    }

    /// Posts a form as the page at `form_page` would, with its CSRF token.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf(form_page).await;
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        self.client
            .post(self.url(action))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Uploads a file as the form on the page at `form_page` would.
    pub async fn upload(
        &self,
        form_page: &str,
        action: &str,
        field: &str,
        name: &str,
        bytes: &[u8],
    ) -> Response {
        let csrf = self.csrf(form_page).await;
        let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
            field.to_owned(),
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        );
        self.client
            .post(self.url(action))
            .multipart(form)
            .send()
            .await
            .expect("upload")
    }

    pub async fn sign_in(&self, login: &str, password: &str) -> Response {
        self.submit(
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }
}

/// The value of the first hidden input named `name`.
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// The seconds a 429 says to wait (`Retry-After`), which it must say.
pub fn retry_after(response: &Response) -> u64 {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .filter(|seconds| *seconds > 0)
        .unwrap_or_else(|| panic!("a 429 says when to try again: {:?}", response.headers()))
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
