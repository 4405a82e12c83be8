//! The report's charts, drawn once, here, as SVG (plotters) — or PNG for the command line:
//! volume over time, answer times and mobile crisis response times against their targets, the
//! diversion funnel, and the map of rates per 100,000 residents by area. The console
//! shows them and the HTML report embeds them; every number a chart draws is in the report's
//! table beside it.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::value::{Distribution, Value};
use super::{Group, Report};

/// A chart of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Incidents opened per day by channel, and calls arrived.
    Volume,
    /// Speed to answer (p50, p90, p95) per group, against NENA-STA-020's 15 s and 20 s.
    AnswerTimes,
    /// Dispatch to on scene (p50, p90, p95) per group, against SAMHSA's 1 h and 2 h.
    ResponseTimes,
    /// 911 calls → triaged → decided for 988 or mobile crisis → offered → accepted.
    Funnel,
}

impl Chart {
    pub const ALL: [Self; 4] = [Self::Volume, Self::AnswerTimes, Self::ResponseTimes, Self::Funnel];
    pub const NAMES: &'static str = "volume, answer-times, response-times or funnel";

    pub const fn name(self) -> &'static str {
        match self {
            Self::Volume => "volume",
            Self::AnswerTimes => "answer-times",
            Self::ResponseTimes => "response-times",
            Self::Funnel => "funnel",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    pub const fn title(self) -> &'static str {
        match self {
            Self::Volume => "Volume per day",
            Self::AnswerTimes => "Speed to answer against NENA's 15 s and 20 s",
            Self::ResponseTimes => {
                "Dispatch to on scene against SAMHSA's 1 h (urban) and 2 h (rural)"
            }
            Self::Funnel => "Diversion of 911 calls",
        }
    }
}

const SIZE: (u32, u32) = (720, 360);
const FONT: &str = "sans-serif";
const C911: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
const C988: RGBColor = RGBColor(0x1b, 0x8a, 0x6b);
const OTHER: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
const CALLS: RGBColor = RGBColor(0xc2, 0x5e, 0x00);
const TARGET: RGBColor = RGBColor(0xb0, 0x1c, 0x2e);
/// p50, p90, p95: one hue, darker as the percentile rises.
const PERCENTILES: [(&str, RGBColor); 3] = [
    ("p50", RGBColor(0x9e, 0xc3, 0xe6)),
    ("p90", RGBColor(0x4a, 0x86, 0xc5)),
    ("p95", RGBColor(0x1f, 0x4e, 0x8c)),
];

type Drawn = Result<(), String>;

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing the chart failed: {e}")
}

/// The font every chart's text is measured (and, as PNG, drawn) with: DejaVu Sans, embedded
/// (fonts/SOURCE.md), so charts look the same on a machine without fonts.
const DEJAVU_SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// Registers the embedded font as `sans-serif`, once.
fn font() -> Drawn {
    static REGISTERED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the embedded font does not load".to_owned())
        })
        .clone()
}

/// The chart of `report` as a standalone SVG document, titled for screen readers.
pub fn svg(chart: Chart, report: &Report) -> String {
    let mut out = String::new();
    let drawn = font().and_then(|()| {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(chart, report, &root).and_then(|()| root.present().map_err(err))
    });
    if let Err(e) = drawn {
        return message_svg(chart.title(), &e);
    }
    titled(&out, chart.title())
}

/// The chart of `report` as a PNG image (for the command line: a file to paste into a slide).
pub fn png(chart: Chart, report: &Report) -> Result<Vec<u8>, String> {
    raster(|root| draw(chart, report, root))
}

/// Draws into an RGB buffer and encodes it as PNG.
fn raster(
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Drawn,
) -> Result<Vec<u8>, String> {
    font()?;
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; usize::try_from(w * h * 3).map_err(err)?];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&pixels).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

fn draw<DB: DrawingBackend>(chart: Chart, report: &Report, root: &DrawingArea<DB, Shift>) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    match chart {
        Chart::Volume => volume(report, root),
        Chart::AnswerTimes => percentiles(
            report,
            root,
            chart,
            "contacts.speed_to_answer",
            Scale { unit_ms: 1000.0, unit: "seconds", targets: &[(15.0, "15 s"), (20.0, "20 s")] },
        ),
        Chart::ResponseTimes => percentiles(
            report,
            root,
            chart,
            "mobile.dispatch_to_on_scene",
            Scale { unit_ms: 60_000.0, unit: "minutes", targets: &[(60.0, "1 h"), (120.0, "2 h")] },
        ),
        Chart::Funnel => funnel(report, root),
    }
}

