//! A database made before the hardening (the 20 migrations of commit
//! 0d99373, where issue 32 started) is carried forward by the migrations
//! since, its rows untouched, and what they added works on it.

use chrono::Duration;
use suyuan_core::audit::{Deed, Entry};
use suyuan_core::members::MemberNumber;
use suyuan_store::audit::AuditQuery;
use suyuan_store::testing::TestDb;

use crate::now;

/// The migrations that had landed when the hardening began.
const BEFORE_HARDENING: u32 = 20;

/// Rows as that release wrote them.
const MADE_BEFORE: &[&str] = &[
    "INSERT INTO units (id, parent_id, code, name, kind, path, depth, created_at) \
     VALUES (1, NULL, 'zj', '浙江省', 'province', '/1/', 0, '2026-11-25 08:00:00+00:00')",
    "INSERT INTO units (id, parent_id, code, name, kind, path, depth, created_at) \
     VALUES (2, 1, 'zj-xh', '西湖区', 'district', '/1/2/', 1, '2026-11-25 08:00:00+00:00')",
    "INSERT INTO members (id, unit_id, member_number, name, phone, role, password_hash, \
     must_change_password, created_at, updated_at) VALUES (1, 2, 'xihu-admin', '沈丽华', \
     '13800000000', 'admin', NULL, FALSE, '2026-11-25 08:00:00+00:00', '2026-11-25 08:00:00+00:00')",
];

#[tokio::test]
async fn a_database_made_before_the_hardening_migrates_forward_untouched() {
    let mut databases = vec![TestDb::sqlite()];
    databases.extend(TestDb::postgres().await);
    for db in databases {
        db.made_by_first_migrations(BEFORE_HARDENING, MADE_BEFORE)
            .await;
        let store = db.open().await;
        let admin = store
            .member_by_number(&MemberNumber::parse("xihu-admin").expect("number"))
            .await
            .expect("the admin is still there");
        assert_eq!(admin.name, "沈丽华");
        assert_eq!(admin.phone.as_deref(), Some("13800000000"));
        assert_eq!(admin.unit.name, "西湖区");
        assert_eq!(admin.unit.path.as_str(), "/1/2/");

        // The audit log and two-step sign-in work on what was carried.
        store
            .record(&Entry {
                at: now(),
                actor: admin.id,
                actor_name: admin.name.clone(),
                actor_number: admin.number.clone(),
                deed: Deed::Viewed,
                action: "GET /units/{id}/members".into(),
                target: "/units/2/members".into(),
                scope: admin.unit.path.clone(),
                status: 200,
            })
            .await
            .expect("an entry");
        let query = AuditQuery {
            within: admin.unit.path.clone(),
            from: now() - Duration::days(1),
            until: now() + Duration::days(1),
            deed: None,
        };
        assert_eq!(store.audit_count(&query).await.expect("count"), 1);
        let secret = store
            .begin_second_factor(admin.id, now())
            .await
            .expect("set up");
        store
            .confirm_second_factor(admin.id, &secret.code_at(now()), now())
            .await
            .expect("confirmed");
        store.close().await.expect("close");
        db.drop_database().await;
    }
}
