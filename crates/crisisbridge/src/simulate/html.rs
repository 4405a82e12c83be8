//! The self-contained HTML report of a scenario run: the table's figures and, per priority,
//! the response-time distribution as an inline SVG histogram with the target marked; each
//! team's utilisation as bars. No script, no external file: it opens anywhere and prints.

use super::fleet::{Report, line_rows, priority_rows, summary_rows};
use simulate::replicate::Estimate;

/// A measures table.
fn rows(rows: &[(String, String)]) -> String {
    let body: String = rows
        .iter()
        .map(|(name, value)| {
            format!("<tr><td>{}</td><td>{}</td></tr>", escape(name), escape(value))
        })
        .collect();
    format!("<table><tr><th>measure</th><th>simulated</th></tr>{body}</table>")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A histogram of response times (minutes on the x axis), the target as a line.
#[allow(clippy::cast_precision_loss)]
fn histogram(counts: &[u64], bin_s: f64, target_s: f64, rural_s: Option<f64>) -> String {
    let longest = rural_s.map_or(target_s, |r| r.max(target_s));
    let (w, h, left, bottom) = (640.0, 236.0, 48.0, 42.0);
    // Show up to the 99.5th percentile, at least to twice the target.
    let total: u64 = counts.iter().sum();
    let mut running = 0u64;
    let last = counts
        .iter()
        .position(|c| {
            running += c;
            running as f64 >= 0.995 * total as f64
        })
        .unwrap_or(0);
    let shown = (last + 1).max(((2.0 * longest / bin_s).ceil()) as usize).min(counts.len());
    let peak = counts.iter().take(shown).copied().max().unwrap_or(1).max(1) as f64;
    let bar_w = (w - left - 8.0) / shown.max(1) as f64;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-label=\"response time distribution\">"
    );
    for (k, c) in counts.iter().take(shown).enumerate() {
        let bh = (*c as f64 / peak) * (h - bottom - 10.0);
        let x = left + k as f64 * bar_w;
        // A bin is late when it ends after the target (the one holding the target is too);
        // with a rural target, a bin between the two is late for urban calls only.
        let end = (k + 1) as f64 * bin_s;
        let late = end > longest;
        let urban_late = !late && end > target_s;
        let label = if k + 1 == counts.len() {
            format!("{:.1} min or more", k as f64 * bin_s / 60.0)
        } else {
            format!("{:.1}–{:.1} min", k as f64 * bin_s / 60.0, (k + 1) as f64 * bin_s / 60.0)
        };
        let fill = if late {
            "#c0504d"
        } else if urban_late {
            "#e0a030"
        } else {
            "#4f81bd"
        };
        svg += &format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{fill}\"><title>{label}: {c} calls ({:.2} %)</title></rect>",
            h - bottom - bh,
            (bar_w - 1.0).max(0.5),
            100.0 * *c as f64 / total.max(1) as f64
        );
    }
    let hidden: u64 = counts.iter().skip(shown).sum();
    let marks = std::iter::once(("target", target_s, 14.0))
        .chain(rural_s.map(|r| ("rural target", r, 28.0)));
    for (what, at_s, y) in marks {
        let tx = (left + at_s / bin_s * bar_w).min(w - 8.0);
        svg += &format!(
            "<line x1=\"{tx:.1}\" y1=\"4\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#222\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{:.1}\" y=\"{y}\" font-size=\"11\">{what} {:.1} min</text>",
            h - bottom,
            tx + 4.0,
            at_s / 60.0
        );
    }
    let minutes = (shown as f64 * bin_s / 60.0).ceil() as usize;
    let step = if minutes > 40 { 10 } else { 5 };
    for m in (0..=minutes).step_by(step) {
        let x = left + m as f64 * 60.0 / bin_s * bar_w;
        svg += &format!(
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{m}</text>",
            h - bottom + 14.0
        );
    }
    svg += &format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">minutes from call to team on scene{}</text>\
         <line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#444\"/></svg>",
        (w + left) / 2.0,
        h - 4.0,
        if hidden > 0 {
            format!(
                " ({:.2} % of calls, slower, not shown)",
                100.0 * hidden as f64 / total.max(1) as f64
            )
        } else {
            String::new()
        },
        h - bottom,
        w - 8.0,
        h - bottom
    );
    svg
}

