//! Starting things: logging, the store, the server, the demo.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use server::{Application, SystemClock};
use store::Store;
use store_sql::SqliteStore;

use crate::config::Config;
use crate::database::Database;
use crate::demo;

/// Logs to standard error: text for people, or one JSON object per line (`log_format =
/// "json"`) with the current request's span — its id, method and route — on every line.
pub fn init_logging(format: crate::config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        crate::config::LogFormat::Text => {
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
            builder.with_ansi(ansi).init();
        }
        crate::config::LogFormat::Json => {
            builder.json().with_current_span(true).with_span_list(false).init();
        }
    }
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let store = config.database.open().await?;
    let app = Application::build(config.server_settings()?, store, Arc::new(SystemClock))
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = app.local_addr()?;
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{addr}");
    tracing::info!(%addr, "serving");
    app.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}

pub async fn demo(
    listen: SocketAddr,
    data: &Path,
    traffic: bool,
    region: demo::Region,
) -> anyhow::Result<()> {
    let region = region.data();
    std::fs::create_dir_all(data)
        .with_context(|| format!("creating the data directory {}", data.display()))?;
    let db = data.join("crisisbridge.db");
    let url = format!("sqlite://{}", db.display());
    let store = Arc::new(
        SqliteStore::open_url(&url).await.with_context(|| format!("opening the database {url}"))?,
    );
    let seeded = demo::seed(&*store, region).await?;
    let road_graph = region.road_graph(data)?;
    if !listen.ip().is_loopback() {
        eprintln!(
            "warning: the demo listens on {listen}, reachable from other machines, over plain HTTP, with published passwords. Use it only on a network you trust; `serve` with TLS is for anything else."
        );
    }
    let app = Application::build(
        server::Settings {
            listen,
            allow_plain_http: true,
            populations: Some(Arc::new(region.populations()?)),
            ..crate::config::road_settings(road_graph.as_deref(), None)?
        },
        store.clone() as Arc<dyn Store>,
        Arc::new(SystemClock),
    )
    .await
    .with_context(|| format!("listening on {listen}"))?;
    let addr = app.local_addr()?;
    print_banner(addr, data, seeded, region, &*store).await?;
    if traffic {
        // Through the real HTTP API, so the loopback address even when listening on all.
        let ip = if addr.ip().is_unspecified() { [127, 0, 0, 1].into() } else { addr.ip() };
        tokio::spawn(crate::traffic::run(
            format!("http://{}", SocketAddr::new(ip, addr.port())),
            &region.traffic,
        ));
    }
    app.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}

async fn print_banner(
    addr: SocketAddr,
    data: &Path,
    seeded: bool,
    region: &demo::RegionData,
    store: &dyn Store,
) -> anyhow::Result<()> {
    let base = format!("http://{addr}");
    println!("Crisisbridge demo: {}", region.summary);
    println!("  data:    {} ({})", data.display(), if seeded { "seeded now" } else { "reused" });
    println!("  console: {base}/console/");
    println!("  API:     {base}/api/v1   (OpenAPI: {base}/api/v1/openapi.json)");
    println!("  health:  {base}/healthz   metrics: {base}/metrics");
    println!("Demo logins, password \"{}\":", demo::DEMO_PASSWORD);
    for user in region.demo_users() {
        let agency =
            store.agency_by_code(&user.agency_code).await?.map(|a| a.name).unwrap_or_default();
        println!(
            "  {:<11} {:<15} {agency} ({})",
            user.username,
            user.role.as_str(),
            user.agency_code
        );
    }
    println!("listening on {base}");
    Ok(())
}

pub async fn rebuild(database: &Database) -> anyhow::Result<()> {
    let store = database.open_existing().await?;
    let report = store.rebuild_projections().await?;
    println!("rebuilt {} incidents from {} events", report.incidents, report.events);
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

pub async fn migrate(database: &Database) -> anyhow::Result<()> {
    // Opening a store applies every pending migration.
    let store = database.open().await?;
    println!(
        "{} is up to date; its event log holds {} events",
        database.display(),
        store.head().await?
    );
    Ok(())
}