/// Adds `<title>` and an accessible name to plotters' SVG.
fn titled(svg: &str, title: &str) -> String {
    let title = escape(title);
    match svg.find('>') {
        Some(end) => format!(
            "{} role=\"img\" aria-label=\"{title}\"><title>{title}</title>{}",
            svg.get(..end).unwrap_or_default(),
            svg.get(end + 1..).unwrap_or_default()
        ),
        None => svg.to_owned(),
    }
}

/// A chart that says, in words, why it has nothing to draw.
fn message_svg(title: &str, message: &str) -> String {
    let (w, h) = SIZE;
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" \
         role=\"img\" aria-label=\"{t}\"><title>{t}</title><rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\
         <text x=\"{x}\" y=\"24\" text-anchor=\"middle\" font-family=\"{FONT}\" font-size=\"16\">{t}</text>\
         <text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\" font-family=\"{FONT}\" font-size=\"13\" fill=\"#555\">{m}</text></svg>",
        t = escape(title),
        m = escape(message),
        x = w / 2,
        y = h / 2,
    )
}

/// Text as SVG/HTML character data or attribute value.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A chart with nothing to draw: its title, and why, in words.
fn nothing<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, why: &str) -> Drawn {
    let (w, h) = SIZE;
    let centre = |y: u32| (i32::try_from(w / 2).unwrap_or(0), i32::try_from(y).unwrap_or(0));
    let pos = plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    );
    root.draw(&Text::new(
        title.to_owned(),
        centre(24),
        TextStyle::from((FONT, 16).into_font()).pos(pos),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        why.to_owned(),
        centre(h / 2),
        (FONT, 13).into_font().color(&OTHER).pos(pos),
    ))
    .map_err(err)
}

fn volume<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> Drawn {
    let days = &report.volume;
    if days.is_empty() {
        return nothing(root, Chart::Volume.title(), "no incident or call in this period");
    }
    let n = days.len();
    let top = days
        .iter()
        .map(|d| (d.incidents_911 + d.incidents_988 + d.incidents_other).max(d.calls))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut chart = categories(root, Chart::Volume.title(), n, top as f64 * 1.4)?;
    let label_every = n.div_ceil(8).max(1);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n + 1)
        .x_label_formatter(&|x| {
            category(*x)
                .filter(|i| i % label_every == 0)
                .and_then(|i| days.get(i))
                .map_or_else(String::new, |d| d.day.clone())
        })
        .y_label_formatter(&whole)
        .y_desc("per day")
        .draw()
        .map_err(err)?;
    type Count = fn(&super::DayVolume) -> u64;
    let stacks: [(&str, RGBColor, Count); 3] = [
        ("911 incidents", C911, |d| d.incidents_911),
        ("988 incidents", C988, |d| d.incidents_988),
        ("other incidents", OTHER, |d| d.incidents_other),
    ];
    let mut base = vec![0u64; n];
    for (label, color, count) in stacks {
        let bars: Vec<Rectangle<(f64, f64)>> = days
            .iter()
            .zip(base.iter_mut())
            .enumerate()
            .map(|(i, (d, b))| {
                let (lo, hi) = (*b, *b + count(d));
                *b = hi;
                let x = i as f64;
                Rectangle::new([(x - 0.4, lo as f64), (x + 0.4, hi as f64)], color.filled())
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    if days.iter().any(|d| d.calls > 0) {
        let points: Vec<(f64, f64)> =
            days.iter().enumerate().map(|(i, d)| (i as f64, d.calls as f64)).collect();
        chart
            .draw_series(std::iter::once(PathElement::new(points.clone(), CALLS.stroke_width(2))))
            .map_err(err)?
            .label("calls arrived")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], CALLS.stroke_width(2)));
        chart
            .draw_series(points.into_iter().map(|p| Circle::new(p, 3, CALLS.filled())))
            .map_err(err)?;
    }
    legend(&mut chart)
}

