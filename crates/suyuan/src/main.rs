//! `suyuan`: serve the platform, seed a demo, import, administer, back up.

mod bench;
mod demo;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use suyuan_core::access::Role;
use suyuan_core::clock::{Clock, SystemClock};
use suyuan_core::library::Visibility;
use suyuan_core::members::{MemberNumber, NewPassword, PersonName, Phone};
use suyuan_core::questions::Format as QuestionFormat;
use suyuan_core::units::{UnitCode, UnitId, UnitKind, UnitName};
use suyuan_i18n::Lang;
use suyuan_search::SearchIndex;
use suyuan_store::auth::hash_password;
use suyuan_store::members::NewMember;
use suyuan_store::units::NewUnit;
use suyuan_store::{DB_FILE, Location, Store};
use suyuan_web::App;

#[derive(Parser)]
#[command(
    name = "suyuan",
    version,
    about = "Suyuan (溯源): a study campaign platform"
)]
struct Cli {
    /// Log lines as text or as JSON objects.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "SUYUAN_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Where the data lives: SQLite in a directory, or PostgreSQL.
#[derive(Args, Clone)]
struct DataArgs {
    /// The data directory for the embedded SQLite database.
    #[arg(long, default_value = "suyuan-data", env = "SUYUAN_DATA_DIR")]
    data_dir: PathBuf,
    /// Use this database instead, e.g. postgres://user@host/db.
    #[arg(long, env = "SUYUAN_DATABASE_URL")]
    database_url: Option<String>,
}

impl DataArgs {
    fn location(&self) -> Location {
        Location::from_options(&self.data_dir, self.database_url.as_deref())
    }

