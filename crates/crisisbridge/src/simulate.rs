//! `crisisbridge simulate`: what-ifs before a shift or a budget, by simulation.
//!
//! - `simulate --scenario FILE.toml`: a scenario's mobile teams on its road network
//!   (`simulate/load.rs` reads the files it names, `simulate/fleet.rs` runs and reports it,
//!   `simulate/html.rs` writes the HTML report).
//! - `simulate fit` (`simulate/fit.rs`): a scenario's inputs fitted to a period of the event
//!   log and the phone system's calls.
//! - `simulate queue`: a 988 line with a number of counselors, contacts per hour, talk time and
//!   callers' patience, simulated as independent seeded replications (on every core) and
//!   reported measure by measure with a 95 % confidence interval — answered within the target,
//!   waited, abandoned, mean time in queue, occupancy — beside the Erlang-A model's exact
//!   value where it has one. A table, or `--json`.

pub(crate) mod county;
pub(crate) mod fit;
mod fleet;
mod html;
pub(crate) mod load;

pub(crate) use fleet::{ScenarioArgs, pm, within_words};

use anyhow::bail;
use simulate::erlang_a;
use simulate::queue::{QueueModel, QueueRun, simulate};
use simulate::replicate::{Estimate, replications};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum SimulateCommand {
    /// A 988 line: counselors answering contacts that arrive at random, callers hanging up
    /// when they wait past their patience (the Erlang-A model, simulated).
    Queue(QueueArgs),
    /// A scenario's arrivals, service times and demand fitted to a period of the event log and
    /// the phone system's calls, printed as TOML.
    Fit(fit::FitArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct QueueArgs {
    /// Contacts offered per hour.
    #[arg(long, allow_negative_numbers = true)]
    contacts_per_hour: f64,
    /// Counselors answering.
    #[arg(long)]
    counselors: u32,
    /// Mean talk time, minutes.
    #[arg(long, allow_negative_numbers = true)]
    talk_minutes: f64,
    /// Mean time a caller waits before hanging up, minutes.
    #[arg(long, allow_negative_numbers = true)]
    patience_minutes: f64,
    /// The service-level target: answered within this many seconds.
    #[arg(long, default_value_t = 20.0, allow_negative_numbers = true)]
    answer_within_s: f64,
    /// Hours simulated per replication (default a year), after a warm-up of 24 hours.
    #[arg(long, default_value_t = 8760.0, allow_negative_numbers = true)]
    hours: f64,
    /// Independent replications (at least 2, for an interval).
    #[arg(long, default_value_t = 30)]
    replications: usize,
    /// Seed of the first replication; the run is reproduced from it.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(command: Option<SimulateCommand>, args: &ScenarioArgs) -> anyhow::Result<()> {
    match (command, &args.scenario) {
        (Some(SimulateCommand::Queue(queue_args)), _) => queue(&queue_args),
        (Some(SimulateCommand::Fit(_)), _) => {
            bail!("simulate fit reads the database: run it as a command")
        }
        (None, Some(path)) => fleet::run(args, path),
        (None, None) => bail!(
            "say what to simulate: --scenario FILE.toml (see docs/scenarios.md), or `simulate \
             queue` for a 988 line alone"
        ),
    }
}

fn queue(args: &QueueArgs) -> anyhow::Result<()> {
    let model = QueueModel {
        arrivals_per_hour: args.contacts_per_hour,
        servers: args.counselors,
        mean_service_s: args.talk_minutes * 60.0,
        mean_patience_s: args.patience_minutes * 60.0,
    };
    model.check().map_err(anyhow::Error::msg)?;
    if !(2..=10_000).contains(&args.replications) {
        bail!(
            "--replications {}: give 2 to 10,000 (an interval needs at least two)",
            args.replications
        );
    }
    if !(args.hours.is_finite() && (1.0..=1_000_000.0).contains(&args.hours)) {
        bail!("--hours {}: give 1 to 1,000,000", args.hours);
    }
    if !(args.answer_within_s.is_finite() && args.answer_within_s >= 0.0) {
        bail!("--answer-within-s {}: give seconds, 0 or more", args.answer_within_s);
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let started = std::time::Instant::now();
    let runs: Vec<QueueRun> = replications(args.replications, threads, |i| {
        let seed = args.seed.wrapping_add(u64::try_from(i).unwrap_or(u64::MAX));
        simulate(&model, 24.0, args.hours, args.answer_within_s, seed)
    });
    let elapsed = started.elapsed();
    let exact = erlang_a::solve(&model);
    let estimate =
        |f: &dyn Fn(&QueueRun) -> f64| Estimate::of(&runs.iter().map(f).collect::<Vec<_>>());
    let servers = f64::from(model.servers);
    let measures: [(&str, Estimate, Option<f64>); 5] = [
        ("answered within target", estimate(&|r| r.service_level()), None),
        ("waited", estimate(&|r| r.p_wait()), Some(exact.p_wait)),
        ("abandoned", estimate(&|r| r.p_abandon()), Some(exact.p_abandon)),
        ("mean time in queue (s)", estimate(&|r| r.mean_wait_s()), Some(exact.mean_wait_s)),
        ("occupancy", estimate(&|r| r.busy_s / r.measured_s / servers), Some(exact.occupancy)),
    ];
    if args.json {
        let list: Vec<serde_json::Value> = measures
            .iter()
            .map(|(name, e, model)| {
                serde_json::json!({"measure": name, "mean": e.mean, "half_width_95": e.half_width, "erlang_a": model})
            })
            .collect();
        let out = serde_json::json!({
            "model": model,
            "answer_within_s": args.answer_within_s,
            "hours": args.hours,
            "replications": args.replications,
            "seed": args.seed,
            "measures": list,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "988 queue: {} contacts/h, {} counselors, talk {} min, patience {} min, target {} s",
        args.contacts_per_hour,
        args.counselors,
        args.talk_minutes,
        args.patience_minutes,
        args.answer_within_s
    );
    println!(
        "{} replications of {} h after a 24 h warm-up, seeds {}.. ({:.1} s on {threads} threads)",
        args.replications,
        args.hours,
        args.seed,
        elapsed.as_secs_f64()
    );
    println!("{:<26} {:>24} {:>12}", "measure", "simulated (95% CI)", "Erlang-A");
    for (name, e, model) in measures {
        let model = model.map_or_else(|| "—".to_owned(), |m| format!("{m:.4}"));
        println!("{name:<26} {:>24} {model:>12}", format!("{:.4} ± {:.4}", e.mean, e.half_width));
    }
    Ok(())
}