/// A chart of `n` categories along x, each centred on a whole number, up to `top` on y.
fn categories<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    n: usize,
    top: f64,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, String> {
    ChartBuilder::on(root)
        .caption(title, (FONT, 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)
        .map_err(err)
}

/// The series' legend, top right.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(OTHER)
        .draw()
        .map_err(err)
}

/// The category at tick `x`, when the tick is on one (bars are centred on whole numbers).
fn category(x: f64) -> Option<usize> {
    let i = x.round();
    ((x - i).abs() < 1e-6 && i >= 0.0).then_some(i as usize)
}

/// Whole numbers on a count axis; ticks between them unlabelled.
fn whole(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { String::new() }
}

struct Scale {
    unit_ms: f64,
    unit: &'static str,
    targets: &'static [(f64, &'static str)],
}

fn distribution<'a>(group: &'a Group, id: &str) -> Option<&'a Distribution> {
    match group.measures.iter().find(|m| m.id == id).map(|m| &m.value) {
        Some(Value::Time(d)) if d.count > 0 => Some(d),
        _ => None,
    }
}

fn not_measured<'a>(report: &'a Report, id: &str) -> Option<&'a str> {
    report.groups.iter().flat_map(|g| &g.measures).find_map(|m| match m.value {
        Value::NotMeasured { reason } if m.id == id => Some(reason),
        _ => None,
    })
}

fn percentiles<DB: DrawingBackend>(
    report: &Report,
    root: &DrawingArea<DB, Shift>,
    chart_kind: Chart,
    id: &str,
    scale: Scale,
) -> Drawn {
    let groups: Vec<(&str, &Distribution)> =
        report.groups.iter().filter_map(|g| Some((g.key.as_str(), distribution(g, id)?))).collect();
    if groups.is_empty() {
        let why = not_measured(report, id).map_or_else(
            || "none measured in this period (n = 0)".to_owned(),
            |r| format!("not measured: {r}"),
        );
        return nothing(root, chart_kind.title(), &why);
    }
    let value = |ms: Option<i64>| ms.map_or(0.0, |v| v as f64 / scale.unit_ms);
    let top = groups
        .iter()
        .map(|(_, d)| value(d.p95_ms))
        .chain(scale.targets.iter().map(|(t, _)| *t))
        .fold(0.0, f64::max)
        * 1.4;
    let n = groups.len();
    let mut chart = categories(root, chart_kind.title(), n, top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n + 1)
        .x_label_formatter(&|x| {
            category(*x)
                .and_then(|i| groups.get(i))
                .map_or_else(String::new, |(k, d)| format!("{k} (n = {})", d.count))
        })
        .y_label_formatter(&whole)
        .y_desc(scale.unit)
        .draw()
        .map_err(err)?;
    for (p, (label, color)) in PERCENTILES.iter().enumerate() {
        let bars: Vec<Rectangle<(f64, f64)>> = groups
            .iter()
            .enumerate()
            .map(|(i, (_, d))| {
                let v = value([d.p50_ms, d.p90_ms, d.p95_ms].get(p).copied().flatten());
                let x = i as f64 - 0.375 + p as f64 * 0.25;
                Rectangle::new([(x, 0.0), (x + 0.24, v)], color.filled())
            })
            .collect();
        let color = *color;
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    for (t, label) in scale.targets {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, *t), (n as f64 - 0.5, *t)],
                TARGET.stroke_width(1),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("target {label}"),
                (-0.48, *t),
                (FONT, 11).into_font().color(&TARGET),
            )))
            .map_err(err)?;
    }
    legend(&mut chart)
}

/// The funnel's stages, summed over the report's groups: (label, count).
pub fn funnel_stages(report: &Report) -> Vec<(&'static str, u64)> {
    let sum = |id: &str, of: bool| -> u64 {
        report
            .groups
            .iter()
            .filter_map(|g| g.measures.iter().find(|m| m.id == id))
            .map(|m| match m.value {
                Value::Count { count } => count,
                Value::Share { part, of: whole } => {
                    if of {
                        whole
                    } else {
                        part
                    }
                }
                _ => 0,
            })
            .sum()
    };
    vec![
        ("911 calls", sum("diversion.triaged", true)),
        ("triaged", sum("diversion.triaged", false)),
        ("decided for 988", sum("diversion.decided_988", false)),
        ("decided for mobile crisis", sum("diversion.decided_mobile_crisis", false)),
        ("offered to 988 or mobile crisis", sum("diversion.diverted", false)),
        ("accepted", sum("diversion.accepted", false)),
    ]
}

