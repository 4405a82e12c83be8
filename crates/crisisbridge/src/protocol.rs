//! `crisisbridge protocol check FILE...`: prove protocols safe before anyone uploads them.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ProtocolCommand {
    /// Check protocol files: exits 0 when every file passes, 1 with counterexamples otherwise.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(command: ProtocolCommand) -> anyhow::Result<()> {
    let ProtocolCommand::Check { files } = command;
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
        match triage::check(&protocol) {
            Ok(report) => {
                println!(
                    "{name}: ok: protocol {} ({} questions, {} rules, {} safety constraints) holds for all {} combinations of answers",
                    protocol.id,
                    protocol.questions.len(),
                    protocol.rules.len(),
                    protocol.safety.len(),
                    report.combinations
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
