//! Prints the reliability ledger (`dmslink_acctest::ledger`) as one table: per suite, the cases run,
//! the faults injected and survived per kind, kill points, interrupts, stacks, duplicates, leaks and
//! the cases' summed wall time; then a total row and the run's wall time.
//!
//! `reliability-table <ledger> [--started <unix seconds>] [--markdown <file>]`: exits 1 when the ledger
//! holds a duplicate or a leak, or no case at all (a run that recorded nothing proved nothing).
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

const KINDS: &[&str] = &["throttle", "server", "error", "reset", "lost", "delay", "hold"];

#[derive(Default)]
struct Row {
    cases: u64,
    faults: BTreeMap<String, u64>,
    kill_points: u64,
    interrupts: u64,
    stacks: u64,
    duplicates: Vec<String>,
    leaks: Vec<String>,
    wall_seconds: f64,
}

impl Row {
    fn add(&mut self, line: &Value) {
        self.cases += 1;
        if let Some(faults) = line["faults"].as_object() {
            for (kind, n) in faults {
                *self.faults.entry(kind.clone()).or_default() += n.as_u64().unwrap_or_default();
            }
        }
        self.kill_points += line["kill_points"].as_u64().unwrap_or_default();
        self.interrupts += line["interrupts"].as_u64().unwrap_or_default();
        self.stacks += line["stacks"].as_u64().unwrap_or_default();
        let strings = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
        };
        self.duplicates.extend(strings(&line["duplicates"]));
        self.leaks.extend(strings(&line["leaks"]));
        self.wall_seconds += line["wall_seconds"].as_f64().unwrap_or_default();
    }

    fn merge(&mut self, other: &Row) {
        self.cases += other.cases;
        for (kind, n) in &other.faults {
            *self.faults.entry(kind.clone()).or_default() += n;
        }
        self.kill_points += other.kill_points;
        self.interrupts += other.interrupts;
        self.stacks += other.stacks;
        self.duplicates.extend(other.duplicates.iter().cloned());
        self.leaks.extend(other.leaks.iter().cloned());
        self.wall_seconds += other.wall_seconds;
    }

    fn cells(&self, name: &str) -> Vec<String> {
        let mut cells = vec![name.to_string(), self.cases.to_string()];
        cells.extend(KINDS.iter().map(|k| self.faults.get(*k).copied().unwrap_or_default().to_string()));
        cells.extend([
            self.kill_points.to_string(),
            self.interrupts.to_string(),
            self.stacks.to_string(),
            self.duplicates.len().to_string(),
            self.leaks.len().to_string(),
            format!("{:.0} s", self.wall_seconds),
        ]);
        cells
    }
}

fn header() -> Vec<String> {
    let mut cells = vec!["suite".to_string(), "cases".to_string()];
    cells.extend(KINDS.iter().map(|k| k.to_string()));
    cells.extend(
        ["kill points", "interrupts", "stacks", "duplicates", "leaks", "wall (sum)"].iter().map(|s| s.to_string()),
    );
    cells
}

/// A Markdown table whose columns line up in a terminal too.
fn render(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or_default();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let line = |row: &Vec<String>| -> String {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, s)| if i == 0 { format!("{s:<w$}", w = widths[i]) } else { format!("{s:>w$}", w = widths[i]) })
            .collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        out.push(line(row));
        if i == 0 {
            let rule: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { "-".repeat(*w) } else { format!("{}:", "-".repeat(w.saturating_sub(1))) })
                .collect();
            out.push(format!("| {} |", rule.join(" | ")));
        }
    }
    out.join("\n")
}

struct Args {
    ledger: String,
    started: Option<u64>,
    markdown: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut ledger = None;
    let mut started = None;
    let mut markdown = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--started" => {
                let v = args.next().ok_or("--started needs unix seconds")?;
                started = Some(v.parse::<u64>().map_err(|e| format!("--started {v}: {e}"))?);
            }
            "--markdown" => markdown = Some(args.next().ok_or("--markdown needs a file")?),
            _ if ledger.is_none() => ledger = Some(arg),
            _ => return Err(format!("unexpected argument {arg}")),
        }
    }
    Ok(Args {
        ledger: ledger.ok_or("usage: reliability-table <ledger> [--started S] [--markdown FILE]")?,
        started,
        markdown,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("reliability-table: {e}");
            return ExitCode::from(2);
        }
    };
    let text = std::fs::read_to_string(&args.ledger).unwrap_or_default();
    let mut suites: BTreeMap<String, Row> = BTreeMap::new();
    for (n, raw) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str::<Value>(raw) {
            Ok(line) => suites.entry(line["suite"].as_str().unwrap_or("?").to_string()).or_default().add(&line),
            Err(e) => {
                eprintln!("reliability-table: {}:{}: not a ledger line: {e}", args.ledger, n + 1);
                return ExitCode::from(2);
            }
        }
    }
    let mut total = Row::default();
    let mut rows = vec![header()];
    for (name, row) in &suites {
        rows.push(row.cells(name));
        total.merge(row);
    }
    rows.push(total.cells("total"));
    let mut text = render(&rows);
    if let Some(started) = args.started {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(started);
        text.push_str(&format!("\n\nWall time of the run: {} s.", now.saturating_sub(started)));
    }
    for (what, list) in [("Duplicates", &total.duplicates), ("Leaks", &total.leaks)] {
        if !list.is_empty() {
            text.push_str(&format!("\n\n{what}:\n- {}", list.join("\n- ")));
        }
    }
    println!("{text}");
    if let Some(path) = &args.markdown
        && let Err(e) = std::fs::write(path, format!("{text}\n"))
    {
        eprintln!("reliability-table: cannot write {path}: {e}");
        return ExitCode::from(2);
    }
    if total.cases == 0 {
        eprintln!("reliability-table: the ledger {} holds no case", args.ledger);
        return ExitCode::from(1);
    }
    if !total.duplicates.is_empty() || !total.leaks.is_empty() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