fn funnel<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> Drawn {
    let stages = funnel_stages(report);
    let calls = stages.first().map_or(0, |s| s.1);
    if calls == 0 {
        return nothing(root, Chart::Funnel.title(), "no 911 call in this period");
    }
    let n = stages.len();
    let mut chart = ChartBuilder::on(root)
        .caption(Chart::Funnel.title(), (FONT, 16))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(210)
        .build_cartesian_2d(0f64..calls as f64 * 1.3, -0.5f64..n as f64 - 0.5)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(WHITE)
        .y_labels(n + 1)
        .y_label_formatter(&|y| {
            category(*y)
                .and_then(|i| n.checked_sub(i + 1))
                .and_then(|s| stages.get(s))
                .map_or_else(String::new, |s| s.0.to_owned())
        })
        .x_label_formatter(&whole)
        .x_desc("911 calls")
        .draw()
        .map_err(err)?;
    let bars: Vec<Rectangle<(f64, f64)>> = stages
        .iter()
        .enumerate()
        .map(|(s, (_, count))| {
            let y = (n - 1 - s) as f64;
            Rectangle::new([(0.0, y - 0.35), (*count as f64, y + 0.35)], C911.filled())
        })
        .collect();
    chart.draw_series(bars).map_err(err)?;
    let labels: Vec<Text<'_, (f64, f64), String>> = stages
        .iter()
        .enumerate()
        .map(|(s, (_, count))| {
            let y = (n - 1 - s) as f64 + 0.1;
            let pct = *count as f64 * 100.0 / calls as f64;
            Text::new(format!(" {count} ({pct:.1}%)"), (*count as f64, y), (FONT, 12).into_font())
        })
        .collect();
    chart.draw_series(labels).map_err(err)?;
    Ok(())
}

/// An area's outline for the rate map: its label as reports name it (`20045 Douglas County`)
/// and its polygons' outer rings of `[lon, lat]`.
#[derive(Debug, Clone)]
pub struct Shape {
    pub label: String,
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// Light to dark: none in the period, then the quartiles of the rates above 0.
const BINS: [RGBColor; 5] = [
    RGBColor(0xde, 0xeb, 0xf7),
    RGBColor(0x9e, 0xca, 0xe1),
    RGBColor(0x6b, 0xae, 0xd6),
    RGBColor(0x31, 0x82, 0xbd),
    RGBColor(0x08, 0x51, 0x9c),
];
const NO_POPULATION: RGBColor = RGBColor(0xe6, 0xe6, 0xe6);

/// The map of `measure`'s rate per 100,000 residents by area as SVG: areas with none in the
/// period are the lightest (0), the others in quartiles of their rates; areas without a
/// population are grey. Every rate is in the report's per-100,000 table.
pub fn rate_map(
    per_capita: &super::population::PerCapita,
    populations: &super::population::Populations,
    shapes: &[Shape],
    measure: &str,
) -> String {
    let title = format!("{measure} per 100,000 residents, by area");
    let rates = rates_of(per_capita, populations, shapes, measure);
    let mut out = String::new();
    let drawn = font().and_then(|()| {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw_map(&root, &title, shapes, &rates).and_then(|()| root.present().map_err(err))
    });
    match drawn {
        Ok(()) => titled(&out, &title),
        Err(e) => message_svg(&title, &e),
    }
}

/// [`rate_map`] as a PNG image.
pub fn rate_map_png(
    per_capita: &super::population::PerCapita,
    populations: &super::population::Populations,
    shapes: &[Shape],
    measure: &str,
) -> Result<Vec<u8>, String> {
    let title = format!("{measure} per 100,000 residents, by area");
    let rates = rates_of(per_capita, populations, shapes, measure);
    raster(|root| draw_map(root, &title, shapes, &rates))
}

/// Each drawn area's rate: the report's, or 0 for an area with a population and nothing in the
/// period (it is in no group of the report).
fn rates_of<'a>(
    per_capita: &'a super::population::PerCapita,
    populations: &super::population::Populations,
    shapes: &'a [Shape],
    measure: &str,
) -> std::collections::HashMap<&'a str, f64> {
    let mut rates: std::collections::HashMap<&str, f64> = shapes
        .iter()
        .filter(|s| populations.of(&s.label).is_some_and(|p| p > 0))
        .map(|s| (s.label.as_str(), 0.0))
        .collect();
    for (area, _, area_rates) in &per_capita.areas {
        if let Some((_, rate)) = area_rates.iter().find(|(id, _)| *id == measure) {
            rates.insert(area.as_str(), *rate);
        }
    }
    rates
}

