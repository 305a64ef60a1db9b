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
        "# dmslink benchmark results\n\nWritten by `make bench` (tests/examples/bench_*.rs); every figure is a median over \
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

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(super::median(&[]), 0.0);
    }
}
