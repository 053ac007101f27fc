use suyuan_core::units::{UnitId, UnitKind, UnitName};
use suyuan_store::StoreError;
use suyuan_store::testing::each_backend;

use crate::{add_unit, now, province};

#[tokio::test]
async fn a_subtree_is_its_units_and_nothing_beside_it() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let names: Vec<String> = store
            .subtree(&p.hangzhou.path, false)
            .await
            .expect("subtree")
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(names, ["杭州市", "西湖区", "翠苑一区社区"]);
        let path: Vec<String> = store
            .path_to_root(&p.cuiyuan.path)
            .await
            .expect("path")
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(path, ["浙江省", "杭州市", "西湖区", "翠苑一区社区"]);
        assert_eq!(
            store
                .subtree(&p.province.path, false)
                .await
                .expect("all")
                .len(),
            6
        );
    })
    .await;
}

#[tokio::test]
async fn ids_that_share_a_prefix_stay_apart() {
    each_backend(|store| async move {
        let root = add_unit(&store, None, "r", "Root", UnitKind::Province).await;
        // Make enough units that ids 1x and 1 both exist under one root.
        let mut made = Vec::new();
        for i in 0..12 {
            made.push(
                add_unit(
                    &store,
                    Some(&root),
                    &format!("c{i}"),
                    &format!("Child {i}"),
                    UnitKind::City,
                )
                .await,
            );
        }
        for unit in &made {
            let subtree = store.subtree(&unit.path, false).await.expect("subtree");
            assert_eq!(subtree.len(), 1, "{} sees only itself", unit.path);
        }
    })
    .await;
}

#[tokio::test]
async fn moving_a_unit_carries_its_subtree() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let moved = store
            .move_unit(p.xihu.id, p.chunan.id, now())
            .await
            .expect("move");
        assert_eq!(moved.parent_id, Some(p.chunan.id));
        assert_eq!(moved.path, p.chunan.path.child(p.xihu.id));
        let cuiyuan = store.unit(p.cuiyuan.id).await.expect("cuiyuan");
        assert_eq!(cuiyuan.path, moved.path.child(p.cuiyuan.id));
        assert_eq!(cuiyuan.depth(), 3);
        let under_hangzhou = store
            .subtree(&p.hangzhou.path, false)
            .await
            .expect("subtree");
        assert_eq!(under_hangzhou.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_unit_cannot_move_under_its_own_descendant() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let err = store
            .move_unit(p.hangzhou.id, p.cuiyuan.id, now())
            .await
            .expect_err("refused");
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        let hangzhou = store.unit(p.hangzhou.id).await.expect("unchanged");
        assert_eq!(hangzhou.path, p.hangzhou.path);
    })
    .await;
}

#[tokio::test]
async fn codes_and_sibling_names_are_unique() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let again = store
            .create_unit(
                suyuan_store::units::NewUnit {
                    parent: Some(p.province.id),
                    code: suyuan_core::units::UnitCode::parse("zj-hz").expect("code"),
                    name: UnitName::parse("宁波市").expect("name"),
                    kind: UnitKind::City,
                },
                now(),
            )
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let clash = store
            .rename_unit(p.chunan.id, UnitName::parse("杭州市").expect("name"))
            .await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
        let renamed = store
            .rename_unit(p.chunan.id, UnitName::parse("淳安县委").expect("name"))
            .await
            .expect("rename");
        assert_eq!(renamed.name, "淳安县委");
    })
    .await;
}

#[tokio::test]
async fn archiving_needs_an_empty_unit() {
    each_backend(|store| async move {
        let p = province(&store).await;
        assert!(matches!(
            store.archive_unit(p.chunan.id, now()).await,
            Err(StoreError::Invalid(_))
        ));
        store
            .archive_unit(p.xiajiang.id, now())
            .await
            .expect("archive the village");
        let children = store.children(p.chunan.id).await.expect("children");
        assert!(children.is_empty());
        assert_eq!(
            store
                .subtree(&p.chunan.path, true)
                .await
                .expect("with archived")
                .len(),
            2
        );
        assert!(matches!(
            store.archive_unit(UnitId(9999), now()).await,
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_subtree_query_uses_the_path_index() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let plan = store.subtree_plan(&p.hangzhou.path).await;
        assert!(
            plan.contains("units_path"),
            "the subtree query scans instead of using the index:\n{plan}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_tree_is_created_level_by_level_in_bulk() {
    use suyuan_core::units::UnitCode;
    use suyuan_store::units::NewUnit;
    each_backend(|store| async move {
        let root = add_unit(&store, None, "root", "根", UnitKind::Province).await;
        let cities: Vec<NewUnit> = (0..3)
            .map(|i| NewUnit {
                parent: Some(root.id),
                code: UnitCode::parse(&format!("c{i}")).expect("code"),
                name: UnitName::parse(&format!("市{i}")).expect("name"),
                kind: UnitKind::City,
            })
            .collect();
        store.create_units(&cities, now()).await.expect("cities");
        let made = store.children(root.id).await.expect("children");
        assert_eq!(made.len(), 3);
        let districts: Vec<NewUnit> = made
            .iter()
            .flat_map(|city| {
                (0..4).map(move |i| NewUnit {
                    parent: Some(city.id),
                    code: UnitCode::parse(&format!("{}-d{i}", city.code)).expect("code"),
                    name: UnitName::parse(&format!("区{i}")).expect("name"),
                    kind: UnitKind::District,
                })
            })
            .collect();
        store
            .create_units(&districts, now())
            .await
            .expect("districts");
        let all = store.subtree(&root.path, false).await.expect("subtree");
        assert_eq!(all.len(), 1 + 3 + 12);
        for unit in &all[4..] {
            assert_eq!(unit.depth(), 2);
            let parent = all
                .iter()
                .find(|p| Some(p.id) == unit.parent_id)
                .expect("parent");
            assert_eq!(unit.path, parent.path.child(unit.id));
        }
        // A clash refuses the whole batch.
        let clash = store.create_units(&districts[..1], now()).await;
        assert!(matches!(clash, Err(StoreError::Conflict(_))), "{clash:?}");
        assert_eq!(
            store
                .subtree(&root.path, false)
                .await
                .expect("subtree")
                .len(),
            16
        );
    })
    .await;
}
