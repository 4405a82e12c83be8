//! `crisisbridge protocol check FILE...`: prove protocols safe before anyone uploads them.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ProtocolCommand {
    /// Check protocol files against their own constraints and the safety floor (Crisisbridge's,
    /// and any `--floor` a state adds), with every answer possibly "unknown": exits 0 when
    /// every file passes, 1 with counterexamples otherwise.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A state's safety floor file, checked in addition to Crisisbridge's (repeatable).
        #[arg(long = "floor", value_name = "FILE")]
        floors: Vec<PathBuf>,
    },
}

/// Reads state safety floor files.
pub fn read_floors(files: &[PathBuf]) -> anyhow::Result<Vec<triage::Floor>> {
    files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("{}: cannot be read: {e}", file.display()))?;
            Ok(triage::Floor::parse(&file.display().to_string(), &text)?)
        })
        .collect()
}

pub fn run(command: ProtocolCommand) -> anyhow::Result<()> {
    let ProtocolCommand::Check { files, floors } = command;
    let floors = read_floors(&floors)?;
    let mut failed = 0;
    for file in &files {
        let name = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                println!("{name}: cannot be read: {e}");
                failed += 1;
                continue;
            }
        };
        let protocol = match triage::Protocol::parse(&name, &text) {
            Ok(protocol) => protocol,
            Err(e) => {
                println!("{e}");
                failed += 1;
                continue;
            }
        };
        match triage::check(&protocol, &floors) {
            Ok(report) => {
                println!(
                    "{name}: ok: protocol {} ({} questions, {} rules, {} safety constraints of its own) {}",
                    protocol.id,
                    protocol.questions.len(),
                    protocol.rules.len(),
                    protocol.safety.len(),
                    report.summary()
                );
            }
            Err(errors) => {
                failed += 1;
                for e in errors {
                    println!("{name}: {e}");
                }
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} protocol file(s) failed the check", files.len());
    }
    Ok(())
}
