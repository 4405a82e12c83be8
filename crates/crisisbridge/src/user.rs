//! `crisisbridge user`: create, list, disable, enable and unlock users, and reset passwords —
//! each change written to the audit trail as done from the command line.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;
use domain::{Clock, Role, UserId};
use server::SystemClock;
use server::credentials::{normalize_username, password_problem, username_problem};
use store::{AuditEntry, NewUser, Store, User, UserChange};

/// The environment variable passwords are read from, before asking on stdin.
const ENV_PASSWORD: &str = "CRISISBRIDGE_PASSWORD";

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
        /// 2–64 letters, digits, '.', '_' or '-'; compared without case.
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// List users (of one agency with --agency): role, lock, disabled.
    List {
        #[arg(long)]
        agency: Option<String>,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// Refuse a user's logins and end their sessions.
    Disable {
        username: String,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// Allow a disabled user to log in again.
    Enable {
        username: String,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// Clear a user's failed logins and lock.
    Unlock {
        username: String,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// Set a new password (from CRISISBRIDGE_PASSWORD or stdin); ends the user's sessions.
    ResetPassword {
        username: String,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
    /// Remove a user's authenticator (a lost phone); ends their sessions.
    ResetTotp {
        username: String,
        #[command(flatten)]
        db: crate::DatabaseArgs,
    },
}

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { agency, role, username, display_name, db } => {
            add(agency, role, username, display_name, db).await
        }
        UserCommand::List { agency, db } => list(agency, db).await,
        UserCommand::Disable { username, db } => {
            change(&username, db, "disable", |_| Ok(UserChange::Disable { at: SystemClock.now() }))
                .await
        }
        UserCommand::Enable { username, db } => {
            change(&username, db, "enable", |_| Ok(UserChange::Enable)).await
        }
        UserCommand::Unlock { username, db } => {
            change(&username, db, "unlock", |_| Ok(UserChange::Unlock)).await
        }
        UserCommand::ResetTotp { username, db } => {
            change(&username, db, "reset authenticator", |_| Ok(UserChange::Totp { secret: None }))
                .await
        }
        UserCommand::ResetPassword { username, db } => {
            change(&username, db, "reset password", |user| {
                let password = read_password()?;
                if let Some(problem) =
                    password_problem(&password, &user.username, &user.display_name)
                {
                    bail!("{problem}");
                }
                Ok(UserChange::Password { hash: hash(&password)? })
            })
            .await
        }
    }
}

async fn add(
    agency: String,
    role: Role,
    username: String,
    display_name: Option<String>,
    db: crate::DatabaseArgs,
) -> anyhow::Result<()> {
    let database = crate::config::database(db.config.as_deref(), db.database)?;
    let username = normalize_username(&username);
    if let Some(problem) = username_problem(&username) {
        bail!("--username: {problem}");
    }
    let display_name = display_name.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    let display_name = display_name.unwrap_or_else(|| username.clone());
    let password = read_password()?;
    if let Some(problem) = password_problem(&password, &username, &display_name) {
        bail!("{problem}");
    }
    let store = database.open_existing().await?;
    let agency = store
        .agency_by_code(&agency)
        .await?
        .with_context(|| format!("agency {agency:?} does not exist"))?;
    if !role.fits(agency.kind) {
        bail!("role {role} does not exist in a {} agency", agency.kind);
    }
    if store.user_by_username(&username).await?.is_some() {
        bail!("the username {username:?} is taken (usernames are compared without case)");
    }
    let password_hash = tokio::task::spawn_blocking(move || hash(&password)).await??;
    let user = store
        .put_user(&NewUser {
            id: UserId::new(SystemClock.now()),
            display_name,
            username,
            agency: agency.id,
            role,
            password_hash,
        })
        .await?;
    audit(&*store, &user, "add").await?;
    println!("created user {} ({}) in {} ({})", user.username, user.role, agency.name, agency.code);
    Ok(())
}

async fn list(agency: Option<String>, db: crate::DatabaseArgs) -> anyhow::Result<()> {
    let database = crate::config::database(db.config.as_deref(), db.database)?;
    let store = database.open_existing().await?;
    let agencies = store.agencies().await?;
    let only = match &agency {
        Some(code) => Some(
            agencies
                .iter()
                .find(|a| &a.code == code)
                .with_context(|| format!("agency {code:?} does not exist"))?
                .id,
        ),
        None => None,
    };
    let now = SystemClock.now();
    println!("{:<24} {:<15} {:<20} STATE", "USERNAME", "ROLE", "AGENCY");
    for user in store.users().await?.iter().filter(|u| only.is_none_or(|id| u.agency == id)) {
        let code = agencies.iter().find(|a| a.id == user.agency).map_or("?", |a| a.code.as_str());
        let state = if user.disabled_at.is_some() {
            "disabled".to_owned()
        } else if let Some(until) = user.login.locked_until.filter(|until| *until > now) {
            format!("locked until {}", interop::datetime::format_datetime(until.as_millis()))
        } else if user.login.failed_attempts > 0 {
            format!("active, {} failed login(s)", user.login.failed_attempts)
        } else {
            "active".to_owned()
        };
        println!("{:<24} {:<15} {:<20} {state}", user.username, user.role.as_str(), code);
    }
    Ok(())
}

async fn change(
    username: &str,
    db: crate::DatabaseArgs,
    what: &str,
    make: impl FnOnce(&User) -> anyhow::Result<UserChange>,
) -> anyhow::Result<()> {
    let database = crate::config::database(db.config.as_deref(), db.database)?;
    let store = database.open_existing().await?;
    let user = store.user_by_username(username.trim()).await?.with_context(|| {
        format!("no user is named {username:?}; `crisisbridge user list` shows them")
    })?;
    let change = make(&user)?;
    let user = store
        .change_user(user.id, &change)
        .await?
        .with_context(|| format!("user {username:?} was removed meanwhile"))?;
    audit(&*store, &user, what).await?;
    let done = match change {
        UserChange::Disable { .. } => "disabled; their sessions are ended",
        UserChange::Enable => "enabled",
        UserChange::Unlock => "unlocked",
        UserChange::Password { .. } => "given a new password; their sessions are ended",
        UserChange::Totp { .. } => {
            "without an authenticator now; their sessions are ended and they enrol again at the next login"
        }
    };
    println!("user {} {done}", user.username);
    Ok(())
}

/// The change's audit record: no user did it through the API, so the client says where.
async fn audit(store: &dyn Store, user: &User, what: &str) -> anyhow::Result<()> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this host".to_owned());
    let operator = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    store
        .audit(AuditEntry {
            at: SystemClock.now(),
            user: None,
            agency: Some(user.agency),
            client: format!("command line ({operator}@{host})"),
            action: format!("user {what}: {}", user.username),
            incident: None,
            outcome: 200,
        })
        .await
        .context("the change is made, but its audit record could not be written")?;
    Ok(())
}

fn hash(password: &str) -> anyhow::Result<String> {
    server::auth::hash_password(password).map_err(anyhow::Error::msg)
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(ENV_PASSWORD) {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
