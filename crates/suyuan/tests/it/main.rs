//! The `suyuan` command, run as a user would run it.

mod crash;

use std::path::Path;
use std::process::{Command, Output};

use suyuan_store::{Location, Store};

/// Runs `suyuan` on the data directory `data`, from the temporary folder
/// that holds it, so that nothing it writes lands in the checkout.
fn suyuan(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .current_dir(
            data.parent()
                .expect("a data directory inside a temporary one"),
        )
        .env_remove("SUYUAN_DATABASE_URL")
        .output()
        .expect("run suyuan")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn setup(data: &Path) {
    for args in [
        [
            "unit",
            "create",
            "--code",
            "zj",
            "--name",
            "浙江省",
            "--kind",
            "province",
        ]
        .as_slice(),
        &[
            "unit",
            "create",
            "--code",
            "zj-hz",
            "--name",
            "杭州市",
            "--kind",
            "city",
            "--parent",
            "zj",
        ],
        &[
            "unit",
            "create",
            "--code",
            "zj-hz-xh",
            "--name",
            "西湖区",
            "--kind",
            "district",
            "--parent",
            "zj-hz",
        ],
    ] {
        let output = suyuan(data, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn a_roster_with_a_bad_row_7_imports_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    setup(&data);
    let roster = dir.path().join("roster.csv");
    let mut csv = String::from("姓名,编号,单位,手机\n");
    for i in 1..=5 {
        csv.push_str(&format!(
            "成员{i},A{i},浙江省/杭州市/西湖区,1380000000{i}\n"
        ));
    }
    csv.push_str("错误,A6,浙江省/杭州市/东湖区,\n");
    std::fs::write(&roster, &csv).expect("write");
    let refused = suyuan(
        &data,
        &[
            "import",
            "members",
            roster.to_str().expect("path"),
            "--initial-password",
            "start-here",
        ],
    );
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("row 7, column 单位"), "{message}");
    assert!(message.contains("东湖区"), "{message}");

    std::fs::write(&roster, csv.replace("东湖区", "西湖区")).expect("write");
    let imported = suyuan(
        &data,
        &[
            "import",
            "members",
            roster.to_str().expect("path"),
            "--initial-password",
            "start-here",
        ],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    // Nothing from the refused attempt: all six are new now.
    assert!(
        stdout(&imported).contains("6 new, 0 updated"),
        "{}",
        stdout(&imported)
    );
    // A column the roster cannot keep is named, not dropped unsaid.
    let with_extra = csv
        .replace("东湖区", "西湖区")
        .replacen("手机\n", "手机,民族\n", 1);
    std::fs::write(&roster, with_extra).expect("write");
    let again = suyuan(
        &data,
        &[
            "import",
            "members",
            roster.to_str().expect("path"),
            "--initial-password",
            "start-here",
        ],
    );
    assert!(
        stdout(&again).contains("0 new, 6 updated"),
        "{}",
        stdout(&again)
    );
    assert!(
        stderr(&again).contains("column 民族 was not imported"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn admins_are_created_for_a_unit() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    setup(&data);
    let created = suyuan(
        &data,
        &[
            "admin",
            "create",
            "--unit",
            "zj-hz-xh",
            "--number",
            "XH001",
            "--name",
            "沈丽华",
            "--password",
            "first-password",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("admin of 西湖区"));
    let unknown = suyuan(
        &data,
        &[
            "admin",
            "create",
            "--unit",
            "nowhere",
            "--number",
            "X2",
            "--name",
            "某人",
            "--password",
            "first-password",
        ],
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no unit with code nowhere"),
        "{}",
        stderr(&unknown)
    );
    let weak = suyuan(
        &data,
        &[
            "admin",
            "create",
            "--unit",
            "zj",
            "--number",
            "X3",
            "--name",
            "某人",
            "--password",
            "short",
        ],
    );
    assert!(!weak.status.success());
    // Our own check, not clap's complaint about the flag.
    assert!(
        stderr(&weak).contains("a password needs at least"),
        "{}",
        stderr(&weak)
    );
}

#[test]
fn a_backup_restores_what_was_there() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    setup(&data);
    let backup = dir.path().join("backup.db");
    let made = suyuan(&data, &["backup", backup.to_str().expect("path")]);
    assert!(made.status.success(), "{}", stderr(&made));
    let again = suyuan(&data, &["backup", backup.to_str().expect("path")]);
    assert!(!again.status.success(), "a backup never overwrites a file");
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    // A unit added after the backup is gone once it is restored.
    let added = suyuan(
        &data,
        &[
            "unit",
            "create",
            "--code",
            "zj-nb",
            "--name",
            "宁波市",
            "--kind",
            "city",
            "--parent",
            "zj",
        ],
    );
    assert!(added.status.success());
    let restored = suyuan(&data, &["restore", backup.to_str().expect("path")]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    let readd = suyuan(
        &data,
        &[
            "unit",
            "create",
            "--code",
            "zj-nb",
            "--name",
            "宁波市",
            "--kind",
            "city",
            "--parent",
            "zj",
        ],
    );
    assert!(
        readd.status.success(),
        "the restored database has no 宁波市: {}",
        stderr(&readd)
    );

    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(&not_a_backup, "hello").expect("write");
    let refused = suyuan(&data, &["restore", not_a_backup.to_str().expect("path")]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not an SQLite database"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn the_demo_seeds_once_and_prints_its_logins() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("demo");
    let first = suyuan(&data, &["demo", "--no-serve"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    for login in [
        "province-admin",
        "xihu-admin",
        "cuiyuan-member",
        "suyuan-demo",
    ] {
        assert!(out.contains(login), "{out}");
    }
    let members: usize = out
        .lines()
        .find_map(|line| {
            line.strip_prefix("Created ")?
                .split(" and ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .expect("a count of members");
    assert!(
        (2500..=3500).contains(&members),
        "about 3,000 members, got {members}"
    );
    let second = suyuan(&data, &["demo", "--no-serve"]);
    assert!(stdout(&second).contains("Reusing"), "{}", stdout(&second));

    // Each printed login signs in, into its own unit, and the demo has
    // generated study material to read.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&Location::DataDir(data.clone()))
            .await
            .expect("the demo database");
        for (login, unit) in [
            ("province-admin", "浙江省"),
            ("xihu-admin", "西湖区"),
            ("cuiyuan-member", "翠苑一区社区第一党支部"),
        ] {
            let member = store
                .sign_in(
                    login,
                    "suyuan-demo",
                    &Default::default(),
                    chrono::Utc::now(),
                )
                .await
                .unwrap_or_else(|e| panic!("{login}: {e}"));
            assert_eq!(member.unit.name, unit, "{login}");
        }
        let path = store
            .path_to_root(
                &store
                    .sign_in(
                        "cuiyuan-member",
                        "suyuan-demo",
                        &Default::default(),
                        chrono::Utc::now(),
                    )
                    .await
                    .expect("member")
                    .unit
                    .path,
            )
            .await
            .expect("path");
        assert!(path.iter().any(|u| u.name == "翠苑一区社区"), "{path:?}");
        assert!(!store.collections().await.expect("collections").is_empty());

        // Gatherings: the member's branch studies weekly, Xihu has a
        // monthly lecture, and its members went to Xiajiang Village; past
        // ones have their record, upcoming ones are in the member's feed.
        use suyuan_core::gatherings::{Attendance, Kind};
        let member = store
            .sign_in(
                "cuiyuan-member",
                "suyuan-demo",
                &Default::default(),
                chrono::Utc::now(),
            )
            .await
            .expect("member");
        let now = chrono::Utc::now();
        let gatherings = store
            .gatherings_for(
                &member.unit.path,
                now - chrono::Duration::days(60),
                now + chrono::Duration::days(60),
            )
            .await
            .expect("gatherings");
        for kind in Kind::ALL {
            assert!(gatherings.iter().any(|g| g.kind == kind), "{kind:?}");
        }
        assert!(
            gatherings.iter().any(|g| !g.slot.is_over(now)),
            "some to come"
        );
        let village = gatherings
            .iter()
            .find(|g| g.kind == Kind::ActivityDay && g.details.place.contains("下姜村"))
            .expect("an activity day at Xiajiang Village");
        assert!(village.slot.is_over(now) && village.closed && !village.minutes.is_empty());
        assert_eq!(
            store
                .presence(village.id, member.id)
                .await
                .expect("presence")
                .map(|p| p.status),
            Some(Attendance::Present)
        );
        assert!(
            !store
                .reflections(village.id, None)
                .await
                .expect("reflections")
                .is_empty()
        );
        let past_studies = gatherings
            .iter()
            .filter(|g| g.kind == Kind::WeeklyStudy && g.slot.is_over(now))
            .count();
        assert!(past_studies >= 2, "{past_studies} weekly studies held");

        // Xihu's dashboard shows a month of activity, of Xihu's units
        // only, and every figure kept on write is what the raw records say.
        let xihu = store
            .unit_by_code(&suyuan_core::units::UnitCode::parse("zj-hz-xh").expect("code"))
            .await
            .expect("Xihu");
        let campaign = store
            .campaigns_within(&xihu.path)
            .await
            .expect("campaigns")
            .remove(0);
        let today = campaign.calendar.date_at(now);
        let report = store
            .progress_report(
                &campaign,
                &xihu,
                (campaign.calendar.start, today),
                None,
                now,
            )
            .await
            .expect("report");
        let on_time = report.unit.now.on_time().value().expect("a rate");
        assert!((0.3..0.99).contains(&on_time), "{on_time}");
        assert!(report.unit.now.reading_days >= 20, "{:?}", report.unit.now);
        assert!(!report.children.is_empty());
        assert!(
            report
                .children
                .iter()
                .all(|c| xihu.path.contains(&c.unit.path))
        );
        assert!(report.unit.now.counts.study_invited > 0 && report.unit.now.counts.tests_sat > 0);
        assert_eq!(
            store.recount_differences(&campaign).await.expect("recount"),
            []
        );
        store.close().await.expect("close");
    });

    backup_round_trip(
        dir.path(),
        &Location::DataDir(data.clone()),
        &Location::DataDir(dir.path().join("restored")),
    );

    // The period report from the command line.
    for (format, magic) in [("xlsx", &b"PK"[..]), ("csv", &b"\xEF\xBB\xBF"[..])] {
        let file = dir.path().join(format!("xihu.{format}"));
        let file_arg = file.to_string_lossy().into_owned();
        let args = [
            "export", "report", "--unit", "zj-hz-xh", "--period", "month", "--format", format,
            "--out", &file_arg,
        ];
        let written = suyuan(&data, &args);
        assert!(written.status.success(), "{}", stderr(&written));
        let bytes = std::fs::read(&file).expect("the report");
        assert!(bytes.starts_with(magic), "{format}");
    }
    let refused = suyuan(
        &data,
        &[
            "export", "report", "--unit", "zj-hz-xh", "--period", "2020-13", "--out", "x",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("\"2020-13\" is not a period"),
        "{}",
        stderr(&refused)
    );
}

/// Runs `suyuan` on a database: a data directory, or a URL.
fn suyuan_on(dir: &Path, location: &Location, args: &[&str]) -> Output {
    match location {
        Location::DataDir(data) => suyuan(data, args),
        Location::Url(url) => {
            let args: Vec<&str> = args
                .iter()
                .copied()
                .chain(["--database-url", url.as_str()])
                .collect();
            suyuan(&dir.join("no-data"), &args)
        }
    }
}

fn table_digests(location: &Location) -> Vec<suyuan_store::testing::TableDigest> {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(location).await.expect("open");
        let digests = suyuan_store::testing::table_digests(&store)
            .await
            .expect("every table's rows");
        store.close().await.expect("close");
        digests
    })
}

/// Backs the database at `from` up; restores the copy into `into`, and
/// over `from` once that has changed: every table is as it was backed up,
/// row for row, each time. A backup cut short changes nothing.
fn backup_round_trip(dir: &Path, from: &Location, into: &Location) {
    let backup = dir.join("the-backup");
    let file = backup.to_str().expect("path");
    let made = suyuan_on(dir, from, &["backup", file]);
    assert!(made.status.success(), "{}", stderr(&made));
    let again = suyuan_on(dir, from, &["backup", file]);
    assert!(
        stderr(&again).contains("already exists"),
        "a backup never overwrites a file: {}",
        stderr(&again)
    );
    let before = table_digests(from);
    let rows: usize = before.iter().map(|t| t.rows).sum();
    assert!(
        before.len() > 40 && rows > 10_000,
        "{} tables",
        before.len()
    );
    // For RELIABILITY.md (`--no-capture`).
    eprintln!("{} tables, {rows} rows compared", before.len());

    let restored = suyuan_on(dir, into, &["restore", file]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert_eq!(table_digests(into), before, "restored into a new database");

    let changed = suyuan_on(
        dir,
        from,
        &[
            "unit",
            "create",
            "--code",
            "zz",
            "--name",
            "备份后",
            "--kind",
            "province",
        ],
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert_ne!(table_digests(from), before);
    let restored = suyuan_on(dir, from, &["restore", file]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert_eq!(table_digests(from), before, "restored over the database");

    let bytes = std::fs::read(&backup).expect("the backup");
    let cut = dir.join("cut-short");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let refused = suyuan_on(dir, from, &["restore", cut.to_str().expect("path")]);
    assert!(!refused.status.success(), "a cut-short backup is refused");
    assert!(
        stderr(&refused).contains("nothing changed")
            || stderr(&refused).contains("not a Suyuan backup"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        table_digests(from),
        before,
        "a cut-short backup changes nothing"
    );
}

/// The demo on PostgreSQL backs up with pg_dump and restores every table.
#[test]
fn a_backup_of_the_demo_on_postgres_restores_every_table() {
    use suyuan_store::testing::TestDb;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (Some(from), Some(into)) =
        runtime.block_on(async { (TestDb::postgres().await, TestDb::postgres().await) })
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let seeded = suyuan_on(dir.path(), &from.location, &["demo", "--no-serve"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    backup_round_trip(dir.path(), &from.location, &into.location);
    // An SQLite backup is not restored into PostgreSQL.
    let sqlite = dir.path().join("sqlite.db");
    std::fs::write(&sqlite, b"SQLite format 3\0 and the rest").expect("write");
    let refused = suyuan_on(
        dir.path(),
        &from.location,
        &["restore", sqlite.to_str().expect("path")],
    );
    assert!(
        stderr(&refused).contains("is an SQLite backup"),
        "{}",
        stderr(&refused)
    );
    runtime.block_on(async {
        from.drop_database().await;
        into.drop_database().await;
    });
}

const STATUTE: &str = "# 示例条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 第一条的文字。\n\n第二条 第二条的文字。\n";

#[test]
fn the_demo_imports_material_from_a_path() {
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path().join("material");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("示例条例.md"), STATUTE).expect("write");
    let data = dir.path().join("demo");
    let material = folder.to_string_lossy().into_owned();
    let demo = suyuan(&data, &["demo", "--no-serve", "--material", &material]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(&Location::DataDir(data.clone()))
            .await
            .expect("the demo database");
        let titles: Vec<String> = store
            .collections()
            .await
            .expect("collections")
            .into_iter()
            .map(|c| c.title)
            .collect();
        assert_eq!(titles, ["示例条例"]);
    });
}

#[test]
fn material_imports_all_or_nothing_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    setup(&data);
    let folder = dir.path().join("statutes");
    std::fs::create_dir_all(folder.join("sub")).expect("folder");
    std::fs::write(folder.join("示例条例.md"), STATUTE).expect("write");
    std::fs::write(
        folder.join("sub").join("notes.txt"),
        "学习札记\n\n第一段。\n\n第二段。\n",
    )
    .expect("write");
    let folder_arg = folder.to_string_lossy().into_owned();
    let ok = suyuan(&data, &["import", "material", &folder_arg, "--unit", "zj"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("imported 2 collections (4 excerpts)"),
        "{}",
        stdout(&ok)
    );

    // A broken file anywhere in a folder imports nothing, and says where.
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).expect("folder");
    std::fs::write(bad.join("好.md"), STATUTE.replace("示例条例", "另一条例")).expect("write");
    std::fs::write(bad.join("坏.docx"), b"not a zip at all").expect("write");
    let bad_arg = bad.to_string_lossy().into_owned();
    let refused = suyuan(&data, &["import", "material", &bad_arg, "--unit", "zj"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("坏.docx"), "{}", stderr(&refused));
    let again = suyuan(&data, &["import", "material", &folder_arg, "--unit", "zj"]);
    assert!(
        stdout(&again).contains("imported 0 collections (0 excerpts); 2 were there already"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn logs_can_be_json_lines() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let output = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .args([
            "--log-format",
            "json",
            "unit",
            "create",
            "--code",
            "zj",
            "--name",
            "浙江省",
            "--kind",
            "province",
            "--data-dir",
        ])
        .arg(&data)
        .current_dir(dir.path())
        .env("SUYUAN_LOG", "debug")
        .env_remove("SUYUAN_DATABASE_URL")
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", stderr(&output));
    let logs = stderr(&output);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "no logs at debug level");
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value["level"].is_string(), "{line}");
    }
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().expect("dir");
    for args in [
        ["--help"].as_slice(),
        &["serve", "--help"],
        &["demo", "--help"],
        &["unit", "--help"],
        &["unit", "create", "--help"],
        &["import", "--help"],
        &["import", "members", "--help"],
        &["import", "material", "--help"],
        &["import", "questions", "--help"],
        &["admin", "--help"],
        &["admin", "create", "--help"],
        &["bench", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_suyuan"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run");
        assert!(output.status.success(), "{args:?}");
        assert!(stdout(&output).contains("Usage"), "{args:?}");
    }
}

/// Runs every scenario for about a second at tiny size, so that the bench
/// cannot rot. It checks that they complete without errors, not speed.
fn run_bench(extra: &[&str], dir: &Path) -> serde_json::Value {
    let json = dir.join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .args([
            "bench",
            "--seconds",
            "1",
            "--members",
            "60",
            "--concurrency",
            "4",
            "--marks",
            "2000",
            "--peak-clients",
            "16",
            "--json",
        ])
        .arg(&json)
        .arg("--data-dir")
        .arg(dir.join("bench-data"))
        .current_dir(dir)
        .args(extra)
        .env_remove("SUYUAN_DATABASE_URL")
        .output()
        .expect("run the bench");
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("JSON");
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for expected in [
        "noop-get",
        "noop-post",
        "db-insert",
        "tree",
        "home",
        "sign-in",
        "search-like",
        "search-index",
        "search",
        "import",
        "mark-insert",
        "reading-peak",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} did not run: {names:?}"
        );
    }
    for scenario in report["scenarios"].as_array().expect("scenarios") {
        assert_eq!(scenario["errors"], 0, "{scenario}");
        assert!(
            scenario["ops_per_s"].as_f64().unwrap_or(0.0) > 0.0,
            "{scenario}"
        );
        for field in ["p50_ms", "p90_ms", "p99_ms", "max_ms", "rss_mb"] {
            assert!(scenario[field].is_number(), "{field} in {scenario}");
        }
    }
    let tree = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .find(|s| s["name"] == "tree")
        .expect("tree");
    assert_eq!(tree["baseline"], "noop-get");
    assert!(tree["ratio"].is_number());
    assert!(report["machine"]["cores"].as_u64().unwrap_or(0) >= 1);
    report
}

#[test]
fn the_bench_runs_every_scenario_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let first = run_bench(&[], dir.path());
    assert_eq!(first["scenarios"][0]["backend"], "sqlite");
    // A second run reuses the data set.
    let second = run_bench(&[], dir.path());
    assert_eq!(first["machine"]["units"], second["machine"]["units"]);
    assert_eq!(second["machine"]["members"], 61);
}

#[tokio::test]
async fn the_bench_runs_every_scenario_on_postgres() {
    let Some(db) = suyuan_store::testing::TestDb::postgres().await else {
        return;
    };
    let suyuan_store::Location::Url(url) = &db.location else {
        unreachable!("PostgreSQL has a URL")
    };
    let dir = tempfile::tempdir().expect("dir");
    let url = url.clone();
    let dir_path = dir.path().to_owned();
    let report =
        tokio::task::spawn_blocking(move || run_bench(&["--database-url", &url], &dir_path))
            .await
            .expect("bench");
    assert_eq!(report["scenarios"][0]["backend"], "postgres");
    db.drop_database().await;
}

#[test]
fn the_bench_measures_the_dashboards_beside_a_plain_group_by() {
    let dir = tempfile::tempdir().expect("dir");
    let json = dir.path().join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .args(["bench", "dashboard", "--seconds", "1", "--members", "60"])
        .args(["--history-days", "5", "--json"])
        .arg(&json)
        .arg("--data-dir")
        .arg(dir.path().join("bench-data"))
        .current_dir(dir.path())
        .env_remove("SUYUAN_DATABASE_URL")
        .output()
        .expect("run the bench");
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("a report");
    let names: Vec<&str> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|row| {
            assert_eq!(row["errors"], 0, "{row}");
            row["name"].as_str().expect("name")
        })
        .collect();
    assert_eq!(
        names,
        [
            "province-group-by",
            "district-group-by",
            "province-dashboard",
            "district-dashboard"
        ]
    );
    assert_eq!(report["scenarios"][2]["baseline"], "province-group-by");
}

#[test]
fn the_booking_rush_books_exactly_the_day_s_places() {
    let dir = tempfile::tempdir().expect("dir");
    let json = dir.path().join("bench.json");
    let output = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .args(["bench", "booking-rush", "--members", "100"])
        .args(["--rush-clients", "80", "--rush-seconds", "0.5", "--json"])
        .arg(&json)
        .arg("--data-dir")
        .arg(dir.path().join("bench-data"))
        .current_dir(dir.path())
        .env_remove("SUYUAN_DATABASE_URL")
        .output()
        .expect("run the bench");
    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    // 80 groups of five for 300 places: 60 booked, 20 told "full".
    assert!(
        said.contains("60 groups booked (300 places; recounted from the bookings: 300), 20 told \"full\", 0 other errors"),
        "{said}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("a report");
    let row = &report["scenarios"][0];
    assert_eq!(row["name"], "booking-rush");
    assert_eq!(row["errors"], 0, "{row}");
}

#[test]
fn the_bench_names_unknown_scenarios() {
    let dir = tempfile::tempdir().expect("dir");
    let output = suyuan(&dir.path().join("data"), &["bench", "nonsense"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown scenario nonsense")
            && stderr(&output).contains("requests"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn questions_import_from_every_format_all_or_nothing() {
    use suyuan_core::questions::{Answer, Choice, Format, Question};
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    setup(&data);
    let bank = |prefix: &str| {
        vec![
            Question::new(
                format!("{prefix}：一切权力属于谁？"),
                Answer::Single {
                    choices: vec![Choice::right("人民"), Choice::wrong("政府")],
                },
            ),
            Question::new(
                format!("{prefix}：宪法由____通过。"),
                Answer::Blank {
                    accepted: vec!["全国人大".into()],
                    partial: vec![],
                },
            ),
        ]
    };
    for format in Format::ALL {
        let file = dir.path().join(format!("bank.{}", format.extension()));
        std::fs::write(&file, format.write(&bank(format.code()))).expect("write");
        let file_arg = file.to_string_lossy().into_owned();
        let args = [
            "import",
            "questions",
            &file_arg,
            "--format",
            format.code(),
            "--unit",
            "zj-hz-xh",
            "--category",
            "宪法",
        ];
        let imported = suyuan(&data, &args);
        assert!(imported.status.success(), "{}", stderr(&imported));
        assert_eq!(
            stdout(&imported).lines().next(),
            Some("imported 2 questions")
        );
        let again = suyuan(&data, &args);
        assert!(
            stdout(&again).starts_with("imported 0 questions\n2 were in the bank already"),
            "{}",
            stdout(&again)
        );
    }

    // A bad question on line 4 refuses the file, says where and why, and
    // imports nothing (the good question before it included).
    let bad = dir.path().join("bad.gift");
    std::fs::write(&bad, "新题 {=甲 ~乙}\n\n\n几何？ {#3:1}\n").expect("write");
    let bad_arg = bad.to_string_lossy().into_owned();
    let refused = suyuan(
        &data,
        &[
            "import",
            "questions",
            &bad_arg,
            "--format",
            "gift",
            "--unit",
            "zj",
        ],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("line 4: numeric questions"),
        "{}",
        stderr(&refused)
    );
    let good = dir.path().join("good.gift");
    std::fs::write(&good, "新题 {=甲 ~乙}\n").expect("write");
    let good_arg = good.to_string_lossy().into_owned();
    let imported = suyuan(
        &data,
        &[
            "import",
            "questions",
            &good_arg,
            "--format",
            "gift",
            "--unit",
            "zj",
        ],
    );
    assert_eq!(stdout(&imported).trim(), "imported 1 questions");
    let unknown = suyuan(
        &data,
        &[
            "import",
            "questions",
            &good_arg,
            "--format",
            "word",
            "--unit",
            "zj",
        ],
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("--format is gift"),
        "{}",
        stderr(&unknown)
    );
}