#[allow(clippy::cast_precision_loss)]
fn team_bars(teams: &[(String, Estimate)]) -> String {
    let row = 18.0;
    let (w, left) = (640.0, 170.0);
    let h = row * teams.len() as f64 + 24.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"team utilisation\">"
    );
    for (k, (name, e)) in teams.iter().enumerate() {
        let y = k as f64 * row + 4.0;
        // A team never on duty in the period has no figure.
        let share = if e.mean.is_nan() { 0.0 } else { e.mean.clamp(0.0, 1.0) };
        let bw = share * (w - left - 60.0);
        svg += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <rect x=\"{left}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"#9bbb59\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            left - 6.0,
            y + 12.0,
            escape(name),
            row - 4.0,
            left + bw + 4.0,
            y + 12.0,
            if e.mean.is_nan() { "—".to_owned() } else { format!("{:.1} %", e.mean * 100.0) }
        );
    }
    svg + "</svg>"
}

pub(crate) fn page(r: &Report) -> String {
    let s = &r.summary;
    let mut body = format!(
        "<h1>{}</h1><p>{} replications of {} days after a {} h warm-up, seeds {}.. — {} teams at \
         {} posts, {} facilities; demand: {}; {} road nodes. Each figure is the mean over the \
         replications ± the half-width of its 95&nbsp;% confidence interval.</p>",
        escape(&r.scenario),
        r.replications,
        r.days,
        r.warm_up_hours,
        r.seed,
        r.teams,
        r.posts,
        r.facilities,
        escape(&r.demand),
        r.road_nodes
    );
    body += &rows(&summary_rows(s));
    for p in s.priorities.iter().filter(|p| !p.calls.mean.is_nan() && p.calls.mean > 0.0) {
        body += &format!(
            "<h2>Priority {} — {}</h2>",
            escape(&p.name),
            super::fleet::target_words(p.target_s, p.rural_target_s)
        );
        body += &rows(&priority_rows(p));
        body += &histogram(&p.histogram, p.bin_s, p.target_s, p.rural_target_s);
    }
    if let Some(t) = &r.triage911 {
        body += &format!(
            "<h2>911 calls through protocol {}</h2><p>{:.2} calls an hour, each decided by the \
             protocol on answers drawn from the scenario's mix ({} draws): {:.2} an hour sent a \
             team, {:.2} diverted to 988.</p><table><tr><th>outcome</th><th>share</th></tr>",
            escape(&t.outcomes.protocol),
            t.calls_per_hour,
            t.outcomes.draws,
            t.team_calls_per_hour,
            t.diverted_per_hour
        );
        for (outcome, share) in &t.outcomes.shares {
            body +=
                &format!("<tr><td>{}</td><td>{:.1} %</td></tr>", escape(outcome), share * 100.0);
        }
        body += "</table>";
    }
    if let Some(l) = &r.line988 {
        body += "<h2>988 line</h2>";
        body += &rows(&line_rows(l));
    }
    if let Some(c) = &r.county {
        body += &format!(
            "<h2>The outcome report's measures over the simulated incidents</h2><p>{}. Each \
             measure's id is its heading in docs/measures.md.</p>",
            escape(&c.routing)
        );
        body += &rows(&super::fleet::county_rows(c));
    }
    body += "<h2>Team utilisation</h2>";
    body += &team_bars(&s.teams);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font:14px system-ui,sans-serif;max-width:720px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border-bottom:1px solid #ddd;\
         padding:4px 12px;text-align:left}}td+td{{text-align:right;font-variant-numeric:tabular-nums}}\
         svg{{display:block;margin:0.5em 0 1.5em}}</style></head><body>{body}</body></html>\n",
        escape(&r.scenario)
    )
}
