//! `crisisbridge plan`: plans from a scenario, each confirmed by simulating it.
//!
//! - `plan posts` (`posts.rs`): where to post N teams (MEXCLP), the heuristic beside the exact
//!   optimum where it can be proven.
//! - `plan staffing` (`staffing.rs`): the fewest counselors each hour of the week and the
//!   fewest teams that meet stated targets.

mod posts;
mod staffing;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum PlanCommand {
    /// Where to post N teams: the most demand covered within the target (MEXCLP), confirmed
    /// by simulation.
    Posts(posts::PostsArgs),
    /// The fewest counselors each hour and the fewest teams that meet the targets, confirmed
    /// by simulation.
    Staffing(staffing::StaffingArgs),
}

pub(crate) fn run(command: PlanCommand) -> anyhow::Result<()> {
    match command {
        PlanCommand::Posts(args) => posts::posts(&args),
        PlanCommand::Staffing(args) => staffing::staffing(&args),
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `plan` places and counts teams without providers: a scenario whose teams belong to the
/// providers of a `[county]` is refused, saying what to do.
fn without_county(
    loaded: &crate::simulate::load::Loaded,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    if loaded.county.is_some() {
        anyhow::bail!(
            "{}: plan does not yet plan each provider's teams, and this scenario's teams belong \
             to the providers of its [county]: plan a copy without [county], [[center]] and the \
             teams' provider keys (the whole county as one provider), then simulate the result \
             with its [county]",
            path.display()
        );
    }
    Ok(())
}
