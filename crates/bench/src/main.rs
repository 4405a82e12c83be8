//! `bench`: load benchmarks of Crisisbridge.
//!
//! `bench ingest` starts the real server on a free loopback port over a fresh SQLite file
//! (WAL, `synchronous=FULL`: every acknowledged write is fsynced), logs in, and drives
//! `POST /api/v1/incidents` two ways:
//!
//! - **open loop** at a fixed rate: requests are sent on a schedule whatever the server does,
//!   and each latency is measured from the moment the request was *due*, so a stalled server
//!   cannot hide its stalls (no coordinated omission);
//! - **closed loop**: N clients send back to back, for the most the server sustains.
//!
//! Client and server share the machine, as they would on a one-box deployment.
//!
//! `bench triage` times the protocol checker on 20 yes/no questions and single evaluations.
//! `bench lookup` measures jurisdiction lookups on the Census 1:500k counties.
//! `bench transfer` times a transfer offer's way to the receiving agency's live stream.
//! `bench gps` measures durable GPS ingest from many teams' phones.
//! `bench eta` times road travel times (contraction hierarchy beside plain Dijkstra).
//! `bench search` times an agency's board and searches over a million-incident history.
//! `bench streets` times the street map's tiles (cut and served) and places in words.
//! `bench recommend` times the dispatch recommendation for 200 teams, by road and straight line.

#![allow(clippy::cast_precision_loss)]

mod eta;
mod eta_peers;
mod gps;
mod ingest;
mod lookup;
mod measures;
mod python_random;
mod recommend;
mod search;
mod streets;
mod transfer;
mod triage;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bench", about = "Crisisbridge load benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Durable incident creates through the HTTP API.
    Ingest(ingest::Args),
    /// The protocol checker and single decisions.
    Triage(triage::Args),
    /// Jurisdiction lookup on the Census 1:500k counties.
    Lookup(lookup::Args),
    /// A transfer offer's way to the receiving agency's live stream, under load.
    Transfer(transfer::Args),
    /// Durable GPS ingest from many teams' phones.
    Gps(gps::Args),
    /// Road travel times: one incident to 50 teams, and one to all, against Dijkstra.
    Eta(eta::Args),
    /// The dispatch recommendation: 200 teams ranked with coverage, by road and straight line.
    Recommend(recommend::Args),
    /// The outcome measures over a county-year of synthetic history, beside SQL.
    Measures(measures::Args),
    /// An agency's incident board and searches, over a history of a million incidents.
    Search(search::Args),
    /// The console's street tiles and places in words, on Manhattan.
    Streets(streets::Args),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Ingest(args) => ingest::run(args).await,
        Command::Triage(args) => triage::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Transfer(args) => transfer::run(args).await,
        Command::Gps(args) => gps::run(args).await,
        Command::Eta(args) => eta::run(args),
        Command::Recommend(args) => recommend::run(args),
        Command::Measures(args) => measures::run(args).await,
        Command::Search(args) => search::run(args).await,
        Command::Streets(args) => streets::run(&args).await,
    }
}
