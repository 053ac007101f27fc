//! The application layer's workflows, against a real (SQLite) store.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use suyuan_core::campaigns::Topic;

use suyuan_app::AppError;
use suyuan_app::backup::restore;
use suyuan_app::gatherings::{Planned, plan};
use suyuan_app::library::{MaterialFile, Summary, import_material};
use suyuan_core::campaigns::{Calendar, DEFAULT_ZONE};
use suyuan_core::gatherings::Details;
use suyuan_core::gatherings::{Kind, Recurrence, Schedule};
use suyuan_core::library::Visibility;
use suyuan_core::members::{MemberNumber, NewPassword, PersonName};
use suyuan_core::reading::{PointRules, ReadingPace};
use suyuan_core::units::UnitKind;
use suyuan_search::SearchIndex;
use suyuan_store::Location;
use suyuan_store::campaigns::NewCampaign;
use suyuan_store::members::NewMember;
use suyuan_store::testing::{TestDb, add_unit};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
        .single()
        .expect("a valid time")
}

fn file(name: &str, text: &str) -> MaterialFile {
    MaterialFile {
        category: String::new(),
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

const LAW: &str = "# 示例法\n\n第一条 第一条的文字。\n\n第二条 第二条的文字。\n";

#[tokio::test]
async fn material_imports_all_or_nothing_and_is_searchable_at_once() {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
    let index = SearchIndex::in_memory().expect("index");
    let files = [file("good.md", LAW), file("bad.pdf", "%PDF")];
    let refused = import_material(
        &store,
        Some(&index),
        &files,
        root.id,
        Visibility::Public,
        now(),
    )
    .await;
    match refused {
        Err(AppError::Files(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains("bad.pdf"), "{errors:?}");
        }
        other => panic!("expected the bad file named, got {other:?}"),
    }
    assert!(store.collections().await.expect("list").is_empty());

    let import = || {
        import_material(
            &store,
            Some(&index),
            &files[..1],
            root.id,
            Visibility::Public,
            now(),
        )
    };
    let first = import().await.expect("import");
    assert_eq!(
        first,
        Summary {
            created: 1,
            excerpts: 2,
            already_there: 0
        }
    );
    assert_eq!(index.len(), 2, "the index caught up at once");
    let again = import().await.expect("again");
    assert_eq!((again.created, again.already_there), (0, 1));
}

#[tokio::test]
async fn a_folder_s_material_is_filed_under_its_folders_and_its_readme_left_out() {
    let root = tempfile::tempdir().expect("folder");
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
        std::fs::write(path, text).expect("write");
    };
    write("README.md", "# About this folder\n\nNot study material.\n");
    write("宪法/宪法.md", LAW);
    write("刑法/刑法.md", &LAW.replace("示例法", "刑法"));
    write("杂项.md", &LAW.replace("示例法", "杂项"));
    let files = suyuan_app::library::read_material(root.path()).expect("read");
    let mut filed: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let name = std::path::Path::new(&f.name)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, f.category.clone())
        })
        .collect();
    filed.sort();
    assert_eq!(
        filed,
        [
            ("刑法.md".to_owned(), "刑法".to_owned()),
            ("宪法.md".to_owned(), "宪法".to_owned()),
            ("杂项.md".to_owned(), String::new()),
        ]
    );
    let db = TestDb::sqlite();
    let store = db.open().await;
    let province = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
    import_material(&store, None, &files, province.id, Visibility::Public, now())
        .await
        .expect("import");
    let mut stored: Vec<(String, String)> = store
        .collections()
        .await
        .expect("list")
        .into_iter()
        .map(|c| (c.title, c.category))
        .collect();
    stored.sort();
    assert_eq!(
        stored,
        [
            ("刑法".to_owned(), "刑法".to_owned()),
            ("杂项".to_owned(), String::new()),
            ("示例法".to_owned(), "宪法".to_owned()),
        ]
    );
}

