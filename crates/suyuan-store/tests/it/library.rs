use suyuan_core::access::{Principal, Role};
use suyuan_core::library::Markup;
use suyuan_core::library::{Visibility, may_read, parse_text};
use suyuan_core::members::MemberId;
use suyuan_core::units::UnitPath;
use suyuan_store::library::{Imported, NewCollection};
use suyuan_store::testing::each_backend;

use crate::{now, province};

const LAW: &str = "# 中华人民共和国示例法\n\n2020年5月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 第一条。\n\n### 第一节 细则\n\n第二条 第二条。\n第二款。\n\n## 第二章 附则\n\n第三条 第三条。\n";
const NOTES: &str = "# 西湖区学习札记\n\n第一段。\n\n第二段。\n";

fn reader(role: Role, path: &UnitPath) -> Principal {
    Principal {
        member_id: MemberId(1),
        unit_id: path.unit_id(),
        unit_path: path.clone(),
        role,
    }
}

#[tokio::test]
async fn collections_import_once_and_read_in_order() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let law = parse_text("示例法.md", LAW, Markup::Markdown).expect("parses");
        let items = [NewCollection {
            category: "",
            parsed: &law,
            owner: p.province.id,
            visibility: Visibility::Public,
        }];
        let first = store
            .import_collections(&items, now())
            .await
            .expect("import");
        let Imported::Created {
            id,
            display_title,
            excerpts,
        } = &first[0]
        else {
            panic!("{first:?}")
        };
        assert_eq!(display_title, "中华人民共和国示例法（2020年5月1日）");
        assert_eq!(*excerpts, 3);
        let again = store
            .import_collections(&items, now())
            .await
            .expect("again");
        assert!(matches!(&again[0], Imported::AlreadyThere { id: same, .. } if same == id));

        let collection = store.collection(*id).await.expect("collection");
        // Two chapters as a reader counts them: the 节 inside one is not a
        // third.
        assert_eq!((collection.chapter_count, collection.excerpt_count), (2, 3));
        assert_eq!(store.chapters(*id).await.expect("chapters").len(), 3);
        let chapters = store.chapters(*id).await.expect("chapters");
        assert_eq!(chapters[1].parent, Some(chapters[0].id));
        let all = store.excerpts(*id, None).await.expect("excerpts");
        assert_eq!(all[1].text, "第二条 第二条。\n第二款。");
        assert_eq!(all[1].heading_path, ["第一章 总则", "第一节 细则"]);
        let first_chapter = store
            .excerpts(*id, Some(&[chapters[0].id, chapters[1].id]))
            .await
            .expect("chapter");
        assert_eq!(first_chapter.len(), 2);
        let (before, after) = store.neighbours(&all[1]).await.expect("neighbours");
        assert_eq!(before.map(|e| e.label), Some("第一条".to_owned()));
        assert_eq!(after.map(|e| e.label), Some("第三条".to_owned()));
        let (_, after_last) = store.neighbours(&all[2]).await.expect("neighbours");
        assert!(after_last.is_none());
    })
    .await;
}

