//! One measured figure: the crate's value, the baseline's, their ratio and
//! the goal, printed as one line of the table.

use std::fmt::Write as _;
use std::time::Duration;

/// What a figure's numbers count.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unit {
    /// A duration, in seconds.
    Time,
    /// Calls per second.
    Rate,
    /// Mebibytes.
    MiB,
    /// A plain count.
    Count,
}

impl Unit {
    fn show(self, value: f64) -> String {
        match self {
            Unit::Time if value < 1e-3 => format!("{:.1} µs", value * 1e6),
            Unit::Time if value < 1.0 => format!("{:.2} ms", value * 1e3),
            Unit::Time => format!("{value:.2} s"),
            Unit::Rate => format!("{value:.0}/s"),
            Unit::MiB => format!("{value:.1} MiB"),
            Unit::Count => format!("{value:.0}"),
        }
    }
}

/// What a figure must meet.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Goal {
    /// Crate over baseline at most this.
    RatioAtMost(f64),
    /// Crate over baseline at least this.
    RatioAtLeast(f64),
    /// The crate's value exactly this.
    Exactly(f64),
    /// The crate's value at most this, in the figure's unit.
    AtMost(f64),
    /// Reported, with no goal.
    None,
}

#[derive(Clone, Debug)]
pub(crate) struct Figure {
    pub(crate) name: String,
    pub(crate) unit: Unit,
    pub(crate) measured: f64,
    pub(crate) baseline: Option<f64>,
    /// The ratio, when it is not `measured / baseline` but the median of
    /// ratios measured side by side.
    pub(crate) paired_ratio: Option<f64>,
    pub(crate) goal: Goal,
}

/// The column widths, shared by the header and the rows.
const WIDTHS: [usize; 6] = [50, 12, 12, 8, 11, 4];

impl Figure {
    pub(crate) fn new(name: impl Into<String>, unit: Unit, measured: f64) -> Self {
        Self {
            name: name.into(),
            unit,
            measured,
            baseline: None,
            paired_ratio: None,
            goal: Goal::None,
        }
    }

    /// Sets the ratio to `ratio`, the median of ratios of rounds in which
    /// both contenders ran back to back, so that the machine's drift from
    /// round to round falls on both alike.
    #[must_use]
    pub(crate) fn paired_ratio(mut self, ratio: f64) -> Self {
        self.paired_ratio = Some(ratio);
        self
    }

    #[must_use]
    pub(crate) fn baseline(mut self, baseline: f64) -> Self {
        self.baseline = Some(baseline);
        self
    }

    #[must_use]
    pub(crate) fn goal(mut self, goal: Goal) -> Self {
        self.goal = goal;
        self
    }

    fn ratio(&self) -> Option<f64> {
        self.paired_ratio.or_else(|| {
            self.baseline
                .filter(|b| *b != 0.0)
                .map(|b| self.measured / b)
        })
    }

    /// Whether the goal is met; `None` when there is none.
    pub(crate) fn met(&self) -> Option<bool> {
        let ratio = self.ratio();
        match self.goal {
            Goal::RatioAtMost(most) => Some(ratio.is_some_and(|r| r <= most)),
            Goal::RatioAtLeast(least) => Some(ratio.is_some_and(|r| r >= least)),
            Goal::Exactly(value) => Some(self.measured == value),
            Goal::AtMost(most) => Some(self.measured <= most),
            Goal::None => None,
        }
    }

    fn goal_text(&self) -> String {
        match self.goal {
            Goal::RatioAtMost(most) => format!("<= {most:.2}x"),
            Goal::RatioAtLeast(least) => format!(">= {least:.2}x"),
            Goal::Exactly(value) => format!("= {}", self.unit.show(value)),
            Goal::AtMost(most) => format!("<= {}", self.unit.show(most)),
            Goal::None => "-".to_owned(),
        }
    }

    /// The figure as one row of the table.
    pub(crate) fn line(&self) -> String {
        let result = match self.met() {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "info",
        };
        row([
            &self.name,
            &self.unit.show(self.measured),
            &self.baseline.map_or("-".to_owned(), |b| self.unit.show(b)),
            &self.ratio().map_or("-".to_owned(), |r| format!("{r:.3}x")),
            &self.goal_text(),
            result,
        ])
    }
}

/// The table's header.
pub(crate) fn header() -> String {
    row(["figure", "crate", "baseline", "ratio", "goal", "result"])
}

fn row(cells: [&str; 6]) -> String {
    let mut line = String::new();
    for (index, (cell, width)) in cells.iter().zip(WIDTHS).enumerate() {
        // The name is left-aligned, the numbers right-aligned.
        let _ = match index {
            0 => write!(line, "{cell:<width$}"),
            _ => write!(line, "  {cell:>width$}"),
        };
    }
    line
}

/// The median of `values`, which must not be empty.
pub(crate) fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

/// The median of `durations`, in seconds.
pub(crate) fn median_secs(durations: &[Duration]) -> f64 {
    let mut secs: Vec<f64> = durations.iter().map(Duration::as_secs_f64).collect();
    median(&mut secs)
}