#[tokio::test]
async fn weekly_study_takes_the_week_s_topic_for_units_of_the_campaign() {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
    let xihu = add_unit(&store, Some(&root), "zj-xh", "西湖区", UnitKind::District).await;
    let chunan = add_unit(&store, Some(&root), "zj-ca", "淳安县", UnitKind::County).await;
    import_material(
        &store,
        None,
        &[file("law.md", LAW)],
        root.id,
        Visibility::Public,
        now(),
    )
    .await
    .expect("material");
    let collection = store.collections().await.expect("list")[0].id;
    let monday = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let campaign = store
        .create_campaign(
            NewCampaign {
                owner: xihu.id,
                title: "学法".into(),
                theme: String::new(),
                calendar: Calendar::new(DEFAULT_ZONE, monday, monday + Duration::days(13))
                    .expect("calendar"),
                evening: NaiveTime::from_hms_opt(20, 0, 0).expect("time"),
                pace: ReadingPace::default(),
                rules: PointRules::default(),
                units: vec![xihu.id],
                collections: vec![collection],
            },
            now(),
        )
        .await
        .expect("campaign");
    store
        .set_week_topic(&campaign, monday, &Topic::parse("宪法总纲").expect("topic"))
        .await
        .expect("topic");
    let organizer = store
        .create_member(
            NewMember {
                unit: xihu.id,
                number: MemberNumber::parse("X1").expect("number"),
                name: PersonName::parse("组织者").expect("name"),
                phone: None,
                role: suyuan_core::access::Role::Admin,
                password_hash: suyuan_store::auth::hash_password(
                    &NewPassword::parse("long-enough-1").expect("password"),
                )
                .expect("hash"),
                must_change_password: false,
            },
            now(),
        )
        .await
        .expect("organizer")
        .id;
    let weekly = |unit| Planned {
        unit,
        campaign: Some(campaign.clone()),
        kind: Kind::WeeklyStudy,
        details: Details {
            title: "周学习".into(),
            ..Details::default()
        },
        schedule: Schedule {
            recurrence: Recurrence::Weekly(chrono::Weekday::Wed),
            from: campaign.calendar.start,
            until: campaign.calendar.end,
            starts: NaiveTime::from_hms_opt(19, 30, 0).expect("time"),
            minutes: 90,
        },
    };
    let ids = plan(&store, vec![weekly(xihu.id)], organizer, now())
        .await
        .expect("planned");
    assert_eq!(ids.len(), 2, "two Wednesdays");
    let first = store.gathering(ids[0]).await.expect("first");
    let second = store.gathering(ids[1]).await.expect("second");
    assert_eq!(first.details.topic, "宪法总纲");
    assert_eq!(second.details.topic, "", "the second week has no topic yet");

    let refused = plan(&store, vec![weekly(chunan.id)], organizer, now()).await;
    match refused {
        Err(AppError::Invalid(reason)) => {
            assert!(reason.starts_with("campaign: 淳安县"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn restore_replaces_nothing_with_what_is_not_a_backup() {
    let dir = tempfile::tempdir().expect("dir");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello").expect("write");
    let data = dir.path().join("data");
    let refused = restore(&Location::DataDir(data.clone()), &notes).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(m)) if m.contains("not an SQLite database")),
        "{refused:?}"
    );
    assert!(!data.exists(), "nothing was made");
    let postgres = Location::Url("postgres://localhost/x".into());
    let refused = restore(&postgres, &notes).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(m)) if m.contains("not a PostgreSQL backup")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn question_files_leave_descriptions_out_with_a_note_and_bad_ones_change_nothing() {
    use suyuan_app::questions::{import_questions, skipped_note};
    use suyuan_core::questions::Format;
    use suyuan_i18n::Lang;
    use suyuan_store::questions::{Owners, QuestionFilter};

    let db = TestDb::sqlite();
    let store = db.open().await;
    let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
    let bank = QuestionFilter::bank(Owners::SeenFrom(root.path.clone()));

    let bad = "::Q1:: 一切权力属于谁？ {=人民 ~政府}\n\n::首都:: 首都是 {=北京 =%-50%上海}\n";
    let refused = import_questions(
        &store,
        "bad.gift",
        bad.as_bytes(),
        Format::Gift,
        root.id,
        None,
        now(),
    )
    .await;
    match refused {
        Err(AppError::Invalid(reason)) => {
            assert!(reason.contains("bad.gift: line 3"), "{reason}");
        }
        other => panic!("expected the line named, got {other:?}"),
    }
    assert_eq!(store.questions(&bank).await.expect("bank").0, 0);

    let gift = "::Intro:: 阅读下列条文。\n\n::Q1:: 一切权力属于谁？ {=人民 ~政府}\n";
    let imported = import_questions(
        &store,
        "bank.gift",
        gift.as_bytes(),
        Format::Gift,
        root.id,
        None,
        now(),
    )
    .await
    .expect("imported");
    assert_eq!(imported.added.added, 1);
    let notes: Vec<String> = [Lang::Zh, Lang::En]
        .into_iter()
        .map(|lang| skipped_note(lang.texts(), &imported.skipped[0]))
        .collect();
    assert_eq!(
        notes,
        [
            "第 1 行“Intro”是说明文字，不是题目，未导入。",
            "Line 1: \"Intro\" is a description, not a question, and was left out."
        ]
    );
}
