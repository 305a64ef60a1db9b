//! What the benchmarks (`make bench`, `tests/examples/bench_*.rs`) share: medians, the machine's
//! description, the peak memory of the provider processes a command starts, and the results file.
//! Benchmarks print figures and ratios; nothing here asserts a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 }
}

/// One line about the machine: CPU model and count, memory, kernel, rustc.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown CPU")
        .to_string();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = kib_field(&meminfo, "MemTotal:").map(|k| k as f64 / 1024.0 / 1024.0).unwrap_or(0.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cpus} × {model}, {mem_gib:.0} GiB, Linux {}, {rustc}", kernel.trim())
}

fn kib_field(text: &str, key: &str) -> Option<u64> {
    text.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
}

/// Watches every process whose executable's name starts with `terraform-provider-dmslink` while it
/// lives and keeps the largest peak resident set (`VmHWM`) any of them reached.
pub struct ProviderMemory {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<Mutex<u64>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProviderMemory {
    pub fn watch() -> ProviderMemory {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(Mutex::new(0));
        let (s, p) = (stop.clone(), peak_kib.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                for kib in provider_peaks() {
                    let mut peak = p.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    *peak = (*peak).max(kib);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        ProviderMemory { stop, peak_kib, thread: Some(thread) }
    }

    /// Stops watching; the peak in MiB (0 when no provider process was seen).
    pub fn finish(mut self) -> f64 {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        *self.peak_kib.lock().unwrap_or_else(std::sync::PoisonError::into_inner) as f64 / 1024.0
    }
}

/// `VmHWM` of every live provider process, in KiB.
fn provider_peaks() -> Vec<u64> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter(|e| {
            std::fs::read_link(e.path().join("exe"))
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().starts_with("terraform-provider-dmslink")))
                .unwrap_or(false)
        })
        .filter_map(|e| kib_field(&std::fs::read_to_string(e.path().join("status")).ok()?, "VmHWM:"))
        .collect()
}

/// `bench/results.md` at the workspace root: one section per benchmark, replaced on each run so
/// the file always holds the latest figures of every section, under the machine that made them.
pub fn write_section(name: &str, body: &str) -> PathBuf {
    let path = crate::workspace_root().join("bench").join("results.md");
    let mut sections = read_sections(&path);
    sections.insert(name.to_string(), body.trim_end().to_string());
    let mut out = String::from(
        "# dmslink benchmark results\n\nWritten by `make bench` (bench/run.py: provider/benches/*.rs, tests/examples/bench_*.rs); every figure is a median over \
         repeated runs on the machine named in its section.\n",
    );
    for (name, body) in &sections {
        out.push_str(&format!("\n## {name}\n\n{body}\n"));
    }
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    crate::write_file(&path, &out);
    path
}

fn read_sections(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            if let Some((n, b)) = current.take() {
                out.insert(n, b.trim().to_string());
            }
            current = Some((name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((n, b)) = current {
        out.insert(n, b.trim().to_string());
    }
    out
}

/// One row of the summary table that ends `bench/results.md` (and that `make bench` prints last):
/// `key` places the row and identifies it (`a1`, `d3`: the part and a number), so a
/// benchmark run alone replaces its own rows and keeps the others'.
pub fn summary_row(key: &str, what: &str, figure: &str, target: &str) {
    let path = crate::workspace_root().join("bench").join("results.md");
    let mut rows = summary_rows(read_sections(&path).get(SUMMARY).map(String::as_str).unwrap_or(""));
    rows.insert(key.to_string(), [what, figure, target].map(|c| c.replace('|', "/")));
    let mut body = String::from(
        "The headline figures of the sections above, each from the latest run of its benchmark; `make bench` \
         prints this table last.\n\n| | what | figure | target |\n|---|---|---:|---:|\n",
    );
    for (key, [what, figure, target]) in &rows {
        body.push_str(&format!("| {key} | {what} | {figure} | {target} |\n"));
    }
    write_section(SUMMARY, &body);
}

const SUMMARY: &str = "Summary";

/// The rows of a summary section's table, by key (header and separator rows skipped).
fn summary_rows(body: &str) -> BTreeMap<String, [String; 3]> {
    body.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.strip_prefix('|')?.strip_suffix('|')?.split('|').map(str::trim).collect();
            match cells.as_slice() {
                [key, what, figure, target]
                    if !key.is_empty() && !key.starts_with('-') && key.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    Some((key.to_string(), [what.to_string(), figure.to_string(), target.to_string()]))
                }
                _ => None,
            }
        })
        .collect()
}

/// Section (f) and its summary rows from the build figures `bench/run.py` measured (a JSON list,
/// one object per build that started from nothing); nothing when it measured none (the builds
/// were incremental: the last fresh figures stay).
pub fn write_build_section(figures_json: &Path) {
    let Ok(text) = std::fs::read_to_string(figures_json) else { return };
    let Ok(serde_json::Value::Array(builds)) = serde_json::from_str::<serde_json::Value>(&text) else { return };
    if builds.is_empty() {
        println!("(f): the builds were not from nothing, so bench/results.md keeps the last fresh-clone figures");
        return;
    }
    let mut table = String::from(
        "| build | command | wall | peak memory, whole build | largest process |\n|---|---|---:|---:|---:|\n",
    );
    for b in &builds {
        let profile = b["profile"].as_str().unwrap_or("?");
        let wall = b["wall_s"].as_f64().unwrap_or(0.0);
        let tree = b["peak_tree_mib"].as_f64().unwrap_or(0.0);
        let largest = b["largest_process_mib"].as_f64().map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "–".into());
        table.push_str(&format!(
            "| {profile} | `{}` | {:.1} min | {tree:.0} MiB | {largest} |\n",
            b["command"].as_str().unwrap_or(""),
            wall / 60.0
        ));
        let key = if profile == "release" { "f2" } else { "f1" };
        summary_row(
            key,
            &format!("{profile} build of the provider from a fresh clone: wall, peak memory"),
            &format!("{:.1} min, {tree:.0} MiB", wall / 60.0),
            "",
        );
    }
    let body = format!(
        "The provider's builds from nothing (an empty target directory), one after the other, as `make bench` \
         starts on a fresh clone; peak memory of the whole build is the summed RSS of cargo and every process it \
         started, sampled every 0.2 s; machine: {}\n\n{table}",
        machine()
    );
    write_section("(f) fresh-clone build", &body);
}

#[cfg(test)]
mod tests {
    #[test]
    fn summary_rows_are_read_back_by_key() {
        let body = "intro\n\n| | what | figure | target |\n|---|---|---:|---:|\n| a1 | start | 4.6 ms | ≤ 10 ms |\n| b2 | plan | 1.0 µs | |\n";
        let rows = super::summary_rows(body);
        assert_eq!(rows.keys().collect::<Vec<_>>(), ["a1", "b2"]);
        assert_eq!(rows["a1"], ["start".to_string(), "4.6 ms".to_string(), "≤ 10 ms".to_string()]);
        assert_eq!(rows["b2"][2], "");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(super::median(&[]), 0.0);
    }
}
