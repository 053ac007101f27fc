//! The role matrix: every route the router serves (checked against it),
//! by page and by API, for seven roles — a visitor, the province's admin,
//! two districts' admins, a branch's admin, a member and a site manager —
//! on objects inside and outside each one's scope, each with the status
//! it must get; and no refusal names what lies outside the caller's scope.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use suyuan_core::library::{ChapterId, CollectionId, ExcerptId};

use crate::{Browser, TestApp, World};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// The public: a visitor with no account.
    Public,
    ProvinceAdmin,
    /// The admin of Xihu District.
    XihuAdmin,
    /// Another district's admin: Chun'an County's.
    ChunanAdmin,
    /// The admin of the member's branch, below Xihu.
    BranchAdmin,
    Member,
    /// A member of the same branch who manages a teaching site of Xihu.
    SiteManager,
}

const EVERYONE: [Who; 7] = [
    Who::Public,
    Who::ProvinceAdmin,
    Who::XihuAdmin,
    Who::ChunanAdmin,
    Who::BranchAdmin,
    Who::Member,
    Who::SiteManager,
];

impl Who {
    fn login(self) -> Option<&'static str> {
        match self {
            Who::Public => None,
            Who::ProvinceAdmin => Some("province-admin"),
            Who::XihuAdmin => Some("xihu-admin"),
            Who::ChunanAdmin => Some("chunan-admin"),
            Who::BranchAdmin => Some("branch-admin"),
            Who::Member => Some("cuiyuan-member"),
            Who::SiteManager => Some("site-manager"),
        }
    }
}

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(Value),
    /// A multipart upload of one empty file: the form field and file name.
    Upload(&'static str, &'static str),
}

/// A request and the status each role gets, in the order of `EVERYONE`
/// (the public, the province's admin, Xihu's, Chun'an's, the branch's, a
/// member, a site manager); `None` where the request is not made for that
/// role (it would change what later rows see).
struct Case {
    method: &'static str,
    path: String,
    body: Body,
    expect: [Option<u16>; 7],
}

/// A row's statuses, one per role in the order of `EVERYONE` — the
/// public, the province's admin, Xihu's, Chun'an's, the branch's, a
/// member, a site manager — and `-` where the request is not made for
/// that role.
fn by_role(statuses: &str) -> [Option<u16>; 7] {
    let statuses: Vec<Option<u16>> = statuses
        .split_whitespace()
        .map(|s| (s != "-").then(|| s.parse().expect("a status")))
        .collect();
    statuses
        .try_into()
        .expect("a status for each of the seven roles")
}

fn case(method: &'static str, path: String, body: Body, expect: [Option<u16>; 7]) -> Case {
    Case {
        method,
        path,
        body,
        expect,
    }
}