#[tokio::test]
async fn unit_material_is_read_only_within_its_subtree() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let law = parse_text("示例法.md", LAW, Markup::Markdown).expect("parses");
        let notes = parse_text("notes.md", NOTES, Markup::Markdown).expect("parses");
        store
            .import_collections(
                &[
                    NewCollection {
                        category: "",
                        parsed: &law,
                        owner: p.province.id,
                        visibility: Visibility::Public,
                    },
                    NewCollection {
                        category: "",
                        parsed: &notes,
                        owner: p.xihu.id,
                        visibility: Visibility::Subtree,
                    },
                ],
                now(),
            )
            .await
            .expect("import");
        let all = store.collections().await.expect("collections");
        let names = |reader: Option<&Principal>| {
            all.iter()
                .filter(|c| may_read(reader, c.visibility, &c.owner_path))
                .map(|c| c.title.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(None), ["中华人民共和国示例法"]);
        assert_eq!(names(Some(&reader(Role::Member, &p.cuiyuan.path))).len(), 2);
        assert_eq!(
            names(Some(&reader(Role::Admin, &p.chunan.path))),
            ["中华人民共和国示例法"]
        );
        let above = names(Some(&reader(Role::Admin, &p.hangzhou.path)));
        assert_eq!(
            above.len(),
            2,
            "an admin above sees what units below compiled"
        );
        let member_above = names(Some(&reader(Role::Member, &p.hangzhou.path)));
        assert_eq!(member_above.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_library_version_moves_with_each_import() {
    each_backend(|store| async move {
        let p = province(&store).await;
        assert_eq!(store.library_version().await.expect("version"), 0);
        let law = parse_text("示例法.md", LAW, Markup::Markdown).expect("parses");
        let imported = store
            .import_collections(
                &[NewCollection {
                    category: "",
                    parsed: &law,
                    owner: p.province.id,
                    visibility: Visibility::Public,
                }],
                now(),
            )
            .await
            .expect("import");
        let version = store.library_version().await.expect("version");
        assert!(version > 0);
        let (changed, latest) = store.library_changes_since(0).await.expect("changes");
        assert_eq!(latest, version);
        let Imported::Created { id, .. } = &imported[0] else {
            panic!()
        };
        assert_eq!(changed, [*id]);
        assert!(
            store
                .library_changes_since(version)
                .await
                .expect("none")
                .0
                .is_empty()
        );
        // Moving the owner's subtree changes who may read: a change too.
        store
            .move_unit(p.province.id, p.province.id, now())
            .await
            .expect_err("not under itself");
        let notes = parse_text("notes.md", NOTES, Markup::Markdown).expect("parses");
        store
            .import_collections(
                &[NewCollection {
                    category: "",
                    parsed: &notes,
                    owner: p.cuiyuan.id,
                    visibility: Visibility::Subtree,
                }],
                now(),
            )
            .await
            .expect("import");
        let before_move = store.library_version().await.expect("version");
        store
            .move_unit(p.xihu.id, p.chunan.id, now())
            .await
            .expect("move");
        assert!(store.library_version().await.expect("version") > before_move);
    })
    .await;
}

#[tokio::test]
async fn a_compilation_is_assembled_and_published() {
    use suyuan_core::library::Heading;
    use suyuan_store::library::DraftEntry;
    each_backend(|store| async move {
        let p = province(&store).await;
        let law = parse_text("示例法.md", LAW, Markup::Markdown).expect("parses");
        let notes = parse_text("notes.md", NOTES, Markup::Markdown).expect("parses");
        store
            .import_collections(
                &[
                    NewCollection {
                        category: "",
                        parsed: &law,
                        owner: p.province.id,
                        visibility: Visibility::Public,
                    },
                    NewCollection {
                        category: "",
                        parsed: &notes,
                        owner: p.xihu.id,
                        visibility: Visibility::Subtree,
                    },
                ],
                now(),
            )
            .await
            .expect("import");
        let all = store.collections().await.expect("collections");
        let law_excerpts = store
            .excerpts(
                all.iter()
                    .find(|c| c.title.contains("示例法"))
                    .expect("law")
                    .id,
                None,
            )
            .await
            .expect("law");
        let note_excerpts = store
            .excerpts(
                all.iter()
                    .find(|c| c.title.contains("札记"))
                    .expect("notes")
                    .id,
                None,
            )
            .await
            .expect("notes");

        let draft = store
            .create_draft(
                p.xihu.id,
                &Heading::parse("学习摘编").expect("title"),
                now(),
            )
            .await
            .expect("draft");
        store
            .add_to_draft(
                draft.id,
                Some(&Heading::parse("一、关于法治").expect("heading")),
                None,
            )
            .await
            .expect("heading");
        store
            .add_to_draft(draft.id, None, Some(law_excerpts[2].id))
            .await
            .expect("law");
        store
            .add_to_draft(draft.id, None, Some(note_excerpts[0].id))
            .await
            .expect("note");
        store
            .add_to_draft(draft.id, None, Some(law_excerpts[0].id))
            .await
            .expect("law");
        let items = store.draft_items(draft.id).await.expect("items");
        assert_eq!(items.len(), 4);
        // Move the last one up, above the note; remove the note.
        store
            .move_draft_item(draft.id, items[3].id, suyuan_store::library::Direction::Up)
            .await
            .expect("move");
        store
            .remove_draft_item(draft.id, items[2].id)
            .await
            .expect("remove");
        let items = store.draft_items(draft.id).await.expect("items");
        let labels: Vec<String> = items
            .iter()
            .map(|i| match &i.entry {
                DraftEntry::Heading(h) => h.clone(),
                DraftEntry::Excerpt { excerpt, .. } => excerpt.label.clone(),
            })
            .collect();
        assert_eq!(labels, ["一、关于法治", "第三条", "第一条"]);
        assert_eq!(
            store
                .drafts_within(&p.hangzhou.path)
                .await
                .expect("drafts")
                .len(),
            1
        );
        assert!(
            store
                .drafts_within(&p.chunan.path)
                .await
                .expect("drafts")
                .is_empty()
        );

        let before = store.library_version().await.expect("version");
        let id = store
            .publish_draft(draft.id, Visibility::Subtree, now())
            .await
            .expect("publish");
        assert!(store.library_version().await.expect("version") > before);
        let published = store.collection(id).await.expect("collection");
        assert!(published.compilation);
        assert_eq!(published.owner, p.xihu.id);
        let copied = store.excerpts(id, None).await.expect("excerpts");
        assert_eq!(copied.len(), 2);
        assert_eq!(copied[0].heading_path, ["一、关于法治"]);
        assert_eq!(copied[0].source, Some(law_excerpts[2].id));
        assert_eq!(copied[0].text, law_excerpts[2].text);
        assert!(matches!(
            store.draft(draft.id).await,
            Err(suyuan_store::StoreError::NotFound)
        ));

        let empty = store
            .create_draft(p.xihu.id, &Heading::parse("空的").expect("title"), now())
            .await
            .expect("draft");
        assert!(matches!(
            store
                .publish_draft(empty.id, Visibility::Subtree, now())
                .await,
            Err(suyuan_store::StoreError::Invalid(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn another_units_own_material_neither_blocks_nor_shows_through_a_name() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let notes = parse_text("notes.md", NOTES, Markup::Markdown).expect("parses");
        let import = |owner, visibility| {
            let store = store.clone();
            let notes = notes.clone();
            async move {
                let outcome = store
                    .import_collections(
                        &[NewCollection {
                            category: "",
                            parsed: &notes,
                            owner,
                            visibility,
                        }],
                        now(),
                    )
                    .await
                    .expect("import");
                outcome.into_iter().next().expect("one")
            }
        };
        let chunan = import(p.chunan.id, Visibility::Subtree).await;
        assert!(matches!(chunan, Imported::Created { ref display_title, .. } if display_title == "西湖区学习札记"));
        // Xihu's own notes of the same name are stored apart, under a name
        // of their own, and a re-import finds them again.
        let xihu = import(p.xihu.id, Visibility::Subtree).await;
        let Imported::Created { id, display_title, .. } = xihu else {
            panic!("{xihu:?}")
        };
        assert_eq!(display_title, "西湖区学习札记（西湖区）");
        let again = import(p.xihu.id, Visibility::Subtree).await;
        assert!(matches!(again, Imported::AlreadyThere { id: same, .. } if same == id));
        // Public material is the same material for everyone.
        let law = parse_text("示例法.md", LAW, Markup::Markdown).expect("parses");
        let public = store
            .import_collections(
                &[NewCollection {
                    category: "",
                    parsed: &law,
                    owner: p.province.id,
                    visibility: Visibility::Public,
                }],
                now(),
            )
            .await
            .expect("public");
        let by_xihu = store
            .import_collections(
                &[NewCollection {
                    category: "",
                    parsed: &law,
                    owner: p.xihu.id,
                    visibility: Visibility::Subtree,
                }],
                now(),
            )
            .await
            .expect("again");
        let (Imported::Created { id: first, .. }, Imported::AlreadyThere { id: second, .. }) =
            (&public[0], &by_xihu[0])
        else {
            panic!("{public:?} {by_xihu:?}")
        };
        assert_eq!(first, second);
    })
    .await;
}

/// A database from before categories, whose chapter counts took every
/// heading: opened by this release, its collections have no category and
/// count their 章 only.
#[tokio::test]
async fn an_upgrade_files_nothing_and_counts_chapters_again() {
    let mut dbs = vec![suyuan_store::testing::TestDb::sqlite()];
    dbs.extend(suyuan_store::testing::TestDb::postgres().await);
    for db in dbs {
        let store = db.open().await;
        let p = province(&store).await;
        let law = crate::public_collection(&store, &p.province, "law.md", LAW).await;
        let notes = crate::public_collection(&store, &p.province, "notes.md", NOTES).await;
        store
            .run_sql(&[
                "ALTER TABLE collections DROP COLUMN category",
                "UPDATE collections SET chapter_count = 3 WHERE title = '中华人民共和国示例法'",
                "DELETE FROM seaql_migrations WHERE version = 'm0014_library_categories'",
            ])
            .await;
        store.close().await.expect("close");

        let store = db.open().await;
        let law = store.collection(law).await.expect("law");
        assert_eq!((law.chapter_count, law.category.as_str()), (2, ""));
        let notes = store.collection(notes).await.expect("notes");
        assert_eq!(notes.chapter_count, 0, "no headings, no chapters");
        store.close().await.expect("close");
        db.drop_database().await;
    }
}
