//! The triage benchmark: the checker on a protocol of 13 yes/no questions (3^13 = 1,594,323
//! combinations, every answer possibly "unknown", against its own constraint and the platform
//! floor), and evaluation of single decisions on that protocol and on the shipped 911
//! diversion protocol.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use triage::{AnswerInput, Answers, Evaluation, Protocol, check, evaluate};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Checker runs (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Evaluations timed per protocol.
    #[arg(long, default_value_t = 200_000)]
    evaluations: u32,
}

const OUTCOMES: [&str; 5] =
    ["law_enforcement", "ems", "mobile_crisis", "co_response", "embedded_clinician"];
const SHIPPED_911: &str =
    include_str!("../../../protocols/ks-911-behavioral-health-diversion.toml");
/// Yes/no questions in the benchmark protocol: 3^13 = 1,594,323 combinations, "unknown"
/// included.
const QUESTIONS: usize = 13;
/// The first five answer the platform floor's concepts.
const FLOOR: [&str; 5] = ["attempt_in_progress", "weapon", "violence", "medical", "consent"];

/// 13 yes/no questions, five of them the safety floor's; one rule sends any floor concern to
/// police and EMS, each of the other questions has a rule reading three questions, consent
/// diverts to 988, and a final rule covers the rest.
fn benchmark_protocol() -> String {
    let mut text = String::from(
        "[protocol]\nid = \"thirteen\"\ntitle = \"Thirteen questions\"\nchannel = \"911\"\nsource = \"benchmark\"\nwhen_unknown = \"law_enforcement_and_ems\"\n",
    );
    for q in 0..QUESTIONS {
        text.push_str(&format!(
            "\n[[questions]]\nid = \"q{q}\"\ntext = \"Question {q}?\"\ntype = \"yes_no\"\n"
        ));
        if let Some(concept) = FLOOR.get(q) {
            text.push_str(&format!("floor = \"{concept}\"\n"));
        }
    }
    text.push_str("\n[[rules]]\nid = \"danger\"\nwhen = \"q0 or q1 or q2 or q3\"\noutcome = \"law_enforcement_and_ems\"\nwhy = \"floor\"\n");
    let others = QUESTIONS - FLOOR.len();
    for n in 0..others {
        let q = FLOOR.len() + n;
        let next = FLOOR.len() + (n + 1) % others;
        let after = FLOOR.len() + (n + 2) % others;
        let outcome = OUTCOMES.get(n % OUTCOMES.len()).copied().unwrap_or("ems");
        text.push_str(&format!(
            "\n[[rules]]\nid = \"r{q}\"\nwhen = \"q{q} and (q{next} or not q{after})\"\noutcome = \"{outcome}\"\nwhy = \"rule {q}\"\n"
        ));
    }
    text.push_str("\n[[rules]]\nid = \"consent\"\nwhen = \"q4\"\noutcome = \"divert_988\"\nwhy = \"consent\"\n");
    text.push_str("\n[[rules]]\nid = \"otherwise\"\nwhen = \"true\"\noutcome = \"embedded_clinician\"\nwhy = \"none of the above\"\n");
    text.push_str("\n[[safety]]\nid = \"q5-needs-police\"\nwhen = \"q5 and q6\"\nrequires = [\"law_enforcement\"]\nwhy = \"benchmark\"\n");
    text
}

/// A deterministic stream of answer sets (xorshift), the same every run.
fn answer_sets(protocol: &Protocol, count: usize) -> anyhow::Result<Vec<Answers>> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut sets = Vec::with_capacity(count);
    for _ in 0..count {
        let inputs: Vec<(String, AnswerInput)> = protocol
            .questions
            .iter()
            .map(|q| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let input = match &q.kind {
                    triage::QuestionKind::YesNo => AnswerInput::Bool(state & 1 == 1),
                    triage::QuestionKind::Choice(c) => {
                        let pick = usize::try_from(state % c.len() as u64).unwrap_or(0);
                        AnswerInput::Text(c.get(pick).map(|c| c.id.clone()).unwrap_or_default())
                    }
                    triage::QuestionKind::Number { min, max } => {
                        let span = u64::try_from(max - min + 1).unwrap_or(1);
                        AnswerInput::Number((min + i64::try_from(state % span).unwrap_or(0)) as f64)
                    }
                };
                (q.id.clone(), input)
            })
            .collect();
        sets.push(Answers::parse(protocol, inputs.iter().map(|(q, a)| (q.as_str(), a)))?);
    }
    Ok(sets)
}

fn time_evaluations(name: &str, protocol: &Protocol, evaluations: u32) -> anyhow::Result<()> {
    let sets = answer_sets(protocol, 1024)?;
    let mut decided = 0u32;
    let start = Instant::now();
    for n in 0..evaluations {
        let answers = sets.get(n as usize % sets.len()).context("no answer sets")?;
        if matches!(std::hint::black_box(evaluate(protocol, answers)), Evaluation::Decided(_)) {
            decided += 1;
        }
    }
    let per = start.elapsed() / evaluations;
    if decided != evaluations {
        bail!("{name}: {} of {evaluations} full answer sets did not decide", evaluations - decided);
    }
    println!(
        "evaluate {name}: {evaluations} decisions, {:.2} µs each (mean, trace included)",
        per.as_secs_f64() * 1e6
    );
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let thirteen = Protocol::parse("thirteen", &benchmark_protocol())?;
    let mut times: Vec<Duration> = Vec::with_capacity(args.runs);
    let mut combinations = 0;
    for _ in 0..args.runs.max(1) {
        let start = Instant::now();
        let report = check(&thirteen, &[])
            .map_err(|e| anyhow::anyhow!("the benchmark protocol fails the checker: {e:?}"))?;
        times.push(start.elapsed());
        combinations = report.combinations;
    }
    times.sort_unstable();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    println!(
        "check thirteen: {combinations} combinations in {:.3} s (median of {}; min {:.3} s, max {:.3} s)",
        median.as_secs_f64(),
        times.len(),
        times.first().map_or(0.0, Duration::as_secs_f64),
        times.last().map_or(0.0, Duration::as_secs_f64),
    );
    time_evaluations("thirteen", &thirteen, args.evaluations)?;
    let shipped = Protocol::parse("ks-911", SHIPPED_911)?;
    let start = Instant::now();
    let report = check(&shipped, &[])
        .map_err(|e| anyhow::anyhow!("the shipped protocol fails the checker: {e:?}"))?;
    println!(
        "check {}: {} combinations ({} with unknown answers) against its constraints and the floor in {:.3} s",
        shipped.id,
        report.combinations,
        report.with_unknowns,
        start.elapsed().as_secs_f64()
    );
    time_evaluations(&shipped.id, &shipped, args.evaluations)?;
    Ok(())
}
