//! `crisisbridge simulate fit`: a scenario's inputs fitted to what happened in a period — the
//! event log (incidents a mobile crisis team was sent to: when they came, by hour of the week
//! in the agency's time zone, and where; how long dispatch, on scene and the handover took;
//! how often a team took the person somewhere) and the phone system's 988 calls (when they
//! came; callers' patience from waits cut short). It prints the scenario's sections as TOML
//! to paste into a scenario, and writes the places as a demand file.

use std::path::PathBuf;

use anyhow::{Context, bail};
use domain::{CallStep, Channel, Timestamp};
use reports::measures::facts::Gathered;
use simulate::arrivals::HOURS_PER_WEEK;
use simulate::dist::Duration;
use simulate::fit;

use crate::DatabaseArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct FitArgs {
    /// The first day fitted, YYYY-MM-DD (in the agency's time zone).
    #[arg(long)]
    from: String,
    /// The day after the last, YYYY-MM-DD.
    #[arg(long)]
    to: String,
    /// Only incidents and calls of this agency (its code).
    #[arg(long)]
    agency: Option<String>,
    /// The time zone hours of the week are read in (default the agency's, else UTC).
    #[arg(long)]
    time_zone: Option<String>,
    /// Write where the teams were sent as a demand file (CSV lat,lon,weight) here.
    #[arg(long)]
    demand_out: Option<PathBuf>,
    #[command(flatten)]
    db: DatabaseArgs,
}

