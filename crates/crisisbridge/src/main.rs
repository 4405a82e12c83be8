//! `crisisbridge`: one binary for the whole system.
//!
//! - `serve --config FILE`: run the server.
//! - `demo [--region kansas|manhattan] [--listen ADDR:PORT] [--data DIR] [--no-traffic]`: seed
//!   a demo region into DIR (once) and serve it, with synthetic calls playing (`traffic/`)
//!   unless `--no-traffic`.
//! - `rebuild`: drop the projections and rebuild them from the event log.
//! - `migrate`: create or upgrade a database's schema.
//! - `copy --from URL --to URL`: move a deployment's data to another database, verified.
//! - `user add|list|disable|enable|unlock|reset-password|reset-totp`: manage users.
//! - `audit verify|checkpoint|new-key`, `verify`: the audit trail's and the event log's
//!   chains, sealed with a key kept outside the database.
//! - `protocol check FILE...`: prove triage protocols safe.
//! - `route --areas FILE (--points CSV | --lat Y --lon X)`: which areas contain each point.
//! - `import areas FILE` / `import services FILE.toml`: load boundaries, agencies and who
//!   serves where into a deployment's database.
//! - `import addresses FILE`: address points for describing and finding places (`places.rs`).
//! - `import roads FILE`, `eta --roads FILE --from LAT,LON --to CSV`, `roads export GRAPH --csv`:
//!   road networks and travel times (`roads.rs`).
//! - `report georouting`: how incidents were routed, and what georouting changed compared
//!   with routing by the caller's area code.
//! - `openapi`: print the API's OpenAPI description.

mod audit;
mod config;
mod copy;
mod database;
mod demo;
mod import;
mod keys;
mod lost_peers;
mod places;
mod plan;
mod points;
mod protocol;
mod report;
mod roads;
mod route;
mod run;
mod simulate;
mod traffic;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "crisisbridge", version, about = "Integrated 911 / 988 crisis response")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the database is: a config file, or a URL.
#[derive(Debug, clap::Args)]
pub(crate) struct DatabaseArgs {
    /// TOML config file (see crisisbridge.example.toml).
    #[arg(long, conflicts_with = "database")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE
    #[arg(long, env = config::ENV_DATABASE_URL)]
    pub database: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server with a config file (environment variables CRISISBRIDGE_* override it).
    Serve {
        #[arg(long)]
        config: PathBuf,
    },
    /// Seed the Kansas demo region (first run only) and serve it.
    Demo {
        /// Address to listen on; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Data directory; created if missing, reused if it holds the demo already (default
        /// crisisbridge-demo, or crisisbridge-demo-manhattan for Manhattan).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Do not play synthetic calls and moving teams (on by default, so the demo looks alive).
        #[arg(long)]
        no_traffic: bool,
        /// Which region: Kansas (105 counties, no road data) or Manhattan (with its streets and
        /// road travel times). Each keeps its own data directory.
        #[arg(long, value_enum, default_value = "kansas")]
        region: demo::Region,
    },
    /// Drop the incident projections and rebuild them from the event log.
    Rebuild {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Copy everything from one database to another, empty one (e.g. a county's SQLite file to
    /// the state's PostgreSQL), then verify counts and hashes.
    Copy {
        /// Source database URL.
        #[arg(long)]
        from: String,
        /// Target database URL; it must hold no agencies and no events.
        #[arg(long)]
        to: String,
    },
    /// Check the audit trail's hash chain.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Check the event log's chain and the audit trail's (with their key file and an audit
    /// checkpoint, when given); exits 1 at the first broken event or record.
    Verify(audit::VerifyArgs),
    /// Manage users.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Work with triage protocols.
    Protocol {
        #[command(subcommand)]
        command: protocol::ProtocolCommand,
    },
    /// Which areas of a boundary file contain each point.
    Route(route::RouteArgs),
    /// Figures computed from the event log.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Load boundaries, agencies and service areas into a database.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Travel times by road from one point to each point of a CSV file.
    Eta(roads::EtaArgs),
    /// Plans from a scenario: where to post teams, and how many teams and counselors to staff.
    Plan {
        #[command(subcommand)]
        command: plan::PlanCommand,
    },
    /// What-ifs by simulation: staffing, demand, patience.
    #[command(args_conflicts_with_subcommands = true)]
    Simulate {
        #[command(subcommand)]
        command: Option<simulate::SimulateCommand>,
        #[command(flatten)]
        scenario: simulate::ScenarioArgs,
    },
    /// Work with road graph files.
    Roads {
        #[command(subcommand)]
        command: roads::RoadsCommand,
    },
    /// Print the OpenAPI 3 description of the API.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` logs as its config says; anything else as CRISISBRIDGE_LOG_FORMAT says. A config
    // that cannot be read is reported by `serve` itself.
    let log_format = match &cli.command {
        Command::Serve { config } => config::Config::load(Some(config))
            .map(|c| c.log_format)
            .unwrap_or_else(|_| config::LogFormat::from_env()),
        _ => config::LogFormat::from_env(),
    };
    run::init_logging(log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { config } => run::serve(config::Config::load(Some(&config))?).await,
        Command::Demo { listen, data, no_traffic, region } => {
            let data = data.unwrap_or_else(|| match region {
                demo::Region::Kansas => PathBuf::from("crisisbridge-demo"),
                demo::Region::Manhattan => PathBuf::from("crisisbridge-demo-manhattan"),
            });
            run::demo(listen, &data, !no_traffic, region).await
        }
        Command::Rebuild { db } => {
            run::rebuild(&crate::config::database(db.config.as_deref(), db.database)?).await
        }
        Command::User { command } => user::run(command).await,
        Command::Audit { command } => audit::run(command).await,
        Command::Verify(args) => audit::verify_all(args).await,
        Command::Protocol { command } => protocol::run(command),
        Command::Migrate { db } => {
            run::migrate(&crate::config::database(db.config.as_deref(), db.database)?).await
        }
        Command::Copy { from, to } => {
            copy::run(&database::Database::from_url(&from)?, &database::Database::from_url(&to)?)
                .await
        }
        Command::Route(args) => route::run(args),
        Command::Import { command } => import::run(command).await,
        Command::Report { command } => report::run(command).await,
        Command::Eta(args) => roads::run_eta(args),
        Command::Simulate { command: Some(simulate::SimulateCommand::Fit(args)), .. } => {
            simulate::fit::run(args).await
        }
        Command::Simulate { command, scenario } => simulate::run(command, &scenario),
        Command::Plan { command } => plan::run(command),
        Command::Roads { command } => roads::run(command),
        Command::Openapi => {
            println!("{}", server::openapi::json());
            Ok(())
        }
    }
}
