//! The audit log: read by subtree and span, newest first, and never
//! changed or removed, whatever SQL is sent.

use chrono::Duration;
use suyuan_core::audit::{Deed, Entry};
use suyuan_core::members::MemberId;
use suyuan_core::units::UnitPath;
use suyuan_store::audit::AuditQuery;
use suyuan_store::testing::each_backend;

use crate::{now, province};

fn entry(scope: &UnitPath, deed: Deed, minutes: i64, target: &str) -> Entry {
    Entry {
        at: now() + Duration::minutes(minutes),
        actor: MemberId(1),
        actor_name: "沈丽华".into(),
        actor_number: "xihu-admin".into(),
        deed,
        action: "POST /units/{id}/rename".into(),
        target: target.into(),
        scope: scope.clone(),
        status: 303,
    }
}

#[tokio::test]
async fn a_subtree_reads_its_own_entries_newest_first_and_no_one_changes_them() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let written = [
            entry(&p.cuiyuan.path, Deed::Changed, 1, "/units/4/rename"),
            entry(&p.xihu.path, Deed::Viewed, 2, "/units/3/members"),
            entry(&p.xiajiang.path, Deed::Changed, 3, "/units/6/rename"),
            entry(&p.province.path, Deed::Changed, 4, "/units/1/children"),
        ];
        for e in &written {
            store.record(e).await.expect("recorded");
        }
        let query = |within: &UnitPath, deed| AuditQuery {
            within: within.clone(),
            from: now(),
            until: now() + Duration::days(1),
            deed,
        };

        let xihu = store
            .audit_entries(&query(&p.xihu.path, None), 0, 100)
            .await
            .expect("read");
        assert_eq!(xihu, vec![written[1].clone(), written[0].clone()]);
        assert_eq!(
            store
                .audit_count(&query(&p.xihu.path, None))
                .await
                .expect("count"),
            2
        );
        let views = store
            .audit_entries(&query(&p.xihu.path, Some(Deed::Viewed)), 0, 100)
            .await
            .expect("views");
        assert_eq!(views, vec![written[1].clone()]);
        let everything = store
            .audit_entries(&query(&p.province.path, None), 0, 100)
            .await
            .expect("all");
        assert_eq!(everything.len(), 4);
        assert_eq!(everything[0], written[3]);
        let later = AuditQuery {
            from: now() + Duration::minutes(3),
            ..query(&p.province.path, None)
        };
        assert_eq!(store.audit_count(&later).await.expect("later"), 2);

        for sql in [
            "UPDATE audit_entries SET actor_name = 'someone else'",
            "DELETE FROM audit_entries",
            "DELETE FROM audit_entries WHERE deed = 'viewed'",
        ] {
            let refused = store.try_sql(sql).await.expect_err(sql);
            assert!(refused.contains("append-only"), "{sql}: {refused}");
        }
        if store.is_postgres() {
            let refused = store
                .try_sql("TRUNCATE audit_entries")
                .await
                .expect_err("truncate");
            assert!(refused.contains("append-only"), "{refused}");
        }
        assert_eq!(
            store
                .audit_count(&query(&p.province.path, None))
                .await
                .expect("kept"),
            4
        );
    })
    .await;
}