pub(crate) async fn run(args: FitArgs) -> anyhow::Result<()> {
    let store = crate::config::database(args.db.config.as_deref(), args.db.database.clone())?
        .open_existing()
        .await?;
    let agencies = store.agencies().await?;
    let agency = match &args.agency {
        None => None,
        Some(code) => Some(
            agencies
                .iter()
                .find(|a| &a.code == code)
                .with_context(|| format!("--agency {code:?}: no such agency"))?,
        ),
    };
    let zone = match (args.time_zone.as_deref(), agency) {
        (Some(name), _) => reports::Zone::named(name).context("--time-zone")?,
        (None, Some(a)) => reports::Zone::named(&a.time_zone).context("the agency's time_zone")?,
        (None, None) => reports::Zone::utc(),
    };
    let from = reports::parse_day_in(&args.from, &zone).context("--from")?;
    let to = reports::parse_day_in(&args.to, &zone).context("--to")?;
    if to <= from {
        bail!(
            "--to {} is not after --from {}: give the day after the last one fitted",
            args.to,
            args.from
        );
    }
    let agency = agency.map(|a| a.id);

    // Every event, as the outcome report gathers them.
    let mut gathered = Gathered::default();
    crate::report::each_event(&*store, |recorded| {
        let e = &recorded.event;
        gathered.add(e.incident, e.at, e.agency, &e.kind, &recorded.involved);
    })
    .await?;
    let slot = |at: Timestamp| fit::slot(zone.weekday_from_thursday(at), zone.hour(at));
    // How many times each hour of the week was in the period.
    let mut observed = vec![0u64; HOURS_PER_WEEK];
    let mut t = from.as_millis();
    while t < to.as_millis() {
        if let Some(n) = observed.get_mut(slot(Timestamp::from_millis(t))) {
            *n += 1;
        }
        t += 3_600_000;
    }
    let (mut team_calls, mut delays, mut on_scene, mut handovers) =
        (vec![0u64; HOURS_PER_WEEK], Vec::new(), Vec::new(), Vec::new());
    let (mut reached, mut transported, mut places) = (0u64, 0u64, Vec::new());
    for facts in gathered.incidents.values() {
        let opened = facts.opened_at;
        if opened < from || opened >= to || agency.is_some_and(|a| !facts.involved.contains(&a)) {
            continue;
        }
        let Some(first) = facts.dispatches.iter().min_by_key(|d| d.at) else { continue };
        if let Some(n) = team_calls.get_mut(slot(opened)) {
            *n += 1;
        }
        delays.push(seconds(opened, first.at));
        if let Some(point) = dispatch::representative_point(&facts.location) {
            places.push((point.lat.degrees(), point.lon.degrees()));
        }
        for d in &facts.dispatches {
            if let (Some(arrived), Some(left)) = (d.on_scene, d.left_scene) {
                on_scene.push(seconds(arrived, left));
            }
            if d.on_scene.is_some() {
                reached += 1;
                if d.at_facility.is_some() {
                    transported += 1;
                }
            }
            let handed = facts.destinations.iter().filter_map(|f| f.handed_over_at).min();
            if let (Some(at), Some(handed)) = (d.at_facility, handed)
                && handed >= at
            {
                handovers.push(seconds(at, handed));
            }
        }
    }

    // The 988 line from the phone system's calls.
    let steps = store
        .calls_between(from, Timestamp::from_millis(to.as_millis() + 86_400_000), agency)
        .await?;
    let mut arrivals: std::collections::HashMap<(domain::AgencyId, String), Timestamp> =
        std::collections::HashMap::new();
    let (mut line_calls, mut answered, mut abandoned) =
        (vec![0u64; HOURS_PER_WEEK], Vec::new(), Vec::new());
    for step in &steps {
        let e = &step.event;
        let key = (e.agency, e.call.as_str().to_owned());
        match &e.step {
            CallStep::Arrived { channel: Channel::Nine88, .. } if e.at < to => {
                if let Some(n) = line_calls.get_mut(slot(e.at)) {
                    *n += 1;
                }
                arrivals.insert(key, e.at);
            }
            CallStep::Answered { .. } => {
                if let Some(at) = arrivals.get(&key) {
                    answered.push(seconds(*at, e.at));
                }
            }
            CallStep::Abandoned => {
                if let Some(at) = arrivals.get(&key) {
                    abandoned.push(seconds(*at, e.at));
                }
            }
            // Sent to a backup before anyone answered: the caller had not hung up by then, so
            // the wait is cut short like an answer's.
            CallStep::RolledOver { .. } => {
                if let Some(at) = arrivals.get(&key) {
                    answered.push(seconds(*at, e.at));
                }
            }
            _ => {}
        }
    }

    let teams_total: u64 = team_calls.iter().sum();
    let line_total: u64 = line_calls.iter().sum();
    let mut out = format!(
        "# Fitted by `crisisbridge simulate fit` from {} to before {} ({}), {}:\n# {teams_total} \
         incidents a team was sent to, {line_total} 988 calls.\n",
        args.from,
        args.to,
        zone.name(),
        args.agency.as_deref().map_or_else(|| "every agency".to_owned(), |a| format!("agency {a}"))
    );
    if teams_total == 0 {
        out += "# No team was sent in the period: [arrivals] and [service] are not fitted.\n";
    } else {
        out += &format!(
            "\n# Incidents a team was sent to, per hour, by hour of the week (Monday 00:00 first).\n[arrivals]\nby_hour_of_week = {}\n",
            weeks(&fit::rates(&team_calls, &observed))
        );
        out += "\n[service]\n";
        out += &line(
            "dispatch_delay",
            fit::duration(&delays),
            "opened to the first team sent (any wait for a free team included: fit a quiet period, or give it by hand)",
            delays.len(),
        );
        out += &line(
            "on_scene",
            fit::duration(&on_scene),
            "on scene to the next status",
            on_scene.len(),
        );
        #[allow(clippy::cast_precision_loss)]
        let share = if reached == 0 { 0.0 } else { transported as f64 / reached as f64 };
        out += &format!(
            "transport_share = {share:.3}  # {transported} of {reached} teams on scene went on to a facility\n"
        );
        if transported == 0 {
            out += "handover = { kind = \"fixed\", minutes = 0 }  # no team took anyone to a facility\n";
        } else {
            out += &line(
                "handover",
                fit::duration(&handovers),
                "at the facility to the hand-over",
                handovers.len(),
            );
        }
    }
    if line_total > 0 {
        out += &format!(
            "\n# 988 calls per hour by hour of the week; patience from {} waits ({} hung up). Talk \
             times are not in the phone system's steps: give `talk`, and the counselors.\n[line988]\ncontacts_by_hour_of_week = {}\n",
            answered.len() + abandoned.len(),
            abandoned.len(),
            weeks(&fit::rates(&line_calls, &observed))
        );
        out += &line(
            "patience",
            fit::patience(&answered, &abandoned),
            "arrival to answer or hang-up",
            answered.len() + abandoned.len(),
        );
    }
    if args.demand_out.is_some() && places.is_empty() {
        out += "\n# No incident a team was sent to had a known place: no demand file written.\n";
    } else if let Some(path) = &args.demand_out {
        let mut csv = String::from("lat,lon,weight\n");
        for (lat, lon) in &places {
            csv += &format!("{lat:.6},{lon:.6},1\n");
        }
        std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))?;
        out += &format!(
            "\n# Where teams were sent: {} places, one a row.\n[demand]\npoints = {:?}\n",
            places.len(),
            // Absolute, so the scenario finds it wherever it is kept.
            std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()).display().to_string()
        );
    }
    print!("{out}");
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn seconds(from: Timestamp, to: Timestamp) -> f64 {
    (to.as_millis() - from.as_millis()) as f64 / 1000.0
}

/// 168 rates as a TOML array, a day to a line.
fn weeks(rates: &[f64]) -> String {
    let days: Vec<String> = rates
        .chunks(24)
        .map(|day| {
            format!("  {},", day.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>().join(", "))
        })
        .collect();
    format!("[\n{}\n]", days.join("\n"))
}

/// A duration as a scenario line, or a comment saying why it was not fitted.
fn line(name: &str, fitted: Option<Duration>, what: &str, n: usize) -> String {
    match fitted {
        Some(Duration::LogNormal { mean_s, sd_s }) => format!(
            "{name} = {{ kind = \"lognormal\", mean_minutes = {:.4}, sd_minutes = {:.4} }}  # {what}, {n} measured\n",
            mean_s / 60.0,
            sd_s / 60.0
        ),
        Some(Duration::Fixed { s }) => {
            format!(
                "{name} = {{ kind = \"fixed\", minutes = {:.4} }}  # {what}, {n} measured\n",
                s / 60.0
            )
        }
        Some(Duration::Exponential { mean_s }) => format!(
            "{name} = {{ kind = \"exponential\", mean_minutes = {:.4} }}  # {what}, {n} measured\n",
            mean_s / 60.0
        ),
        Some(Duration::Uniform { .. }) | None => {
            format!("# {name}: not fitted ({what}: {n} measured, too few); give it by hand\n")
        }
    }
}
