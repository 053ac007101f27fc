use suyuan_core::access::Role;
use suyuan_core::members::{ImportError, parse_roster};
use suyuan_store::StoreError;
use suyuan_store::members::MemberFilter;
use suyuan_store::testing::each_backend;

use crate::{now, province};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$c29tZWhhc2g";

fn everyone(path: &suyuan_core::units::UnitPath) -> MemberFilter {
    MemberFilter {
        within: path.clone(),
        only: None,
        limit: 1000,
        offset: 0,
    }
}

#[tokio::test]
async fn a_roster_imports_and_reimports_without_duplicates() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let roster = "姓名,编号,单位,手机,角色\n\
            王秀英,ZJ001,浙江省/杭州市/西湖区,13800000001,管理员\n\
            李强,ZJ002,zj-hz-xh-cy1,,\n\
            张伟,ZJ003,浙江省/淳安县/下姜村,13800000003,member\n";
        let rows = parse_roster(roster.as_bytes()).expect("valid").rows;
        let report = store
            .import_members(&rows, None, HASH, now())
            .await
            .expect("import");
        assert_eq!((report.created, report.updated), (3, 0));

        let updated = "name,member_number,unit,phone\n李强,ZJ002,zj-ca-xj,13800000002\n";
        let rows = parse_roster(updated.as_bytes()).expect("valid").rows;
        let report = store
            .import_members(&rows, None, HASH, now())
            .await
            .expect("re-import");
        assert_eq!((report.created, report.updated), (0, 1));

        let all = store
            .list_members(&everyone(&p.province.path))
            .await
            .expect("list");
        assert_eq!(all.len(), 3);
        let li = all.iter().find(|m| m.number == "ZJ002").expect("李强");
        assert_eq!(li.unit.id, p.xiajiang.id);
        assert_eq!(li.phone.as_deref(), Some("13800000002"));
        assert!(li.must_change_password);
        let wang = all.iter().find(|m| m.number == "ZJ001").expect("王秀英");
        assert_eq!(wang.role, Role::Admin);
        assert_eq!(
            store.count_members(&p.hangzhou.path).await.expect("count"),
            1
        );
        assert_eq!(store.count_members(&p.chunan.path).await.expect("count"), 2);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_unit_on_row_7_refuses_the_whole_file() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let mut roster = String::from("姓名,编号,单位\n");
        for i in 1..=5 {
            roster.push_str(&format!("成员{i},N{i},浙江省/杭州市/西湖区\n"));
        }
        roster.push_str("错误,N6,浙江省/杭州市/不存在区\n");
        let rows = parse_roster(roster.as_bytes())
            .expect("the cells are well formed")
            .rows;
        let err = store
            .import_members(&rows, None, HASH, now())
            .await
            .expect_err("refused");
        let StoreError::Import(ImportError::Rows(errors)) = &err else {
            panic!("expected row errors, got {err:?}");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, 7);
        assert_eq!(errors[0].column.as_deref(), Some("单位"));
        assert!(err.to_string().contains("row 7, column 单位"), "{err}");
        assert!(err.to_string().contains("不存在区"), "{err}");
        assert_eq!(
            store.count_members(&p.province.path).await.expect("count"),
            0
        );
    })
    .await;
}

#[tokio::test]
async fn an_admin_imports_only_within_their_scope() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let roster = "姓名,编号,单位\n甲,A1,zj-hz-xh-cy1\n乙,A2,zj-ca-xj\n";
        let rows = parse_roster(roster.as_bytes()).expect("valid").rows;
        let err = store
            .import_members(&rows, Some(&p.xihu.path), HASH, now())
            .await
            .expect_err("out of scope");
        assert!(err.to_string().contains("row 3, column 单位"), "{err}");
        assert_eq!(
            store.count_members(&p.province.path).await.expect("count"),
            0
        );
    })
    .await;
}