    async fn open(&self) -> Result<Store> {
        let location = self.location();
        Store::open(&location)
            .await
            .with_context(|| format!("cannot open the database ({})", describe(&location)))
    }
}

/// Where evening reminders go out, besides members' home pages.
#[derive(Args, Clone, Default)]
struct MailArgs {
    /// An SMTP server for reminder e-mail: smtp://host:25 (plain),
    /// smtp://host:587?tls=required (STARTTLS) or smtps://user:pass@host:465.
    #[arg(long, env = "SUYUAN_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of reminder e-mail, e.g. "溯源 <study@example.org>".
    #[arg(long, env = "SUYUAN_MAIL_FROM")]
    mail_from: Option<String>,
    /// Addresses or networks on this machine or a private network that
    /// mail and group robots may still reach, comma-separated (a mail
    /// relay on this machine: 127.0.0.1). Without it they reach only the
    /// public internet.
    #[arg(long, env = "SUYUAN_OUTBOUND_ALLOW", value_delimiter = ',')]
    outbound_allow: Vec<String>,
}

/// How teaching sites hold organizations that book and do not come.
#[derive(clap::Args)]
struct SiteArgs {
    /// No-shows that hold an organization from booking…
    #[arg(long, default_value_t = 3, env = "SUYUAN_NO_SHOWS")]
    no_shows: u32,
    /// …when they fall within this many days…
    #[arg(long, default_value_t = 90, env = "SUYUAN_NO_SHOW_DAYS")]
    no_show_days: i64,
    /// …hold it for this many days after the last of them.
    #[arg(long, default_value_t = 30, env = "SUYUAN_NO_SHOW_HOLD_DAYS")]
    no_show_hold_days: i64,
}

/// Where the site is published, and who may read its metrics.
#[derive(clap::Args)]
struct WebArgs {
    /// The address people reach the site by, e.g.
    /// https://study.example.org: absolute links use it, forms must come
    /// from it, and when it is https cookies are Secure with the __Host-
    /// prefix and HSTS is sent.
    #[arg(long, env = "SUYUAN_PUBLIC_URL")]
    public_url: Option<String>,
    /// A bearer token that may read /metrics.
    #[arg(long, env = "SUYUAN_METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// Addresses or networks that may read /metrics, comma-separated
    /// (without this or a token, only this machine).
    #[arg(long, env = "SUYUAN_METRICS_FROM", value_delimiter = ',')]
    metrics_from: Vec<String>,
    /// Calls one API token may make a second, each instance (after a
    /// burst of ten times that); 0 for no limit.
    #[arg(long, default_value_t = 20, env = "SUYUAN_API_PACE")]
    api_pace: u32,
}

fn settings(mail: &MailArgs, sites: &SiteArgs, web: &WebArgs) -> Result<suyuan_web::Settings> {
    let security = suyuan_web::SecurityPolicy::new(
        web.public_url.as_deref(),
        web.metrics_token.as_deref(),
        &web.metrics_from,
    )
    .map_err(anyhow::Error::msg)?;
    Ok(suyuan_web::Settings {
        security,
        api_pace: (web.api_pace > 0).then(|| suyuan_web::ApiPace {
            per_second: web.api_pace,
            burst: web.api_pace.saturating_mul(10),
        }),
        outbound: suyuan_web::OutboundSettings {
            smtp_url: mail.smtp_url.clone(),
            mail_from: mail.mail_from.clone(),
            allow: mail.outbound_allow.clone(),
        },
        no_shows: suyuan_core::sites::NoShowRule {
            count: sites.no_shows.max(1),
            within: chrono::Duration::days(sites.no_show_days.max(1)),
            hold: chrono::Duration::days(sites.no_show_hold_days.max(0)),
        },
    })
}

fn describe(location: &Location) -> String {
    match location {
        Location::DataDir(dir) => dir.join(DB_FILE).display().to_string(),
        // Never print a password that may be in the URL.
        Location::Url(url) => url.split('@').next_back().unwrap_or(url).to_owned(),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "SUYUAN_LISTEN")]
        listen: SocketAddr,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        sites: SiteArgs,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Create (or reuse) the demo province and serve it.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The demo's data directory.
        #[arg(long, default_value = "suyuan-demo-data")]
        data_dir: PathBuf,
        #[arg(long, env = "SUYUAN_DATABASE_URL")]
        database_url: Option<String>,
        /// Import study material from this file or folder (for example the
        /// statutes of a corpus); without it, a short generated sample.
        #[arg(long)]
        material: Option<PathBuf>,
        /// Seed the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        sites: SiteArgs,
        #[command(flatten)]
        web: WebArgs,
    },
    /// Manage units of the organization tree.
    #[command(subcommand)]
    Unit(UnitCommand),
    /// Create administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export reports.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Write a consistent copy of the database, while it is in use
    /// (PostgreSQL's with pg_dump, which must be installed).
    Backup {
        /// The new file to write.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Measure the platform against its own limits (see BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Replace the database with a backup. Stop the server first.
    Restore {
        /// A file written by `suyuan backup`.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum UnitCommand {
    /// Create a unit (a root when --parent is not given).
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// province, office, city, district, county, street, community,
        /// village, enterprise or branch
        #[arg(long)]
        kind: String,
        /// The parent unit's code.
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator of a unit's subtree.
    Create {
        /// The code of the unit they administer.
        #[arg(long)]
        unit: String,
        /// Their member number, which is also their sign-in name.
        #[arg(long)]
        number: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        /// Their first password; they must change it when they sign in.
        #[arg(long, env = "SUYUAN_ADMIN_PASSWORD")]
        password: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// A unit's progress for a period: XLSX (a summary sheet and a sheet
    /// per figure, day by day) or CSV (the summary, UTF-8 with BOM).
    Report {
        /// The unit's code.
        #[arg(long)]
        unit: String,
        /// 2026-11, 2026-W47, 2026-11-D2, 2026-11-26 or campaign:ID (or
        /// day, week, dekad, month, campaign: the one holding today).
        #[arg(long)]
        period: String,
        /// The campaign, when the period does not name it (default: the
        /// latest of the unit's).
        #[arg(long)]
        campaign: Option<i64>,
        #[arg(long, value_enum, default_value = "xlsx")]
        format: ReportFormat,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Xlsx,
    Csv,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import or update members from a CSV or XLSX roster, all or nothing.
    Members {
        /// Columns 姓名/name, 编号/member_number, 单位/unit, 手机/phone, 角色/role.
        file: PathBuf,
        /// The password new members first sign in with (then must change).
        #[arg(long, env = "SUYUAN_INITIAL_PASSWORD")]
        initial_password: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Import study material, all or nothing: a Markdown, text or Word
    /// (.docx) file, or every such file in a folder.
    Material {
        /// A file, or a folder to read recursively.
        path: PathBuf,
        /// The code of the unit that owns it (default: the only root unit).
        #[arg(long)]
        unit: Option<String>,
        /// Who may read it: public, or subtree (the owner unit's members).
        #[arg(long, default_value = "public")]
        visibility: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Import questions into a unit's bank, all or nothing: Moodle GIFT,
    /// Moodle XML, or our CSV/XLSX template. Questions the bank already
    /// holds are skipped.
    Questions {
        file: PathBuf,
        /// gift, moodle-xml, csv or xlsx.
        #[arg(long)]
        format: String,
        /// The code of the unit whose bank they join.
        #[arg(long)]
        unit: String,
        /// File them under this category (the file's own categories
        /// become its subcategories).
        #[arg(long)]
        category: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SUYUAN_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// mimalloc rather than the system allocator: under the morning peak's
/// many threads, glibc's malloc spent a fifth of the server's CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Serve {
            listen,
            data,
            mail,
            sites,
            web,
        } => {
            let settings = settings(&mail, &sites, &web)?;
            let store = data.open().await?;
            serve(store, clock, listen, &data.data_dir, &settings).await
        }
        Command::Demo {
            listen,
            data_dir,
            database_url,
            material,
            no_serve,
            mail,
            sites,
            web,
        } => {
            let settings = settings(&mail, &sites, &web)?;
            let data = DataArgs {
                data_dir,
                database_url,
            };
            let store = data.open().await?;
            demo::seed(&store, clock.now()).await?;
            demo::seed_material(&store, material.as_deref(), clock.now()).await?;
            demo::seed_campaign(&store, clock.now()).await?;
            demo::seed_tests(&store, clock.now()).await?;
            demo::seed_gatherings(&store, clock.now()).await?;
            demo::add_missing_logins(&store, clock.now()).await?;
            demo::seed_sites(&store, clock.now()).await?;
            demo::seed_pledges(&store, clock.now()).await?;
            demo::seed_requests(&store, clock.now()).await?;
            demo::seed_public(&store, clock.now()).await?;
            demo::count_progress(&store).await?;
            demo::print_logins(listen);
            if no_serve {
                return Ok(());
            }
            serve(store, clock, listen, &data.data_dir, &settings).await
        }
        Command::Unit(UnitCommand::Create {
            code,
            name,
            kind,
            parent,
            data,
        }) => {
            let store = data.open().await?;
            let parent = match parent {
                Some(code) => Some(find_unit(&store, &code).await?.id),
                None => None,
            };
            let unit = store
                .create_unit(
                    NewUnit {
                        parent,
                        code: UnitCode::parse(&code)?,
                        name: UnitName::parse(&name)?,
                        kind: UnitKind::parse(&kind)?,
                    },
                    clock.now(),
                )
                .await?;
            println!(
                "created unit {} ({}) with id {}",
                unit.name, unit.code, unit.id
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Create {
            unit,
            number,
            name,
            phone,
            password,
            data,
        }) => {
            let store = data.open().await?;
            let unit = find_unit(&store, &unit).await?;
            let password = NewPassword::parse(&password).context("--password")?;
            let admin = store
                .create_member(
                    NewMember {
                        unit: unit.id,
                        number: MemberNumber::parse(&number).context("--number")?,
                        name: PersonName::parse(&name).context("--name")?,
                        phone: phone
                            .as_deref()
                            .map(Phone::parse)
                            .transpose()
                            .context("--phone")?,
                        role: Role::Admin,
                        password_hash: hash_password(&password)?,
                        must_change_password: true,
                    },
                    clock.now(),
                )
                .await?;
            println!(
                "created {} ({}), admin of {}",
                admin.name, admin.number, unit.name
            );
            Ok(())
        }
        Command::Export(ExportCommand::Report {
            unit,
            period,
            campaign,
            format,
            out,
            data,
        }) => {
            let store = data.open().await?;
            let unit = find_unit(&store, &unit).await?;
            let format = match format {
                ReportFormat::Xlsx => suyuan_app::progress::ReportFormat::Xlsx,
                ReportFormat::Csv => suyuan_app::progress::ReportFormat::Csv,
            };
            let bytes = suyuan_app::progress::export_report(
                &store,
                &unit,
                campaign,
                &period,
                format,
                Lang::Zh,
                clock.now(),
            )
            .await?;
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("Wrote {}", out.display());
            Ok(())
        }
        Command::Import(ImportCommand::Members {
            file,
            initial_password,
            data,
        }) => {
            let store = data.open().await?;
            import_members(&store, &file, &initial_password, clock.now()).await
        }
        Command::Import(ImportCommand::Material {
            path,
            unit,
            visibility,
            data,
        }) => {
            let store = data.open().await?;
            let visibility =
                Visibility::parse(&visibility).context("--visibility is public or subtree")?;
            let owner = match unit {
                Some(code) => find_unit(&store, &code).await?,
                None => match store.root_units().await?.as_slice() {
                    [only] => only.clone(),
                    [] => bail!("there are no units yet: create one with `suyuan unit create`"),
                    _ => bail!("there are several root units: name the owner with --unit CODE"),
                },
            };
            let summary = import_material(&store, &path, owner.id, visibility, clock.now()).await?;
            println!(
                "imported {} collections ({} excerpts); {} were there already",
                summary.created, summary.excerpts, summary.already_there
            );
            Ok(())
        }
        Command::Import(ImportCommand::Questions {
            file,
            format,
            unit,
            category,
            data,
        }) => {
            let format = QuestionFormat::parse(&format)
                .context("--format is gift, moodle-xml, csv or xlsx")?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let store = data.open().await?;
            let owner = find_unit(&store, &unit).await?;
            let imported = suyuan_app::questions::import_questions(
                &store,
                &file.display().to_string(),
                &bytes,
                format,
                owner.id,
                category.as_deref(),
                clock.now(),
            )
            .await?;
            println!("imported {} questions", imported.added.added);
            if imported.added.already > 0 {
                println!("{} were in the bank already", imported.added.already);
            }
            for skipped in &imported.skipped {
                println!(
                    "{}",
                    suyuan_app::questions::skipped_note(Lang::En.texts(), skipped)
                );
            }
            Ok(())
        }
        Command::Backup { file, data } => {
            let store = data.open().await?;
            suyuan_app::backup::backup(&store, &data.location(), &file).await?;
            println!("wrote a backup to {}", file.display());
            Ok(())
        }
        Command::Restore { file, data } => {
            match suyuan_app::backup::restore(&data.location(), &file).await? {
                suyuan_app::backup::Restored::File(db) => {
                    println!("restored {} from {}", db.display(), file.display())
                }
                suyuan_app::backup::Restored::Database => println!(
                    "restored the database ({}) from {}",
                    describe(&data.location()),
                    file.display()
                ),
            }
            Ok(())
        }
        Command::Bench(args) => bench::run(args).await,
    }
}

async fn find_unit(store: &Store, code: &str) -> Result<suyuan_store::units::Unit> {
    let parsed = UnitCode::parse(code)?;
    store
        .unit_by_code(&parsed)
        .await
        .with_context(|| format!("no unit with code {code}"))
}

fn spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(message);
    bar
}

async fn import_members(
    store: &Store,
    file: &std::path::Path,
    initial_password: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let bar = spinner("importing the roster");
    let outcome =
        suyuan_app::members::import_roster(store, &bytes, None, initial_password, now).await;
    bar.finish_and_clear();
    let report = outcome.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let imported = report.imported;
    println!(
        "imported {} members: {} new, {} updated",
        imported.created + imported.updated,
        imported.created,
        imported.updated
    );
    for column in &report.ignored_columns {
        eprintln!("warning: column {column} was not imported: the platform does not keep it");
    }
    Ok(())
}

/// Study material from a file or folder, all or nothing.
async fn import_material(
    store: &Store,
    path: &std::path::Path,
    owner: UnitId,
    visibility: Visibility,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<suyuan_app::library::Summary> {
    let bar = spinner("reading the material");
    let outcome = async {
        let files = suyuan_app::library::read_material(path)?;
        bar.set_message(format!("importing {} files", files.len()));
        suyuan_app::library::import_material(store, None, &files, owner, visibility, now).await
    }
    .await;
    bar.finish_and_clear();
    Ok(outcome?)
}

/// Each instance keeps its own search index beside its data.
fn search_index(data_dir: &std::path::Path) -> Result<Arc<SearchIndex>> {
    let dir = data_dir.join("search-index");
    Ok(Arc::new(SearchIndex::open(&dir).with_context(|| {
        format!("cannot open the search index in {}", dir.display())
    })?))
}

async fn serve(
    store: Store,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    data_dir: &std::path::Path,
    settings: &suyuan_web::Settings,
) -> Result<()> {
    let app = App::build_with(store, clock, search_index(data_dir)?, settings).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving");
    println!("Suyuan is serving on http://{address}/ (Ctrl-C stops it)");
    app.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