/// The bins of the rates above 0: the upper bound of each quartile (nearest rank), lowest
/// first, without repeats — fewer bins where few rates differ.
fn quartiles(rates: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = rates.iter().copied().filter(|r| *r > 0.0).collect();
    sorted.sort_by(f64::total_cmp);
    let mut bounds: Vec<f64> = (1..=4)
        .filter_map(|q| sorted.get((q * sorted.len()).div_ceil(4).saturating_sub(1)).copied())
        .collect();
    bounds.dedup();
    bounds
}

fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    shapes: &[Shape],
    rates: &std::collections::HashMap<&str, f64>,
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let points = shapes.iter().flat_map(|s| s.rings.iter().flatten());
    let (mut lon0, mut lat0, mut lon1, mut lat1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in points {
        lon0 = lon0.min(p[0]);
        lon1 = lon1.max(p[0]);
        lat0 = lat0.min(p[1]);
        lat1 = lat1.max(p[1]);
    }
    if shapes.is_empty() || rates.is_empty() || lon0 >= lon1 || lat0 >= lat1 {
        let why = if shapes.is_empty() {
            "no area boundaries are loaded"
        } else {
            "no area has a population and a rate"
        };
        return nothing(root, title, why);
    }
    let values: Vec<f64> = rates.values().copied().collect();
    let bounds = quartiles(&values);
    // 0 is the first colour; a rate above 0 takes the colour of the first quartile it is in.
    let bin = |rate: f64| -> RGBColor {
        if rate <= 0.0 {
            return BINS[0];
        }
        let i = bounds.iter().position(|b| rate <= *b).unwrap_or(bounds.len().saturating_sub(1));
        BINS.get(i + 1).copied().unwrap_or(BINS[4])
    };
    // Equirectangular, scaled by the cosine of the middle latitude so shapes keep their look.
    let squash = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.1);
    let (map, legend) = root.split_horizontally(SIZE.0 - 170);
    let mut chart = ChartBuilder::on(&map)
        .caption(title, (FONT, 16))
        .margin(10)
        .build_cartesian_2d(lon0 * squash..lon1 * squash, lat0..lat1)
        .map_err(err)?;
    for shape in shapes {
        let fill = rates.get(shape.label.as_str()).map_or(NO_POPULATION, |r| bin(*r));
        for ring in &shape.rings {
            let pts: Vec<(f64, f64)> = ring.iter().map(|p| (p[0] * squash, p[1])).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(pts.clone(), fill.filled())))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(PathElement::new(pts, WHITE.stroke_width(1))))
                .map_err(err)?;
        }
    }
    // The legend: 0, then each quartile's range.
    let mut entries = vec![(BINS[0], "0".to_owned())];
    let mut lower = 0.0;
    for (i, upper) in bounds.iter().enumerate() {
        let color = BINS.get(i + 1).copied().unwrap_or(BINS[4]);
        entries.push((color, format!("{lower:.1} – {upper:.1}")));
        lower = *upper;
    }
    for (i, (color, label)) in entries.iter().enumerate() {
        let y = 60 + i32::try_from(i).unwrap_or(0) * 26;
        legend.draw(&Rectangle::new([(10, y), (30, y + 18)], color.filled())).map_err(err)?;
        legend.draw(&Text::new(label.clone(), (38, y + 4), (FONT, 12).into_font())).map_err(err)?;
    }
    let y = 60 + i32::try_from(entries.len()).unwrap_or(0) * 26;
    legend.draw(&Rectangle::new([(10, y), (30, y + 18)], NO_POPULATION.filled())).map_err(err)?;
    legend.draw(&Text::new("no population", (38, y + 4), (FONT, 12).into_font())).map_err(err)?;
    Ok(())
}