#[tokio::test]
async fn a_phone_taken_by_another_member_is_refused() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let first = parse_roster("姓名,编号,单位,手机\n甲,A1,zj,13800000001\n".as_bytes())
            .expect("valid")
            .rows;
        store
            .import_members(&first, None, HASH, now())
            .await
            .expect("import");
        let second = parse_roster("姓名,编号,单位,手机\n乙,A2,zj,13800000001\n".as_bytes())
            .expect("valid")
            .rows;
        let err = store
            .import_members(&second, None, HASH, now())
            .await
            .expect_err("taken");
        assert!(
            err.to_string().contains("row 2, column 手机/phone"),
            "{err}"
        );
        assert!(err.to_string().contains("A1"), "{err}");
        // Swapping phones between two members in one file is fine.
        let both = parse_roster(
            "姓名,编号,单位,手机\n甲,A1,zj,13800000002\n乙,A2,zj,13800000001\n".as_bytes(),
        )
        .expect("valid")
        .rows;
        store
            .import_members(&both, None, HASH, now())
            .await
            .expect("swap");
        assert_eq!(
            store.count_members(&p.province.path).await.expect("count"),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn a_member_filter_can_narrow_to_one_member() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let rows = parse_roster("姓名,编号,单位\n甲,A1,zj-hz-xh\n乙,A2,zj-hz-xh\n".as_bytes())
            .expect("valid")
            .rows;
        store
            .import_members(&rows, None, HASH, now())
            .await
            .expect("import");
        let all = store
            .list_members(&everyone(&p.xihu.path))
            .await
            .expect("list");
        let only = MemberFilter {
            only: Some(all[0].id),
            ..everyone(&p.xihu.path)
        };
        assert_eq!(store.list_members(&only).await.expect("one").len(), 1);
        let paged = MemberFilter {
            limit: 1,
            offset: 1,
            ..everyone(&p.xihu.path)
        };
        let page = store.list_members(&paged).await.expect("page");
        assert_eq!(page.len(), 1);
        assert_ne!(page[0].id, all[0].id);
    })
    .await;
}

#[tokio::test]
async fn an_admin_cannot_take_over_members_elsewhere_by_number() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chunan = parse_roster("姓名,编号,单位\n姜秀英,CA1,zj-ca-xj\n".as_bytes())
            .expect("valid")
            .rows;
        store
            .import_members(&chunan, None, HASH, now())
            .await
            .expect("import");
        let grab = parse_roster("姓名,编号,单位,角色\n冒名,CA1,zj-hz-xh,admin\n".as_bytes())
            .expect("valid")
            .rows;
        let err = store
            .import_members(&grab, Some(&p.xihu.path), HASH, now())
            .await
            .expect_err("outside the scope");
        assert!(
            err.to_string().contains("row 2, column 编号/member_number"),
            "{err}"
        );
        let members = store
            .list_members(&everyone(&p.chunan.path))
            .await
            .expect("list");
        assert_eq!(members[0].name, "姜秀英");
        assert_eq!(members[0].role, Role::Member);
    })
    .await;
}

/// An import's errors name no one outside the importer's scope: a phone
/// that belongs to someone in another district is "another member's".
#[tokio::test]
async fn an_imports_errors_name_no_one_outside_the_importers_scope() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let roster = "姓名,编号,单位,手机\n\
            张伟,ZJ003,浙江省/淳安县/下姜村,13800000003\n\
            李强,ZJ004,zj-hz-xh-cy1,13800000004\n";
        let rows = parse_roster(roster.as_bytes()).expect("valid").rows;
        store
            .import_members(&rows, None, HASH, now())
            .await
            .expect("import");

        let clash = "姓名,编号,单位,手机\n\
            赵六,ZJ009,zj-hz-xh-cy1,13800000003\n\
            钱七,ZJ010,zj-hz-xh-cy1,13800000004\n";
        let rows = parse_roster(clash.as_bytes()).expect("valid").rows;
        let refused = store
            .import_members(&rows, Some(&p.xihu.path), HASH, now())
            .await
            .expect_err("phones taken");
        let StoreError::Import(ImportError::Rows(errors)) = refused else {
            panic!("{refused:?}");
        };
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "this phone already belongs to another member",
                "this phone already belongs to member ZJ004",
            ]
        );
        // The province's admin sees everyone, and is told whose it is.
        let refused = store
            .import_members(&rows, None, HASH, now())
            .await
            .expect_err("phones taken");
        let StoreError::Import(ImportError::Rows(errors)) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(
            errors[0].reason,
            "this phone already belongs to member ZJ003"
        );
    })
    .await;
}