/// The first chapter and excerpt of a collection.
async fn first_parts(app: &TestApp, collection: i64) -> (ChapterId, ExcerptId) {
    let id = CollectionId(collection);
    let chapters = app.store.chapters(id).await.expect("chapters");
    let excerpts = app.store.excerpts(id, None).await.expect("excerpts");
    (chapters[0].id, excerpts[0].id)
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

async fn pages(app: &TestApp) -> Vec<Case> {
    let w = &app.world;
    let (law_chapter, law_excerpt) = first_parts(app, w.law).await;
    let (chunan_chapter, chunan_excerpt) = first_parts(app, w.chunan_notes).await;
    let chunan_item = app.store.draft_items(w.chunan_draft).await.expect("items")[0].id;
    let campaign = xihu_campaign(app).await;
    let mut cases = vec![
        case("GET", "/".into(), Body::None, [Some(200); 7]),
        case(
            "GET",
            format!("/units/{}", w.xihu.id),
            Body::None,
            by_role("303 200 200 404 404 404 404"),
        ),
        case(
            "GET",
            format!("/units/{}", w.chunan.id),
            Body::None,
            by_role("303 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/units/{}", w.xiajiang.id),
            Body::None,
            by_role("303 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/units/{}/members", w.xihu.id),
            Body::None,
            by_role("303 200 200 404 404 404 404"),
        ),
        case(
            "GET",
            format!("/units/{}/members", w.chunan.id),
            Body::None,
            by_role("303 200 404 200 404 404 404"),
        ),
        // The branch: in its own admin's scope, as in those above it.
        case(
            "GET",
            format!("/units/{}", w.branch.id),
            Body::None,
            by_role("303 200 200 404 200 404 404"),
        ),
        case(
            "GET",
            format!("/units/{}/members", w.branch.id),
            Body::None,
            by_role("303 200 200 404 200 404 404"),
        ),
        case(
            "GET",
            format!("/units/{}/audit", w.branch.id),
            Body::None,
            by_role("303 200 200 404 200 404 404"),
        ),
        case(
            "POST",
            format!("/members/{}/password", w.chunan_member),
            form(&[]),
            by_role("303 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            "/members/import".into(),
            Body::None,
            by_role("303 200 200 200 200 403 403"),
        ),
        case(
            "GET",
            "/account/password".into(),
            Body::None,
            by_role("303 200 200 200 200 200 200"),
        ),
        // Two-step sign-in is offered to those who see others' data.
        case(
            "GET",
            "/account/second-factor".into(),
            Body::None,
            by_role("303 200 200 200 200 404 200"),
        ),
        case(
            "POST",
            "/account/second-factor/begin".into(),
            form(&[]),
            by_role("303 303 303 303 303 404 303"),
        ),
        case(
            "POST",
            "/account/second-factor/confirm".into(),
            form(&[("code", "000000")]),
            by_role("303 422 422 422 422 404 422"),
        ),
        case(
            "POST",
            "/account/second-factor/recovery-codes".into(),
            form(&[("code", "000000")]),
            by_role("303 422 422 422 422 404 422"),
        ),
        case(
            "POST",
            "/account/second-factor/off".into(),
            form(&[("code", "000000")]),
            by_role("303 422 422 422 422 404 422"),
        ),
        // Without a password step just passed, there is no second one.
        case("GET", "/login/code".into(), Body::None, [Some(303); 7]),
        case(
            "POST",
            "/login/code".into(),
            form(&[("code", "000000")]),
            [Some(422); 7],
        ),
        case(
            "GET",
            "/units/999999".into(),
            Body::None,
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            format!("/units/{}/children", w.chunan.id),
            form(&[
                ("name", "新村"),
                ("code", "zj-hz-ca-new"),
                ("kind", "village"),
            ]),
            by_role("303 303 404 409 404 404 404"),
        ),
        case(
            "POST",
            format!("/units/{}/children", w.cuiyuan.id),
            form(&[
                ("name", "第二党支部"),
                ("code", "zj-hz-xh-cy1-b2"),
                ("kind", "branch"),
            ]),
            by_role("303 - 303 404 404 404 404"),
        ),
        case(
            "POST",
            format!("/units/{}/rename", w.cuiyuan.id),
            form(&[("name", "翠苑一区社区")]),
            by_role("303 303 303 404 404 404 404"),
        ),
        case(
            "POST",
            format!("/units/{}/rename", w.xiajiang.id),
            form(&[("name", "下姜村")]),
            by_role("303 303 404 303 404 404 404"),
        ),
        // An admin's own unit is changed from the level above.
        case(
            "POST",
            format!("/units/{}/rename", w.xihu.id),
            form(&[("name", "西湖区")]),
            by_role("303 303 403 404 404 404 404"),
        ),
        case(
            "POST",
            format!("/units/{}/archive", w.xiajiang.id),
            form(&[]),
            by_role("303 422 404 422 404 404 404"),
        ),
        case(
            "POST",
            format!("/units/{}/move", w.branch.id),
            form(&[("parent_code", "zj-hz-ca")]),
            by_role("303 - 404 404 403 404 404"),
        ),
        case(
            "GET",
            paths_with_next("/lang/en", "/"),
            Body::None,
            by_role("303 303 303 303 303 303 303"),
        ),
        case(
            "GET",
            "/members/import/template.csv".into(),
            Body::None,
            by_role("303 200 200 200 200 403 403"),
        ),
        case(
            "POST",
            "/members/import".into(),
            Body::Upload("file", "roster.csv"),
            by_role("303 422 422 422 422 403 403"),
        ),
        case(
            "POST",
            "/account/password".into(),
            form(&[
                ("current_password", "not-the-password"),
                ("new_password", "a-brand-new-password"),
                ("confirm_password", "a-brand-new-password"),
            ]),
            by_role("303 422 422 422 422 422 422"),
        ),
    ];
    cases.extend(reading_pages(campaign, w.law, law_excerpt));
    cases.extend(library_pages(
        w,
        law_chapter,
        law_excerpt,
        chunan_chapter,
        chunan_excerpt,
        chunan_item,
    ));
    cases.extend(question_pages());
    cases.extend(question_review_pages(app, campaign).await);
    cases.extend(gathering_pages(app).await);
    cases.extend(site_pages(app).await);
    cases.extend(pledge_pages(app).await);
    cases.extend(request_pages(app).await);
    cases.extend(public_pages(app).await);
    // Last, as it ends the browser's session.
    cases.push(case(
        "POST",
        "/logout".into(),
        form(&[]),
        by_role("303 303 303 303 303 303 303"),
    ));
    cases
}

/// Gatherings: a branch's (Xihu) and a village's (Chun'an), both a day
/// away. Writes are made with input that is refused, so that nothing
/// changes between roles.
async fn gathering_pages(app: &TestApp) -> Vec<Case> {
    let w = &app.world;
    let day = chrono::Duration::days(1);
    let ours = app.gathering(&w.branch, day).await;
    let theirs = app.gathering(&w.xiajiang, day).await;
    let campaign = xihu_campaign(app).await;
    let everyone = by_role("303 200 200 200 200 200 200");
    let in_xihu = by_role("303 200 200 404 200 200 200");
    let over_chunan = by_role("303 200 404 200 404 404 404");
    let admins = by_role("303 200 200 404 200 404 404");
    let refused_for_admins = by_role("303 422 422 404 422 404 404");
    let refused_over_chunan = by_role("303 422 404 422 404 404 404");
    let get = |path: String, expect| case("GET", path, Body::None, expect);
    let mut cases = vec![
        get("/gatherings".into(), everyone),
        get("/progress".into(), everyone),
        get(
            "/progress?period=year".into(),
            by_role("303 422 422 422 422 422 422"),
        ),
        get(format!("/gatherings/{ours}"), in_xihu),
        get(format!("/gatherings/{ours}/event.ics"), in_xihu),
        get(format!("/gatherings/{theirs}"), over_chunan),
        get(format!("/gatherings/{theirs}/event.ics"), over_chunan),
        get(format!("/gatherings/{ours}/run"), admins),
        get(format!("/gatherings/{theirs}/run"), over_chunan),
        get(format!("/gatherings/{ours}/roll"), admins),
        get(format!("/gatherings/{theirs}/roll"), over_chunan),
        get(
            format!("/units/{}/gatherings", w.xihu.id),
            by_role("303 200 200 404 403 403 403"),
        ),
        get(
            format!("/units/{}/gatherings", w.branch.id),
            by_role("303 200 200 404 200 403 403"),
        ),
        get(format!("/units/{}/gatherings", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/ledger", w.xihu.id),
            by_role("303 200 200 404 403 403 403"),
        ),
        get(format!("/units/{}/ledger", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/ledger.xlsx", w.xihu.id),
            by_role("303 200 200 404 403 403 403"),
        ),
        get(format!("/units/{}/ledger.xlsx", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/ledger?from=bad", w.xihu.id),
            by_role("303 422 422 404 403 403 403"),
        ),
        get(
            format!("/units/{}/audit", w.xihu.id),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(format!("/units/{}/audit", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/audit.csv", w.xihu.id),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(format!("/units/{}/audit.csv", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/audit.xlsx", w.xihu.id),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(format!("/units/{}/audit.xlsx", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/progress", w.xihu.id),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(format!("/units/{}/progress", w.chunan.id), over_chunan),
        get(
            format!("/units/{}/progress?period=2020-01", w.xihu.id),
            by_role("303 422 422 404 404 404 404"),
        ),
        get(
            format!("/units/{}/progress.xlsx?campaign={campaign}", w.xihu.id),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(
            format!("/units/{}/progress.csv?campaign={campaign}", w.xihu.id),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(
            format!(
                "/units/{}/progress/report.xlsx?campaign={campaign}",
                w.xihu.id
            ),
            by_role("303 200 200 404 404 404 404"),
        ),
        get(
            format!(
                "/units/{}/progress/members?campaign={campaign}",
                w.branch.id
            ),
            by_role("303 200 200 404 200 404 404"),
        ),
        get(format!("/units/{}/progress.csv", w.chunan.id), over_chunan),
        // A feed is opened by its token alone.
        get("/calendar/not-a-token.ics".into(), [Some(404); 7]),
        // Members act on their own gatherings; admins outside them may not.
        case(
            "POST",
            format!("/gatherings/{ours}/check-in"),
            form(&[("code", "000000")]),
            by_role("303 403 403 404 422 422 422"),
        ),
        case(
            "POST",
            format!("/gatherings/{theirs}/check-in"),
            form(&[("code", "000000")]),
            by_role("303 403 404 403 404 404 404"),
        ),
        case(
            "POST",
            format!("/gatherings/{ours}/leave"),
            form(&[("reason", " ")]),
            by_role("303 403 403 404 422 422 422"),
        ),
        case(
            "POST",
            format!("/gatherings/{ours}/reflection"),
            form(&[("text", "还没开始")]),
            by_role("303 403 403 404 422 422 422"),
        ),
    ];
    for (gathering, expect) in [(ours, refused_for_admins), (theirs, refused_over_chunan)] {
        cases.extend([
            case(
                "POST",
                format!("/gatherings/{gathering}/attendance"),
                form(&[("member", &w.xihu_member.to_string()), ("status", "asleep")]),
                expect,
            ),
            case(
                "POST",
                format!("/gatherings/{gathering}/attendance/bulk"),
                form(&[("member", &w.xihu_member.to_string()), ("status", "asleep")]),
                expect,
            ),
            case(
                "POST",
                format!("/gatherings/{gathering}/leaves/{}", w.xihu_member),
                form(&[("decision", "maybe")]),
                expect,
            ),
            case(
                "POST",
                format!("/gatherings/{gathering}/reflections/{}", w.xihu_member),
                form(&[("decision", "maybe")]),
                expect,
            ),
            case(
                "POST",
                format!("/gatherings/{gathering}/edit"),
                form(&[("title", " ")]),
                expect,
            ),
            case(
                "POST",
                format!("/gatherings/{gathering}/minutes"),
                form(&[("minutes", "尚未开始，不能写纪要")]),
                expect,
            ),
            case(
                "POST",
                format!("/gatherings/{gathering}/reschedule"),
                form(&[("date", "someday"), ("time", "19:00"), ("minutes", "60")]),
                expect,
            ),
        ]);
    }
    let plan = |unit: i64, expect| {
        case(
            "POST",
            format!("/units/{unit}/gatherings"),
            form(&[
                ("kind", "picnic"),
                ("title", "x"),
                ("date", "2026-12-01"),
                ("time", "19:00"),
                ("minutes", "60"),
                ("repeat", "once"),
            ]),
            expect,
        )
    };
    // A member sees their own units, but does not plan for them.
    cases.push(plan(w.xihu.id.0, by_role("303 422 422 404 403 403 403")));
    cases.push(plan(w.chunan.id.0, refused_over_chunan));
    cases.push(case(
        "POST",
        format!("/gatherings/{ours}/photos"),
        Body::Upload("photo", "empty.jpg"),
        refused_for_admins,
    ));
    cases.push(case(
        "POST",
        format!("/gatherings/{theirs}/photos/999999/delete"),
        form(&[]),
        by_role("303 404 404 404 404 404 404"),
    ));
    cases.push(get(
        "/photos/999999".into(),
        by_role("303 404 404 404 404 404 404"),
    ));
    // A new feed link: one's own, or a unit's for its admins.
    cases.push(case(
        "POST",
        "/gatherings/feed/reset".into(),
        form(&[]),
        [Some(303); 7],
    ));
    cases.push(case(
        "POST",
        format!("/units/{}/gatherings/feed/reset", w.xihu.id),
        form(&[]),
        by_role("303 303 303 404 403 403 403"),
    ));
    cases.push(case(
        "POST",
        format!("/units/{}/gatherings/feed/reset", w.chunan.id),
        form(&[]),
        by_role("303 303 404 303 404 404 404"),
    ));
    // Cancelling changes the gathering: only where it is refused.
    cases.push(case(
        "POST",
        format!("/gatherings/{theirs}/cancel"),
        form(&[]),
        by_role("303 - 404 303 404 404 404"),
    ));
    cases
}

/// Teaching sites: public pages for everyone; a site's desk for its
/// managers and the admins above it (Xihu's site, managed by the site
/// manager; Chun'an's, by nobody named). Writes are refused input.
async fn site_pages(app: &TestApp) -> Vec<Case> {
    let w = &app.world;
    let ours = app.site(&w.xihu, "西湖教学点", true).await;
    let theirs = app.site(&w.chunan, "淳安教学点", false).await;
    let manager = app.site_manager().await;
    let photo_of = |site: i64| {
        let store = app.store.clone();
        async move {
            use suyuan_core::clock::Clock;
            store
                .add_site_photo(
                    suyuan_core::sites::SiteId(site),
                    &photo(),
                    manager,
                    app.clock.now(),
                )
                .await
                .expect("photo")
        }
    };
    let (photo_ours, photo_theirs) = (photo_of(ours).await, photo_of(theirs).await);
    let get = |path: String, expect| case("GET", path, Body::None, expect);
    let desk_ours = by_role("303 200 200 403 403 403 200");
    let desk_theirs = by_role("303 200 403 200 403 403 403");
    let refused_ours = by_role("303 422 422 403 403 403 422");
    let refused_theirs = by_role("303 422 403 422 403 403 403");
    let admins_only = by_role("303 422 422 422 422 403 403");
    let mut cases = vec![
        get("/sites".into(), [Some(200); 7]),
        get(format!("/sites/{ours}"), [Some(200); 7]),
        get(format!("/sites/{theirs}"), [Some(200); 7]),
        get("/sites?kind=castle".into(), [Some(422); 7]),
        get("/routes".into(), [Some(200); 7]),
        get("/routes/999999".into(), [Some(404); 7]),
        get(format!("/sites/{ours}/book?at=soon"), [Some(422); 7]),
        get("/bookings/ABCD-EFGH".into(), [Some(404); 7]),
        get("/sites/new".into(), by_role("303 200 200 200 200 403 403")),
        case(
            "POST",
            format!("/sites/{ours}/book?at=soon"),
            Body::Upload("roster", "roster.csv"),
            [Some(422); 7],
        ),
        case(
            "POST",
            "/bookings/ABCD-EFGH/cancel".into(),
            form(&[]),
            [Some(404); 7],
        ),
        case(
            "POST",
            "/sites/new".into(),
            form(&[("name", " ")]),
            admins_only,
        ),
    ];
    for (site, desk, refused) in [
        (ours, desk_ours, refused_ours),
        (theirs, desk_theirs, refused_theirs),
    ] {
        cases.extend([
            get(format!("/sites/{site}/door"), desk),
            get(format!("/sites/{site}/bookings"), desk),
            get(format!("/sites/{site}/edit"), desk),
            case(
                "POST",
                format!("/sites/{site}/check-in"),
                form(&[("code", "not a code")]),
                refused,
            ),
            case(
                "POST",
                format!("/sites/{site}/slots"),
                form(&[("at", "soon"), ("capacity", "10")]),
                refused,
            ),
            case(
                "POST",
                format!("/sites/{site}/edit"),
                form(&[("name", " ")]),
                refused,
            ),
            case(
                "POST",
                format!("/sites/{site}/photos"),
                Body::Upload("photo", "empty.jpg"),
                refused,
            ),
        ]);
    }
    // Naming managers is for the admins above a site, not its managers.
    cases.push(case(
        "POST",
        format!("/sites/{ours}/managers"),
        form(&[("number", "nobody-here")]),
        by_role("303 422 422 403 403 403 403"),
    ));
    cases.push(case(
        "POST",
        format!("/sites/{theirs}/managers"),
        form(&[("number", "nobody-here")]),
        by_role("303 422 403 422 403 403 403"),
    ));
    cases.extend([
        get(format!("/sites/{ours}/photos/{photo_ours}"), [Some(200); 7]),
        // One site's photo is not another's.
        get(
            format!("/sites/{theirs}/photos/{photo_ours}"),
            [Some(404); 7],
        ),
        get("/routes/999999/book?at=1893456000".into(), [Some(404); 7]),
        case(
            "POST",
            "/routes/999999/book?at=1893456000".into(),
            Body::Upload("roster", "roster.csv"),
            [Some(404); 7],
        ),
        // Last, as they change the sites: a photo is removed by those
        // who keep the site, a manager by the admins above it.
        case(
            "POST",
            format!("/sites/{ours}/photos/{photo_ours}/delete"),
            form(&[]),
            by_role("303 303 303 403 403 403 303"),
        ),
        case(
            "POST",
            format!("/sites/{theirs}/photos/{photo_theirs}/delete"),
            form(&[]),
            by_role("303 303 403 303 403 403 403"),
        ),
        case(
            "POST",
            format!("/sites/{ours}/managers/{}/remove", manager.0),
            form(&[]),
            by_role("303 303 303 403 403 403 403"),
        ),
    ]);
    cases
}

/// Three pledges: Xihu District's own and Chun'an County's own (public),
/// and the member's own, waiting for an admin of Xihu.
async fn pledges(app: &TestApp) -> (i64, i64, i64) {
    use suyuan_core::clock::Clock;
    use suyuan_core::pledges::{Pledger, Promise, Timeline};
    let w = &app.world;
    let zone = chrono_tz::Asia::Shanghai;
    let now = app.clock.now();
    let today = now.with_timezone(&zone).date_naive();
    let promise = Promise::new("修好楼道灯", "更换楼道灯", "居民", "").expect("promise");
    let timeline = Timeline::new(today + chrono::Duration::days(9), zone, today).expect("timeline");
    let member = suyuan_core::members::MemberId(w.xihu_member);
    let member_unit = app.store.member(member).await.expect("member").unit;
    let mut made = Vec::new();
    for (unit, pledger) in [
        (&w.xihu, Pledger::Unit(w.xihu.id)),
        (&w.chunan, Pledger::Unit(w.chunan.id)),
        (&member_unit, Pledger::Member(member)),
    ] {
        let pledge = app
            .store
            .create_pledge(unit, pledger, &promise, &timeline, member, now)
            .await
            .expect("pledge");
        made.push(pledge.id.0);
    }
    (made[0], made[1], made[2])
}

/// Pledges: the board and public pledges for everyone; a pledge waiting
/// for approval for its member and the admins above it; keeping them
/// for their pledgers and admins above; writes are refused input.
async fn pledge_pages(app: &TestApp) -> Vec<Case> {
    use suyuan_core::clock::Clock;
    let (ours, theirs, awaiting) = pledges(app).await;
    let member = suyuan_core::members::MemberId(app.world.xihu_member);
    let photo = app
        .store
        .add_pledge_photo(
            suyuan_core::pledges::PledgeId(awaiting),
            &photo(),
            member,
            app.clock.now(),
        )
        .await
        .expect("photo");
    let get = |path: String, expect| case("GET", path, Body::None, expect);
    let signed_in = by_role("303 200 200 200 200 200 200");
    let keepers_ours = by_role("303 422 422 403 403 403 403");
    let keepers_theirs = by_role("303 422 403 422 403 403 403");
    vec![
        get("/pledges".into(), [Some(200); 7]),
        get("/pledges?status=lost".into(), [Some(422); 7]),
        get("/pledges?month=soon".into(), [Some(422); 7]),
        get(format!("/pledges/{ours}"), [Some(200); 7]),
        get(format!("/pledges/{theirs}"), [Some(200); 7]),
        get(
            format!("/pledges/{awaiting}"),
            by_role("404 200 200 404 200 200 404"),
        ),
        // A photo is seen where its pledge is.
        get(
            format!("/pledges/{awaiting}/photos/{photo}"),
            by_role("404 200 200 404 200 200 404"),
        ),
        get(format!("/pledges/{ours}/photos/{photo}"), [Some(404); 7]),
        get("/pledges/new".into(), signed_in),
        get("/pledges/desk".into(), signed_in),
        case(
            "POST",
            "/pledges/new".into(),
            form(&[("title", " "), ("deadline", "soon")]),
            by_role("303 422 422 422 422 422 422"),
        ),
        case(
            "POST",
            format!("/pledges/{ours}/updates"),
            form(&[("text", " ")]),
            keepers_ours,
        ),
        case(
            "POST",
            format!("/pledges/{theirs}/updates"),
            form(&[("text", " ")]),
            keepers_theirs,
        ),
        case(
            "POST",
            format!("/pledges/{ours}/completion"),
            Body::Upload("photos", "empty.jpg"),
            keepers_ours,
        ),
        // The member's branch's admin decides, and the admins above.
        case(
            "POST",
            format!("/pledges/{awaiting}/decision"),
            form(&[("decision", "maybe")]),
            by_role("303 422 422 403 422 403 403"),
        ),
        case(
            "POST",
            format!("/pledges/{theirs}/decision"),
            form(&[("decision", "maybe")]),
            keepers_theirs,
        ),
        case(
            "POST",
            format!("/pledges/{ours}/comments/999999"),
            form(&[("state", "maybe")]),
            keepers_ours,
        ),
        // Without the form's stamp, a comment is a script's.
        case(
            "POST",
            format!("/pledges/{ours}/comments"),
            form(&[("text", "好")]),
            [Some(429); 7],
        ),
        // Not done: nothing to confirm.
        case(
            "POST",
            format!("/pledges/{ours}/confirmations"),
            form(&[]),
            [Some(422); 7],
        ),
    ]
}

/// Two requests: one about Cuiyuan, handled by Xihu District; one about
/// Xiajiang, handled by Chun'an County.
async fn requests(app: &TestApp) -> (i64, i64) {
    use suyuan_core::clock::Clock;
    use suyuan_core::requests::{Category, ClockRules, Contact, Submission, Urgency};
    let w = &app.world;
    let category =
        Category::new("lights", "路灯", "", "", ClockRules::default()).expect("category");
    let lights = app
        .store
        .save_request_category(&category, 0, true)
        .await
        .expect("category");
    let asked =
        Submission::new("路灯不亮，晚上很黑", "文三路", None, Urgency::Normal).expect("submission");
    let contact = Contact::new("王", "13800001111", "").expect("contact");
    let mut made = Vec::new();
    for (area, unit) in [(&w.cuiyuan, &w.xihu), (&w.xiajiang, &w.chunan)] {
        app.store
            .set_routing_rule(Some(&lights), area, unit)
            .await
            .expect("rule");
        let request = app
            .store
            .submit_request(
                suyuan_store::requests::NewRequest {
                    category: &lights,
                    submission: &asked,
                    area,
                    contact: &contact,
                    zone: chrono_tz::Asia::Shanghai,
                    key: None,
                    photos: &[photo()],
                },
                app.clock.now(),
            )
            .await
            .expect("request");
        made.push(request.id.0);
    }
    (made[0], made[1])
}

/// Requests: the board, each request and the form for everyone; the desk
/// and settings for admins; a request's steps for admins over its unit,
/// the contact for its own unit's admins only, rerouting for those above.
/// The public side: open to everyone, and what only the province's admins
/// change refused to everyone else (with input that is refused, so that
/// nothing changes between roles).
async fn public_pages(app: &TestApp) -> Vec<Case> {
    use suyuan_core::clock::Clock;
    let tomorrow = app.clock.now().date_naive() + chrono::Duration::days(1);
    let get = |path: String, expect| case("GET", path, Body::None, expect);
    let province_only = |ok: u16| {
        [
            Some(303),
            Some(ok),
            Some(403),
            Some(403),
            Some(403),
            Some(403),
            Some(403),
        ]
    };
    vec![
        get("/quiz".into(), [Some(200); 7]),
        get("/quiz/AAAABBBBCCCCD".into(), [Some(404); 7]),
        get("/quiz/not-a-code".into(), [Some(404); 7]),
        get("/constitution-day".into(), [Some(200); 7]),
        get("/participation".into(), [Some(200); 7]),
        get("/offline".into(), [Some(200); 7]),
        get("/sw.js".into(), [Some(200); 7]),
        get("/manifest.webmanifest".into(), [Some(200); 7]),
        get(
            format!("/today/on/{tomorrow}"),
            by_role("303 200 200 200 200 200 200"),
        ),
        get(
            "/today/on/1999-01-01".into(),
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            "/quiz".into(),
            form(&[("nickname", &"长".repeat(21))]),
            [Some(422); 7],
        ),
        case(
            "POST",
            "/quiz/AAAABBBBCCCCD".into(),
            form(&[]),
            [Some(404); 7],
        ),
        case(
            "POST",
            "/quiz/questions".into(),
            form(&[("ids", "x"), ("action", "publish")]),
            province_only(400),
        ),
        case(
            "POST",
            "/constitution-day".into(),
            form(&[("headline", &"宪".repeat(61))]),
            province_only(422),
        ),
        case(
            "POST",
            "/prefs/mode".into(),
            form(&[("mode", "huge")]),
            [Some(400); 7],
        ),
    ]
}

async fn request_pages(app: &TestApp) -> Vec<Case> {
    let w = &app.world;
    let (ours, theirs) = requests(app).await;
    let get = |path: String, expect| case("GET", path, Body::None, expect);
    let admins = by_role("303 200 200 200 200 403 403");
    let photo = app
        .store
        .request_photos(suyuan_core::requests::RequestId(ours))
        .await
        .expect("photos")[0];
    let code = app
        .store
        .request(suyuan_core::requests::RequestId(ours))
        .await
        .expect("request")
        .code;
    let rule_of = |area: &suyuan_store::units::Unit| {
        let area = area.path.clone();
        let store = app.store.clone();
        async move {
            store
                .routing_rules()
                .await
                .expect("rules")
                .into_iter()
                .find(|r| r.route.area == area && r.route.category.is_some())
                .expect("a rule")
                .id
        }
    };
    let (rule_ours, rule_theirs) = (rule_of(&w.cuiyuan).await, rule_of(&w.xiajiang).await);
    let key_of = |unit: &suyuan_store::units::Unit| {
        let (unit, store) = (unit.clone(), app.store.clone());
        async move {
            use suyuan_core::clock::Clock;
            let admin = store
                .member_by_number(
                    &suyuan_core::members::MemberNumber::parse("province-admin").expect("number"),
                )
                .await
                .expect("admin");
            store
                .issue_open311_key(&unit, "接口", admin.id, app.clock.now())
                .await
                .expect("key")
                .0
                .id
        }
    };
    let key_ours = key_of(&w.xihu).await;
    let mut cases = vec![
        get("/requests".into(), [Some(200); 7]),
        get("/requests?status=lost".into(), [Some(422); 7]),
        get(format!("/requests/{ours}"), [Some(200); 7]),
        get(format!("/requests/{theirs}"), [Some(200); 7]),
        get("/requests/new".into(), [Some(200); 7]),
        get("/track".into(), [Some(200); 7]),
        get("/track?code=nope".into(), [Some(404); 7]),
        get("/track/ABCDEFGHJKMNP".into(), [Some(404); 7]),
        get("/requests/desk".into(), admins),
        get("/requests/settings".into(), admins),
        get("/open311/v2/services.json".into(), [Some(200); 7]),
        get(format!("/open311/v2/requests/{ours}.json"), [Some(200); 7]),
        case(
            "POST",
            "/requests/new".into(),
            Body::Upload("photos", "empty.jpg"),
            [Some(422); 7],
        ),
        case(
            "POST",
            format!("/requests/{ours}/steps/answer"),
            form(&[("text", " ")]),
            by_role("303 422 422 403 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/{theirs}/steps/answer"),
            form(&[("text", " ")]),
            by_role("303 422 403 422 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/{ours}/contact"),
            form(&[]),
            by_role("303 403 200 403 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/{theirs}/contact"),
            form(&[]),
            by_role("303 403 403 200 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/{ours}/steps/reroute"),
            form(&[]),
            by_role("303 422 403 403 403 403 403"),
        ),
        // More time is asked for by the unit itself (a bad day: refused
        // as input), never by those above, who decide it.
        case(
            "POST",
            format!("/requests/{ours}/steps/extension"),
            form(&[("until", "someday"), ("text", "等配件")]),
            by_role("303 403 422 403 403 403 403"),
        ),
        // Moderation is for the levels above the handling unit.
        case(
            "POST",
            format!("/requests/{ours}/steps/moderation"),
            form(&[("decision", "show")]),
            by_role("303 422 403 403 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/{ours}/steps/extension-decision"),
            form(&[("decision", "maybe")]),
            by_role("303 422 403 403 403 403 403"),
        ),
        case(
            "POST",
            "/requests/settings/categories".into(),
            form(&[("code", "bad code")]),
            by_role("303 422 403 403 403 403 403"),
        ),
        case(
            "POST",
            "/open311/v2/requests.json".into(),
            form(&[("service_code", "lights")]),
            [Some(403); 7],
        ),
        get("/open311/v2/requests.json".into(), [Some(200); 7]),
        get("/open311/v2/services/lights.json".into(), [Some(200); 7]),
        get(
            "/open311/v2/tokens/ABCDEFGHJKMNP.json".into(),
            [Some(404); 7],
        ),
        get(format!("/requests/{ours}/photos/{photo}"), [Some(200); 7]),
        // One request's photo is not another's.
        get(format!("/requests/{theirs}/photos/{photo}"), [Some(404); 7]),
        // The tracking code is the requester's key, whoever holds it:
        // a rating out of range is refused to all alike.
        case(
            "POST",
            format!("/track/{}/response", code.as_str()),
            form(&[("stars", "9")]),
            [Some(422); 7],
        ),
        case(
            "POST",
            "/track/ABCDEFGHJKMNP/response".into(),
            form(&[("stars", "5")]),
            [Some(404); 7],
        ),
        // Settings: the calendar is the province's; keys are a unit's
        // own; a route is its admins' when both ends are theirs.
        case(
            "POST",
            "/requests/settings/calendar".into(),
            Body::Upload("file", "holidays.csv"),
            by_role("303 422 403 403 403 403 403"),
        ),
        case(
            "POST",
            "/requests/settings/keys".into(),
            form(&[("name", " ")]),
            by_role("303 422 422 422 422 403 403"),
        ),
        case(
            "POST",
            format!("/requests/settings/keys/{key_ours}/revoke"),
            form(&[]),
            by_role("303 404 303 404 404 403 403"),
        ),
        case(
            "POST",
            "/requests/settings/routes".into(),
            form(&[
                ("area", &w.xiajiang.id.to_string()),
                ("unit", &w.chunan.id.to_string()),
            ]),
            by_role("303 303 403 303 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/settings/routes/{rule_theirs}/delete"),
            form(&[]),
            by_role("303 303 403 303 403 403 403"),
        ),
        case(
            "POST",
            format!("/requests/settings/routes/{rule_ours}/delete"),
            form(&[]),
            by_role("303 303 303 403 403 403 403"),
        ),
    ];
    cases.extend([
        get("/bookings?code=ABCD-EFGH".into(), [Some(303); 7]),
        get("/bookings?code=nope".into(), [Some(422); 7]),
        get("/bookings/ABCD-EFGH/event.ics".into(), [Some(404); 7]),
        case(
            "POST",
            "/bookings/ABCD-EFGH/accept".into(),
            form(&[]),
            [Some(404); 7],
        ),
    ]);
    cases
}

/// A stored photo's stand-in: the store keeps the bytes it is given.
fn photo() -> suyuan_core::gatherings::photo::Photo {
    suyuan_core::gatherings::photo::Photo {
        jpeg: b"\xFF\xD8\xFF\xE0 a photo".to_vec(),
        width: 1,
        height: 1,
    }
}

/// A question proposed to a unit's bank, waiting for review.
async fn proposed(app: &TestApp, unit: &suyuan_store::units::Unit, text: &str) -> i64 {
    use suyuan_core::clock::Clock;
    use suyuan_core::questions::{Answer, Choice, Question};
    use suyuan_store::questions::{Owners, QuestionFilter, Status};
    let question = Question::new(
        text,
        Answer::Single {
            choices: vec![Choice::right("是"), Choice::wrong("否")],
        },
    );
    app.store
        .add_questions(unit.id, &[question], Status::Proposed, app.clock.now())
        .await
        .expect("proposed");
    let filter = QuestionFilter {
        owners: Owners::Within(unit.path.clone()),
        status: Status::Proposed,
        category: None,
        kind: None,
        text: Some(text.to_owned()),
        offset: 0,
        limit: 10,
    };
    let (_, found) = app.store.questions(&filter).await.expect("questions");
    found.last().expect("the proposal").id.0
}

/// Proposed questions: reviewed by the admins of the unit whose bank they
/// wait in and those above; made afresh for each role, as a review
/// changes them.
async fn question_review_pages(app: &TestApp, campaign: i64) -> Vec<Case> {
    let w = &app.world;
    static ROUND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let round = ROUND.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ours_accept = proposed(app, &w.xihu, &format!("西湖区的题（收）{round}")).await;
    let ours_drop = proposed(app, &w.xihu, &format!("西湖区的题（弃）{round}")).await;
    let theirs = proposed(app, &w.chunan, &format!("淳安县的题{round}")).await;
    vec![
        // The import form's old address leads to the bank, for anyone.
        case(
            "GET",
            "/questions/import".into(),
            Body::None,
            [Some(303); 7],
        ),
        case(
            "GET",
            "/questions/proposed".into(),
            Body::None,
            by_role("303 200 200 200 200 403 403"),
        ),
        // A period that ends before it starts, once the campaign is
        // theirs: the branch's admin proposes from the campaign their
        // branch reads in, to their own bank.
        case(
            "POST",
            "/questions/generate".into(),
            form(&[
                ("campaign_id", &campaign.to_string()),
                ("from", "2026-11-25"),
                ("to", "2026-11-24"),
            ]),
            by_role("303 422 422 404 422 403 403"),
        ),
        case(
            "POST",
            format!("/questions/{ours_accept}/accept"),
            form(&[]),
            by_role("303 303 303 404 404 404 404"),
        ),
        case(
            "POST",
            format!("/questions/{ours_drop}/drop"),
            form(&[]),
            by_role("303 303 303 404 404 404 404"),
        ),
        case(
            "POST",
            "/questions/proposed/accept".into(),
            form(&[("id", &theirs.to_string())]),
            by_role("303 303 404 303 404 404 404"),
        ),
    ]
}

/// The question bank: admins' pages; an empty upload is refused.
fn question_pages() -> Vec<Case> {
    let admins = by_role("303 200 200 200 200 403 403");
    vec![
        case("GET", "/questions".into(), Body::None, admins),
        case(
            "GET",
            "/questions/export?format=gift".into(),
            Body::None,
            admins,
        ),
        case(
            "GET",
            "/questions/template?format=csv".into(),
            Body::None,
            admins,
        ),
        case(
            "POST",
            "/questions/import".into(),
            Body::Upload("file", "bank.gift"),
            by_role("303 422 422 422 422 403 403"),
        ),
        case(
            "GET",
            "/tests".into(),
            Body::None,
            by_role("303 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            "/practice".into(),
            Body::None,
            by_role("303 200 200 200 200 200 200"),
        ),
        case(
            "POST",
            "/practice/999999".into(),
            form(&[("v", "true")]),
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            "/tests/999999/start".into(),
            form(&[]),
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "GET",
            "/attempts/999999".into(),
            Body::None,
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            "/attempts/999999".into(),
            form(&[("action", "submit")]),
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            "/attempts/999999/answers/0".into(),
            form(&[("v", "true")]),
            by_role("303 404 404 404 404 404 404"),
        ),
    ]
}

/// The campaign the matrix runs in: Xihu District's, owned by Hangzhou.
async fn xihu_campaign(app: &TestApp) -> i64 {
    app.store
        .campaigns_for(&app.world.xihu.path)
        .await
        .expect("campaigns")[0]
        .id
        .0
}

/// Daily reading and campaigns: members read their own; admins start
/// campaigns within their subtree and edit those their unit owns.
fn reading_pages(campaign: i64, law: i64, law_excerpt: ExcerptId) -> Vec<Case> {
    let signed_in = by_role("303 200 200 200 200 200 200");
    vec![
        case("GET", "/today".into(), Body::None, signed_in),
        case("GET", "/reading/calendar".into(), Body::None, signed_in),
        case(
            "POST",
            "/today/marks".into(),
            form(&[("campaign_id", &campaign.to_string()), ("marks", "")]),
            by_role("303 404 400 404 400 400 400"),
        ),
        case("GET", "/campaigns".into(), Body::None, signed_in),
        case(
            "POST",
            "/campaigns".into(),
            form(&[
                ("title", "淳安学法"),
                ("starts_on", "2026-11-25"),
                ("ends_on", "2026-11-30"),
                ("units", "zj-hz-ca"),
                ("collections", &law.to_string()),
            ]),
            by_role("303 303 422 303 422 403 403"),
        ),
        case(
            "GET",
            format!("/campaigns/{campaign}"),
            Body::None,
            by_role("303 200 200 404 200 200 200"),
        ),
        // Edited by the admins of the unit that owns it (Hangzhou), with
        // input refused once they are let in.
        case(
            "POST",
            format!("/campaigns/{campaign}/edit"),
            form(&[]),
            by_role("303 422 403 404 403 403 403"),
        ),
        case(
            "POST",
            format!("/campaigns/{campaign}/topics"),
            form(&[("week_of", "2026-11-23"), ("topic", &"题".repeat(500))]),
            by_role("303 422 403 404 403 403 403"),
        ),
        case(
            "POST",
            format!("/campaigns/{campaign}/plan/move"),
            form(&[
                ("excerpt_id", &law_excerpt.to_string()),
                ("to", "2026-11-24"),
            ]),
            by_role("303 303 403 404 403 403 403"),
        ),
        case(
            "GET",
            format!("/campaigns/{campaign}/tests"),
            Body::None,
            by_role("303 200 403 404 403 403 403"),
        ),
        case(
            "POST",
            format!("/campaigns/{campaign}/tests"),
            form(&[
                ("questions", "0"),
                ("from_readings", "0"),
                ("minutes", "20"),
                ("attempts", "1"),
                ("pass_mark", "60"),
                ("mistakes", "0"),
            ]),
            by_role("303 422 403 404 403 403 403"),
        ),
        case(
            "GET",
            "/tests/999999/results".into(),
            Body::None,
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "GET",
            "/tests/999999/marking".into(),
            Body::None,
            by_role("303 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            "/tests/999999/marking/1/0".into(),
            form(&[("share", "1")]),
            by_role("303 404 404 404 404 404 404"),
        ),
    ]
}

fn paths_with_next(path: &str, next: &str) -> String {
    format!("{path}?next={next}")
}

/// The library, search and compilations: public material for all, unit
/// material within its subtree, compiling for admins of the draft's unit.
fn library_pages(
    w: &World,
    law_chapter: ChapterId,
    law_excerpt: ExcerptId,
    chunan_chapter: ChapterId,
    chunan_excerpt: ExcerptId,
    chunan_item: i64,
) -> Vec<Case> {
    let all = |status| [Some(status); 7];
    let chunan_only = by_role("404 200 404 200 404 404 404");
    let admins = by_role("303 200 200 200 200 403 403");
    vec![
        case("GET", "/library".into(), Body::None, all(200)),
        case("GET", format!("/library/{}", w.law), Body::None, all(200)),
        case(
            "GET",
            format!("/library/{}/chapters/{law_chapter}", w.law),
            Body::None,
            all(200),
        ),
        case(
            "GET",
            format!("/library/{}/print", w.law),
            Body::None,
            all(200),
        ),
        case(
            "GET",
            format!("/excerpts/{law_excerpt}"),
            Body::None,
            all(200),
        ),
        case(
            "GET",
            format!("/library/{}", w.xihu_notes),
            Body::None,
            by_role("404 200 200 404 200 200 200"),
        ),
        case(
            "GET",
            format!("/library/{}", w.chunan_notes),
            Body::None,
            chunan_only,
        ),
        case(
            "GET",
            format!("/library/{}/chapters/{chunan_chapter}", w.chunan_notes),
            Body::None,
            chunan_only,
        ),
        case(
            "GET",
            format!("/library/{}/print", w.chunan_notes),
            Body::None,
            chunan_only,
        ),
        case(
            "GET",
            format!("/excerpts/{chunan_excerpt}"),
            Body::None,
            chunan_only,
        ),
        case("GET", "/excerpts/999999".into(), Body::None, all(404)),
        case(
            "GET",
            paths_with_next("/prefs/text/large", "/library"),
            Body::None,
            all(303),
        ),
        case(
            "GET",
            "/search?q=%E5%8D%83%E5%B2%9B%E6%B9%96".into(),
            Body::None,
            all(200),
        ),
        case("GET", "/library/import".into(), Body::None, admins),
        case(
            "POST",
            "/library/import".into(),
            Body::Upload("files", "notes.md"),
            by_role("303 422 422 422 422 403 403"),
        ),
        case("GET", "/library/compilations".into(), Body::None, admins),
        case(
            "POST",
            "/library/compilations".into(),
            form(&[("title", "新的汇编")]),
            by_role("303 303 303 303 303 403 403"),
        ),
        case(
            "GET",
            format!("/library/compilations/{}", w.xihu_draft),
            Body::None,
            by_role("303 200 200 404 404 404 404"),
        ),
        case(
            "GET",
            format!("/library/compilations/{}", w.chunan_draft),
            Body::None,
            by_role("303 200 404 200 404 404 404"),
        ),
        case(
            "POST",
            format!("/library/compilations/{}/headings", w.chunan_draft),
            form(&[("heading", "第二部分")]),
            by_role("303 303 404 303 404 404 404"),
        ),
        case(
            "POST",
            format!("/library/compilations/{}/excerpts", w.chunan_draft),
            form(&[("excerpt_id", &law_excerpt.to_string())]),
            by_role("303 303 404 303 404 404 404"),
        ),
        case(
            "POST",
            format!(
                "/library/compilations/{}/items/{chunan_item}/down",
                w.chunan_draft
            ),
            form(&[]),
            by_role("303 303 404 303 404 404 404"),
        ),
        case(
            "POST",
            format!("/library/compilations/{}/publish", w.chunan_draft),
            form(&[("visibility", "subtree")]),
            by_role("303 - 404 - 404 404 404"),
        ),
    ]
}

async fn api(app: &TestApp) -> Vec<Case> {
    let w = &app.world;
    let (_, chunan_excerpt) = first_parts(app, w.chunan_notes).await;
    let (_, law_excerpt) = first_parts(app, w.law).await;
    let campaign = xihu_campaign(app).await;
    let admin = app.token("xihu-admin").await;
    let stamp = app.stamp(&admin, law_excerpt.0).await;
    app.clock.advance(chrono::Duration::minutes(2));
    let ours = app.site(&w.xihu, "西湖接口教学点", true).await;
    let theirs = app.site(&w.chunan, "淳安接口教学点", false).await;
    let mut sites = vec![
        case("GET", "/api/v1/sites".into(), Body::None, [Some(200); 7]),
        case(
            "GET",
            format!("/api/v1/sites/{ours}"),
            Body::None,
            [Some(200); 7],
        ),
        case("GET", "/api/v1/routes".into(), Body::None, [Some(200); 7]),
        case(
            "GET",
            "/api/v1/bookings/ABCD-EFGH".into(),
            Body::None,
            [Some(404); 7],
        ),
        case(
            "POST",
            format!("/api/v1/sites/{ours}/check-ins"),
            Body::Json(json!({"code": "not a code"})),
            by_role("401 422 422 403 403 403 422"),
        ),
        case(
            "POST",
            format!("/api/v1/sites/{theirs}/check-ins"),
            Body::Json(json!({"code": "not a code"})),
            by_role("401 422 403 422 403 403 403"),
        ),
        // A booking needs a token; this one's phone is refused.
        case(
            "POST",
            format!("/api/v1/sites/{ours}/bookings"),
            Body::Json(json!({
                "starts_at": "2030-01-01T01:00:00Z",
                "organization": "某公司",
                "contact_name": "王芳",
                "phone": "call me",
                "headcount": 10
            })),
            by_role("401 422 422 422 422 422 422"),
        ),
    ];
    let mut cases = vec![
        case(
            "GET",
            "/api/v1/me/calendar".into(),
            Body::None,
            by_role("401 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            "/api/v1/me/today".into(),
            Body::None,
            by_role("401 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/progress?unit={}&campaign={campaign}", w.xihu.id),
            Body::None,
            by_role("401 200 200 404 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/progress?unit={}&period=2026-W48", w.chunan.id),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "POST",
            "/api/v1/reading/marks".into(),
            // With the Xihu admin's stamp: theirs to use, no one else's.
            Body::Json(
                json!({"id": "4d3c2b1a-0f9e-4d8c-b7a6-958473625140", "excerpt_id": law_excerpt.0,
                              "campaign_id": campaign, "stamp": stamp,
                              "seconds_on_page": 60, "reached_end": true}),
            ),
            by_role("401 404 201 404 422 422 422"),
        ),
        case(
            "PUT",
            "/api/v1/me/email".into(),
            Body::Json(json!({"email": "someone@example.org"})),
            by_role("401 204 204 204 204 204 204"),
        ),
        case(
            "PUT",
            format!("/api/v1/units/{}/reminder-hook", w.chunan.id),
            Body::Json(json!({"url": "http://robot.example.org/hook"})),
            by_role("401 204 404 204 404 404 404"),
        ),
        case(
            "GET",
            "/api/v1/campaigns".into(),
            Body::None,
            by_role("401 200 200 200 200 200 200"),
        ),
        case(
            "POST",
            "/api/v1/tests".into(),
            Body::Json(json!({"title": "测试", "opens_at": "2026-11-25T00:00:00Z",
                              "closes_at": "2026-11-26T00:00:00Z", "time_limit_minutes": 30,
                              "pass_mark": 60, "rules": []})),
            by_role("401 422 422 422 422 403 403"),
        ),
        case(
            "POST",
            "/api/v1/tests/999999/attempts".into(),
            Body::None,
            by_role("401 404 404 404 404 404 404"),
        ),
        case(
            "GET",
            "/api/v1/attempts/999999".into(),
            Body::None,
            by_role("401 404 404 404 404 404 404"),
        ),
        case(
            "PUT",
            "/api/v1/attempts/999999/answers/0".into(),
            Body::Json(json!({"value": true})),
            by_role("401 404 404 404 404 404 404"),
        ),
        case(
            "POST",
            "/api/v1/attempts/999999/submit".into(),
            Body::None,
            by_role("401 404 404 404 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/questions?unit={}", w.chunan.id),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/questions?unit={}", w.cuiyuan.id),
            Body::None,
            by_role("401 200 200 404 200 200 200"),
        ),
        case(
            "POST",
            "/api/v1/campaigns".into(),
            Body::Json(
                json!({"title": "淳安学法二", "starts_on": "2026-11-25", "ends_on": "2026-11-30",
                              "units": "zj-hz-ca", "collections": [w.law]}),
            ),
            by_role("401 201 422 201 422 403 403"),
        ),
        case(
            "PUT",
            format!("/api/v1/campaigns/{campaign}/topics/2026-11-23"),
            Body::Json(json!({"topic": "学习示例法"})),
            by_role("401 204 403 404 403 403 403"),
        ),
        case(
            "PATCH",
            format!("/api/v1/campaigns/{campaign}"),
            Body::Json(json!({"theme": "学习示例法，学以致用"})),
            by_role("401 200 403 404 403 403 403"),
        ),
        case(
            "GET",
            format!("/api/v1/campaigns/{campaign}/completion"),
            Body::None,
            by_role("401 200 200 404 200 404 404"),
        ),
        case(
            "GET",
            "/api/v1/me".into(),
            Body::None,
            by_role("401 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            "/api/v1/units".into(),
            Body::None,
            by_role("401 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/units?root={}", w.chunan.id),
            Body::None,
            by_role("401 200 404 200 404 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/units/{}", w.xihu.id),
            Body::None,
            by_role("401 200 200 404 200 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/units/{}", w.chunan.id),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/units/{}", w.xiajiang.id),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            "/api/v1/members".into(),
            Body::None,
            by_role("401 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/members?unit={}", w.chunan.id),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/members?unit={}", w.xiajiang.id),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/members/{}", w.chunan_member),
            Body::None,
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/members/{}", w.xihu_member),
            Body::None,
            // The member themself; not the site manager beside them.
            by_role("401 200 200 404 200 200 404"),
        ),
        case(
            "POST",
            "/api/v1/units".into(),
            Body::Json(
                json!({"parent_id": w.chunan.id.0, "name": "新村二", "code": "zj-hz-ca-new2", "kind": "village"}),
            ),
            by_role("401 201 404 409 404 404 404"),
        ),
        case(
            "POST",
            "/api/v1/units".into(),
            Body::Json(
                json!({"parent_id": w.cuiyuan.id.0, "name": "第三党支部", "code": "zj-hz-xh-cy1-b3", "kind": "branch"}),
            ),
            by_role("401 - 201 404 404 404 404"),
        ),
        case(
            "PATCH",
            format!("/api/v1/units/{}", w.xiajiang.id),
            Body::Json(json!({"name": "下姜村"})),
            by_role("401 200 404 200 404 404 404"),
        ),
        case(
            "PATCH",
            format!("/api/v1/units/{}", w.branch.id),
            Body::Json(json!({"parent_id": w.chunan.id.0})),
            by_role("401 - 404 404 403 404 404"),
        ),
        case(
            "POST",
            format!("/api/v1/units/{}/archive", w.xiajiang.id),
            Body::None,
            by_role("401 422 404 422 404 404 404"),
        ),
        case(
            "GET",
            "/api/v1/collections".into(),
            Body::None,
            by_role("200 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/collections/{}", w.law),
            Body::None,
            by_role("200 200 200 200 200 200 200"),
        ),
        case(
            "GET",
            format!("/api/v1/collections/{}", w.chunan_notes),
            Body::None,
            by_role("404 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            format!("/api/v1/excerpts/{chunan_excerpt}"),
            Body::None,
            by_role("404 200 404 200 404 404 404"),
        ),
        case(
            "GET",
            "/api/v1/search?q=%E5%8D%83%E5%B2%9B%E6%B9%96".into(),
            Body::None,
            by_role("200 200 200 200 200 200 200"),
        ),
        case(
            "POST",
            "/api/v1/members/import".into(),
            Body::Upload("file", "roster.csv"),
            by_role("401 422 422 422 422 403 403"),
        ),
        case(
            "POST",
            "/api/v1/auth/password".into(),
            Body::Json(
                json!({"current_password": "not-the-password", "new_password": "a-brand-new-password"}),
            ),
            by_role("401 422 422 422 422 422 422"),
        ),
        // Last, as it ends the token.
        case(
            "POST",
            "/api/v1/auth/logout".into(),
            Body::None,
            by_role("401 204 204 204 204 204 204"),
        ),
    ];
    let (ours, theirs, awaiting) = pledges(app).await;
    let keepers_ours = by_role("401 422 422 403 403 403 403");
    let keepers_theirs = by_role("401 422 403 422 403 403 403");
    sites.extend([
        case("GET", "/api/v1/pledges".into(), Body::None, [Some(200); 7]),
        case(
            "GET",
            "/api/v1/pledges?status=lost".into(),
            Body::None,
            [Some(422); 7],
        ),
        case(
            "GET",
            format!("/api/v1/pledges/{awaiting}"),
            Body::None,
            by_role("404 200 200 404 200 200 404"),
        ),
        case(
            "POST",
            "/api/v1/pledges".into(),
            Body::Json(json!({
                "title": " ", "description": "x", "beneficiaries": "x",
                "deadline": "2030-01-01", "unit": app.world.chunan.id
            })),
            keepers_theirs,
        ),
        case(
            "POST",
            format!("/api/v1/pledges/{theirs}/updates"),
            Body::Json(json!({"text": " "})),
            keepers_theirs,
        ),
        case(
            "POST",
            format!("/api/v1/pledges/{ours}/completion"),
            Body::Json(json!({"evidence": " "})),
            keepers_ours,
        ),
        case(
            "POST",
            format!("/api/v1/pledges/{awaiting}/decision"),
            Body::Json(json!({"approve": false, "reason": ""})),
            by_role("401 422 422 403 422 403 403"),
        ),
        case(
            "POST",
            format!("/api/v1/pledges/{ours}/comments/999999"),
            Body::Json(json!({"state": "held"})),
            keepers_ours,
        ),
    ]);
    // Sign-out stays last.
    let logout = cases.pop();
    cases.append(&mut sites);
    cases.extend(logout);
    cases
}

/// A page's answer: its status and its text. A signed-in browser's forms
/// take their token from a page that stays open to it.
async fn page_answer(browser: &Browser, signed_in: bool, case: &Case) -> (u16, String) {
    let form_page = if signed_in {
        "/account/password"
    } else {
        "/login"
    };
    let response = match (&case.method, &case.body) {
        (&"GET", _) => browser.get(&case.path).await,
        (_, Body::Form(fields)) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.submit(form_page, &case.path, &fields).await
        }
        (_, Body::Upload(field, name)) => {
            browser
                .upload(form_page, &case.path, field, name, b"")
                .await
        }
        _ => unreachable!("pages take forms"),
    };
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn api_answer(app: &TestApp, token: Option<&str>, case: &Case) -> (u16, String) {
    let client = Client::new();
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).expect("method");
    let mut request = client.request(method, app.url(&case.path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match &case.body {
        Body::Json(value) => request = request.json(value),
        Body::Upload(field, name) => {
            let part = reqwest::multipart::Part::bytes(Vec::new()).file_name(name.to_owned());
            request = request.multipart(reqwest::multipart::Form::new().part(*field, part));
        }
        Body::None | Body::Form(_) => {}
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if status >= 400 {
        let body: Value = serde_json::from_str(&text).expect("errors are JSON");
        assert!(
            body["error"]["code"].is_string(),
            "{} {}: {body}",
            case.method,
            case.path
        );
    }
    (status, text)
}

impl Who {
    /// Names a refusal must never show this role: people and private
    /// material outside their scope.
    fn outside(self) -> &'static [&'static str] {
        const CHUNAN: &[&str] = &["姜秀英", "姜文斌", "淳安县学习札记", "千岛湖畔"];
        match self {
            Who::Public => &[
                "陈晓燕",
                "姜秀英",
                "沈丽华",
                "姜文斌",
                "周建国",
                "吴振宇",
                "钱志刚",
            ],
            Who::ProvinceAdmin => &[],
            Who::ChunanAdmin => &["陈晓燕", "沈丽华", "吴振宇", "钱志刚", "西湖区学习札记"],
            Who::XihuAdmin | Who::BranchAdmin | Who::Member | Who::SiteManager => CHUNAN,
        }
    }
}

/// Runs every row for every role: the status each gets, and no refusal
/// that names what lies outside the role's scope.
#[tokio::test]
async fn every_role_against_every_route() {
    for app in TestApp::spawn_each().await {
        app.campaign().await;
        app.site_manager().await;
        app.branch_admin().await;
        let mut failures = Vec::new();
        let mut tried = 0;
        for (index, who) in EVERYONE.iter().enumerate() {
            // The /login page gives anonymous browsers a CSRF token; a
            // signed-in browser is redirected, so take it from home.
            let browser = match who.login() {
                Some(login) => app.signed_in(login).await,
                None => app.browser(),
            };
            let token = match who.login() {
                Some(login) => Some(app.token(login).await),
                None => None,
            };
            let mut answers = Vec::new();
            for case in pages(&app).await {
                if let Some(expected) = case.expect[index] {
                    let answer = page_answer(&browser, who.login().is_some(), &case).await;
                    answers.push((case, expected, answer));
                }
            }
            for case in api(&app).await {
                if let Some(expected) = case.expect[index] {
                    let answer = api_answer(&app, token.as_deref(), &case).await;
                    answers.push((case, expected, answer));
                }
            }
            tried += answers.len();
            for (case, expected, (status, text)) in answers {
                let row = format!("{who:?} {} {}", case.method, case.path);
                if status != expected {
                    failures.push(format!("{row}: got {status}, expected {expected}"));
                }
                if status >= 400 {
                    let named: Vec<_> = who
                        .outside()
                        .iter()
                        .filter(|n| text.contains(**n))
                        .collect();
                    if !named.is_empty() {
                        failures.push(format!("{row}: its refusal names {named:?}"));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "on {:?}:\n{}",
            app.backend(),
            failures.join("\n")
        );
        // For RELIABILITY.md (`--no-capture`).
        eprintln!("{:?}: {tried} requests, none leaked", app.backend());
        app.stop().await;
    }
}

fn names(units: &Value) -> Vec<String> {
    units
        .as_array()
        .expect("a list")
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_show_only_what_is_in_scope() {
    let app = TestApp::spawn().await;
    let client = Client::new();
    let get = |token: String, path: &'static str| {
        let request = client.get(app.url(path)).bearer_auth(token);
        async move {
            request
                .send()
                .await
                .expect("get")
                .json::<Value>()
                .await
                .expect("json")
        }
    };

    let xihu = app.token("xihu-admin").await;
    let units = names(&get(xihu.clone(), "/api/v1/units").await);
    assert_eq!(units, ["西湖区", "翠苑一区社区", "第一党支部"]);
    let members = get(xihu, "/api/v1/members").await;
    let numbers: Vec<&str> = members
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["member_number"].as_str())
        .collect();
    assert_eq!(numbers, ["xihu-admin", "cuiyuan-member"]);

    let province = app.token("province-admin").await;
    let everything = names(&get(province.clone(), "/api/v1/units").await);
    assert!(everything.contains(&"淳安县".to_owned()) && everything.contains(&"西湖区".to_owned()));
    assert_eq!(
        get(province, "/api/v1/members")
            .await
            .as_array()
            .expect("list")
            .len(),
        5
    );

    let member = app.token("cuiyuan-member").await;
    let own = names(&get(member.clone(), "/api/v1/units").await);
    assert_eq!(
        own,
        ["浙江省", "杭州市", "西湖区", "翠苑一区社区", "第一党支部"]
    );
    let just_me = get(member, "/api/v1/members").await;
    assert_eq!(just_me.as_array().expect("list").len(), 1);
    assert_eq!(just_me[0]["member_number"], "cuiyuan-member");

    let browser = app.signed_in("xihu-admin").await;
    let home = browser.text("/").await;
    assert!(
        home.contains("翠苑一区社区") && !home.contains("淳安"),
        "{home}"
    );
    let roster = browser
        .text(&format!("/units/{}/members", app.world.xihu.id))
        .await;
    assert!(
        roster.contains("陈晓燕") && !roster.contains("姜秀英"),
        "{roster}"
    );
    assert_eq!(
        browser
            .get(&format!("/units/{}/members", app.world.xiajiang.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// Whether a concrete path (`/units/7/members?x=1`) is an instance of a
/// route's path (`/units/{id}/members`).
fn instance_of(path: &str, route: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let (given, template): (Vec<&str>, Vec<&str>) =
        (path.split('/').collect(), route.split('/').collect());
    given.len() == template.len()
        && given
            .iter()
            .zip(&template)
            .all(|(g, t)| g == t || (t.starts_with('{') && t.ends_with('}') && !g.is_empty()))
}

/// Routes no role's answer depends on: the same files and figures for
/// everyone.
const FOR_EVERYONE_ALIKE: &[&str] = &[
    "/healthz",
    "/metrics",
    "/manifest.webmanifest",
    "/sw.js",
    "/offline",
    "/login",
    "/api/v1/auth/login",
    "/api/v1/openapi.json",
    "/open311/v2/discovery.json",
];

/// The matrix is checked against the router: every route and method the
/// router serves has a row, so that a new route cannot be left out.
#[tokio::test]
async fn every_route_the_router_serves_has_a_row_in_the_matrix() {
    let app = TestApp::spawn().await;
    app.campaign().await;
    app.site_manager().await;
    let mut rows: Vec<(String, String)> = pages(&app)
        .await
        .into_iter()
        .chain(api(&app).await)
        .map(|case| (case.method.to_owned(), case.path))
        .collect();
    rows.sort();
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut missing = Vec::new();
    let mut checked = 0;
    let routes = app.instance_with(&crate::settings()).await.route_paths();
    for route in &routes {
        if route.starts_with("/static/") || FOR_EVERYONE_ALIKE.contains(&route.as_str()) {
            continue;
        }
        let concrete = route
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let allowed = client
            .request(reqwest::Method::TRACE, app.url(&concrete))
            .send()
            .await
            .expect("trace");
        let methods: Vec<String> = allowed
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        for method in methods {
            checked += 1;
            let row = format!("{method} {route}");
            let covered = rows
                .iter()
                .any(|(m, path)| *m == method && instance_of(path, route));
            if !covered {
                missing.push(row);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of the router's routes have no row in the role matrix:\n{}",
        missing.len(),
        missing.join("\n")
    );
    // For RELIABILITY.md (`--no-capture`).
    eprintln!("{checked} routes and methods of the router, each with its rows");
    app.stop().await;
}
