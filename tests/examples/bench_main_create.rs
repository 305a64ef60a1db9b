//! `make bench`: how long `terraform apply` of `examples-hcl/terraform-main` takes against the
//! emulator when each RDS instance spends 20 s in `creating` and the replication instance 15 s, next
//! to the sum of the provider's step durations (what a one-after-another create would take).
//!
//! The figures come from the provider's own DEBUG log (`step started` / `step finished` with
//! `duration_ms`), read from `TF_LOG_PATH`. Printed, never asserted: this is a benchmark.
//!
//! Environment: as the acceptance tests (`DMSLINK_VENV`, `TERRAFORM` to choose the CLI; default the
//! newest one found). `BENCH_RDS_CREATING_SECONDS` / `BENCH_DMS_CREATING_SECONDS` change the timings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dmslink_acctest::TestBed;
use serde_json::json;

fn env_secs(key: &str, default: u64) -> u64 {
    std::env::var(key).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// One step's run as the provider logged it.
#[derive(Debug, Default, Clone)]
struct StepRun {
    duration: Duration,
    started_ms: Option<i64>,
}

/// `2026-11-24T03:59:01.123Z [DEBUG] provider...: step finished: ... step=create_vpc duration_ms=12`
/// → milliseconds of the day of the leading timestamp.
fn timestamp_ms(line: &str) -> Option<i64> {
    let ts = line.split_whitespace().next()?;
    let time = ts.split('T').nth(1)?.trim_end_matches('Z');
    let time = time.split(['+', '-']).next()?;
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some((h * 3600 + m * 60) * 1000 + (s * 1000.0) as i64)
}

fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=");
    let start = line.find(&key)? + key.len();
    let rest = &line[start..];
    let rest = rest.trim_start_matches('"');
    Some(rest.split(|c: char| c.is_whitespace() || c == '"').next().unwrap_or(rest))
}

fn steps_from_log(log: &str) -> BTreeMap<String, StepRun> {
    let mut steps: BTreeMap<String, StepRun> = BTreeMap::new();
    for line in log.lines() {
        let (Some(step), Some(doing)) = (field(line, " step"), field(line, "doing")) else { continue };
        if doing != "creating" {
            continue;
        }
        let entry = steps.entry(step.to_string()).or_default();
        if line.contains("step started") {
            entry.started_ms = timestamp_ms(line);
        } else if line.contains("step finished") {
            let ms: u64 = field(line, "duration_ms").and_then(|v| v.parse().ok()).unwrap_or(0);
            entry.duration = Duration::from_millis(ms);
        }
    }
    steps
}

fn main() {
    let rds_secs = env_secs("BENCH_RDS_CREATING_SECONDS", 20);
    let dms_secs = env_secs("BENCH_DMS_CREATING_SECONDS", 15);
    let Some(bed) = TestBed::start("bench_main_create") else {
        eprintln!("bench: the test bed is incomplete (see the note above)");
        std::process::exit(1);
    };
    let cli = bed.clis().iter().max_by_key(|c| c.version).expect("at least one CLI").clone();
    let fixtures = bed.fixtures();
    let backend = fixtures.state_backend("tfstate-dblink", "terraform-lock-db", "dblink");
    let snapshot = fixtures.source_snapshot("geodesy-oracle-seed");
    fixtures.dms_vpc_role();
    let log_path = bed.path().join("provider-create.log");
    let mut wd = bed.workdir(&cli, "terraform-main");
    wd.use_backend(&backend)
        .set_var("source_snapshot", snapshot)
        .set_var("source_db_name", "GEODESY")
        .set_var("source_app_username", "dms_reader")
        .set_var("source_app_password", "Bench-source-pw-1")
        .set_var("target_db_name", "dblink")
        .set_var("target_username", "dblink")
        .set_var("target_password", "Bench-target-pw-1")
        .set_timeout(Duration::from_secs(15 * 60));
    wd.init();
    bed.emulator.set_config(json!({
        "rds_creating_seconds": rds_secs,
        "dms_instance_creating_seconds": dms_secs,
    }));

    wd.set_env("TF_LOG_PROVIDER", "DEBUG").set_env("TF_LOG_PATH", log_path.display().to_string());
    let t0 = Instant::now();
    wd.apply();
    let apply_wall = t0.elapsed();
    wd.remove_env("TF_LOG_PROVIDER").remove_env("TF_LOG_PATH");

    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let steps = steps_from_log(&log);
    let sum: Duration = steps.values().map(|s| s.duration).sum();
    let first = steps.values().filter_map(|s| s.started_ms).min();
    let last_end = steps.values().filter_map(|s| s.started_ms.map(|t| t + s.duration.as_millis() as i64)).max();
    let graph_wall = match (first, last_end) {
        (Some(a), Some(b)) if b >= a => Duration::from_millis((b - a) as u64),
        _ => Duration::ZERO,
    };
    let slow = ["create_source_databases", "create_target_database", "create_replication_instance"];
    let longest_slow = slow.iter().filter_map(|s| steps.get(*s)).map(|s| s.duration).max().unwrap_or_default();

    println!();
    println!("dmslink_main create against the emulator ({cli})", cli = cli.label);
    println!("  emulator: RDS instances {rds_secs} s in `creating`, replication instance {dms_secs} s");
    println!("  {:<34} {:>9} {:>10}", "step", "start", "duration");
    let mut ordered: Vec<(&String, &StepRun)> = steps.iter().collect();
    ordered.sort_by_key(|(_, s)| s.started_ms.unwrap_or(i64::MAX));
    for (name, s) in ordered {
        let start =
            s.started_ms.zip(first).map(|(t, f)| format!("+{:.1} s", (t - f) as f64 / 1000.0)).unwrap_or_default();
        println!("  {name:<34} {start:>9} {:>8.1} s", s.duration.as_secs_f64());
    }
    println!("  ----");
    println!("  steps (first start to last end): {:>7.1} s", graph_wall.as_secs_f64());
    println!("  sum of step durations:           {:>7.1} s   (one step after another)", sum.as_secs_f64());
    println!("  longest slow step:               {:>7.1} s   (RDS / replication instance)", longest_slow.as_secs_f64());
    println!(
        "  terraform apply wall time:       {:>7.1} s   (CLI start-up, plan and refresh included)",
        apply_wall.as_secs_f64()
    );
    if graph_wall > Duration::ZERO {
        println!("  speed-up over the sum:           {:>7.2}x", sum.as_secs_f64() / graph_wall.as_secs_f64());
    }

    bed.emulator.set_config(json!({"rds_creating_seconds": 1, "dms_instance_creating_seconds": 1}));
    let t0 = Instant::now();
    wd.destroy();
    println!("  terraform destroy wall time:     {:>7.1} s   (1 s transitions)", t0.elapsed().as_secs_f64());
}
