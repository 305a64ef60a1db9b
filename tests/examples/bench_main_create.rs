//! `make bench`, create section (issue 16 (c)): how long `terraform apply` of
//! `examples-hcl/terraform-main` takes against an emulator latency profile — every AWS call 40 ms,
//! each RDS instance 20 s in `creating`, the replication instance 15 s, the rest as the emulator's
//! defaults (a few seconds) — next to two figures computed from the same run's step durations: the
//! critical path through the step graph (the least time any schedule can take) and their sum (what
//! a one-after-another create would take).
//!
//! The figures come from the provider's own DEBUG log (`step started` / `step finished` with
//! `duration_ms`), read from `TF_LOG_PATH`. Printed, never asserted: this is a benchmark.
//!
//! Environment: as the acceptance tests (`DMSLINK_VENV`, `TERRAFORM` to choose the CLI; default the
//! newest one found). `BENCH_RDS_CREATING_SECONDS` / `BENCH_DMS_CREATING_SECONDS` /
//! `BENCH_LATENCY_MS` change the profile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dmslink::engine::steps::critical_path;
use dmslink_acctest::TestBed;
use dmslink_acctest::bench::{machine, median, summary_row, write_section};
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
    let latency_ms = env_secs("BENCH_LATENCY_MS", 40);
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
        "latency_ms": latency_ms,
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

    let graph = dmslink::resources::main::steps::graph().expect("the main stack's step graph");
    let durations: BTreeMap<String, Duration> = steps.iter().map(|(k, v)| (k.clone(), v.duration)).collect();
    let (critical, chain) = critical_path(&graph.dependencies(), &durations);
    // The profile's floor: the same graph with each slow step taking exactly the time the profile
    // keeps its object in `creating` (its calls then cost nothing), the other steps as measured.
    let mut floor_durations = durations.clone();
    for (step, secs) in [
        ("create_source_databases", rds_secs),
        ("create_target_database", rds_secs),
        ("create_replication_instance", dms_secs),
    ] {
        floor_durations.insert(step.to_string(), Duration::from_secs(secs));
    }
    let (floor, floor_chain) = critical_path(&graph.dependencies(), &floor_durations);

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
    println!("  critical path:                   {:>7.1} s   ({})", critical.as_secs_f64(), chain.join(" → "));
    println!("  the profile's floor:             {:>7.1} s   ({})", floor.as_secs_f64(), floor_chain.join(" → "));
    if graph_wall > Duration::ZERO {
        println!("  speed-up over the sum:           {:>7.2}x", sum.as_secs_f64() / graph_wall.as_secs_f64());
    }
    let ratio = |a: Duration, b: Duration| if b > Duration::ZERO { a.as_secs_f64() / b.as_secs_f64() } else { 0.0 };
    let section = format!(
        "`terraform apply` of `examples-hcl/terraform-main` ({cli}); emulator profile: every AWS call {latency_ms} ms, \
         RDS instances {rds_secs} s in `creating`, the replication instance {dms_secs} s, the rest the emulator's \
         defaults; one run; machine: {machine}\n\n\
         | what | seconds | ratio |\n|---|---:|---:|\n\
         | steps, first start to last end | {wall:.1} | {to_cp:.2}× the critical path, {to_floor:.2}× the profile's floor (target ≤ 1.10×) |\n\
         | critical path of the measured steps ({path}) | {cp:.1} | |\n\
         | the profile's floor: that graph with each slow step exactly its `creating` time | {floor:.1} | |\n\
         | sum of step durations (one after another) | {sum:.1} | {speedup:.2}× the steps' wall time |\n\
         | `terraform apply` wall time (CLI start, plan, refresh included) | {apply:.1} | |\n",
        cli = cli.label,
        machine = machine(),
        wall = graph_wall.as_secs_f64(),
        to_cp = ratio(graph_wall, critical),
        path = chain.join(" → "),
        cp = critical.as_secs_f64(),
        to_floor = ratio(graph_wall, floor),
        floor = floor.as_secs_f64(),
        sum = sum.as_secs_f64(),
        speedup = ratio(sum, graph_wall),
        apply = apply_wall.as_secs_f64(),
    );
    let path = write_section("(c) dmslink_main create", &section);
    summary_row(
        "c1",
        "`dmslink_main` create under the latency profile: steps' wall time against the critical path",
        &format!("{:.1} s = {:.2}×", graph_wall.as_secs_f64(), ratio(graph_wall, critical)),
        "≤ 1.10×",
    );
    summary_row(
        "c2",
        "the same against the profile's floor (each slow step exactly its `creating` time)",
        &format!("{:.2}× of {:.1} s", ratio(graph_wall, floor), floor.as_secs_f64()),
        "≤ 1.10×",
    );
    summary_row(
        "c3",
        "the same steps one after another, against the steps' wall time",
        &format!("{:.1} s = {:.2}×", sum.as_secs_f64(), ratio(sum, graph_wall)),
        "",
    );
    println!("  written to {}", path.display());

    // (e) `terraform plan` of the stack just made against Terraform's own floor: the same CLI and
    // the same kind of S3 backend, with a configuration holding no dmslink resources.
    let plans = env_secs("BENCH_PLANS", 5).max(1) as usize;
    let time_plans = |wd: &dmslink_acctest::Workdir| -> f64 {
        let mut secs = Vec::new();
        for _ in 0..plans {
            let t0 = Instant::now();
            wd.run_ok(&["plan", "-input=false", "-no-color"]);
            secs.push(t0.elapsed().as_secs_f64());
        }
        median(&secs)
    };
    let stack_plan = time_plans(&wd);
    let floor_backend = fixtures.state_backend("tfstate-floor", "terraform-lock-floor", "floor");
    let mut floor_wd = bed.workdir(&cli, "bench-floor");
    floor_wd.use_backend(&floor_backend);
    floor_wd.init();
    floor_wd.apply();
    let floor_plan = time_plans(&floor_wd);
    let share = if stack_plan > 0.0 { (stack_plan - floor_plan).max(0.0) / stack_plan } else { 0.0 };
    let section = format!(
        "`terraform plan` ({cli}) of the `terraform-main` stack made above (one `dmslink_main`: VPC, subnets, \
         gateway, security group, two RDS instances, replication instance, endpoints, secrets, roles; every \
         AWS call {latency_ms} ms) and of a configuration with no dmslink resources in the same kind of S3 \
         backend; medians of {plans}; machine: {machine}\n\n\
         | what | seconds |\n|---|---:|\n\
         | plan of the stack | {stack_plan:.2} |\n\
         | plan with no dmslink resources (Terraform's floor) | {floor_plan:.2} |\n\
         | the provider's share of the stack's plan | {pct:.0} % ({provider:.2} s) |\n",
        cli = cli.label,
        machine = machine(),
        pct = share * 100.0,
        provider = (stack_plan - floor_plan).max(0.0),
    );
    println!("\n{section}");
    write_section("(e) plan against Terraform's floor", &section);
    summary_row(
        "e1",
        "`terraform plan` of the `terraform-main` stack against Terraform's floor",
        &format!("{stack_plan:.2} s vs {floor_plan:.2} s: provider {:.0} %", share * 100.0),
        "",
    );

    bed.emulator.set_config(json!({"rds_creating_seconds": 1, "dms_instance_creating_seconds": 1, "latency_ms": 0}));
    let t0 = Instant::now();
    wd.destroy();
    println!("  terraform destroy wall time:     {:>7.1} s   (1 s transitions)", t0.elapsed().as_secs_f64());
}
