//! `crisisbridge user add`: create a user in an agency.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;
use domain::{Clock, Role, UserId};
use server::SystemClock;
use store::NewUser;

/// The environment variable `user add` reads the password from, before asking on stdin.
const ENV_PASSWORD: &str = "CRISISBRIDGE_PASSWORD";
const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password comes from CRISISBRIDGE_PASSWORD or the first line of stdin.
    Add {
        /// The agency's code, e.g. psap-20045.
        #[arg(long)]
        agency: String,
        /// call_taker, clinician, counselor, dispatcher, responder, care_navigator, supervisor or admin.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add { agency, role, username, display_name, db } = command;
    let database = crate::run::database(db.config.as_deref(), db.database)?;
    let username = username.trim().to_owned();
    if username.is_empty() || username.len() > 64 || username.chars().any(char::is_whitespace) {
        bail!("--username must be 1 to 64 characters without spaces");
    }
    let password = read_password()?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must be at least {MIN_PASSWORD_CHARS} characters long");
    }
    let store = database.open().await?;
    let agency = store
        .agency_by_code(&agency)
        .await?
        .with_context(|| format!("agency {agency:?} does not exist"))?;
    if !role.fits(agency.kind) {
        bail!("role {role} does not exist in a {} agency", agency.kind);
    }
    let password_hash = tokio::task::spawn_blocking(move || server::auth::hash_password(&password))
        .await?
        .map_err(anyhow::Error::msg)?;
    let user = store
        .put_user(&NewUser {
            id: UserId::new(SystemClock.now()),
            display_name: display_name.unwrap_or_else(|| username.clone()),
            username,
            agency: agency.id,
            role,
            password_hash,
        })
        .await?;
    println!("created user {} ({}) in {} ({})", user.username, user.role, agency.name, agency.code);
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(ENV_PASSWORD) {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
