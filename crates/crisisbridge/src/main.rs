//! `crisisbridge`: one binary for the whole system.
//!
//! - `serve --config FILE`: run the server.
//! - `demo [--listen ADDR:PORT] [--data DIR]`: seed the Kansas demo region into DIR (once) and
//!   serve it.
//! - `rebuild`: drop the projections and rebuild them from the event log.
//! - `user add`: create a user.
//! - `protocol check FILE...`: prove triage protocols safe.
//! - `openapi`: print the API's OpenAPI description.

mod config;
mod demo;
mod protocol;
mod run;
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
    /// Database URL, e.g. sqlite://crisisbridge-demo/crisisbridge.db
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
        /// Data directory; created if missing, reused if it holds the demo already.
        #[arg(long, default_value = "crisisbridge-demo")]
        data: PathBuf,
    },
    /// Drop the incident projections and rebuild them from the event log.
    Rebuild {
        #[command(flatten)]
        db: DatabaseArgs,
    },
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
    /// Print the OpenAPI 3 description of the API.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    run::init_logging();
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
        Command::Demo { listen, data } => run::demo(listen, &data).await,
        Command::Rebuild { db } => {
            run::rebuild(&run::database_url(db.config.as_deref(), db.database)?).await
        }
        Command::User { command } => user::run(command).await,
        Command::Protocol { command } => protocol::run(command),
        Command::Openapi => {
            println!("{}", server::openapi::json());
            Ok(())
        }
    }
}
