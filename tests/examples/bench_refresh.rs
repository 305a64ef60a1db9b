//! `make bench`, refresh section (issue 16 (d)): `terraform plan` of N `dmslink_repltask` in one
//! state, and of M `dmslink_main` stacks, with the provider's coalesced DMS reads on and off
//! (`DMSLINK_COALESCE_READS=off`): wall time, the AWS calls the provider made (the emulator's
//! request log: every service but Terraform's own S3 and DynamoDB), and the provider process's peak
//! resident memory. Medians over `BENCH_REPEAT` plans (default 3); `BENCH_TASKS` (default
//! `100,500`) chooses N, `BENCH_MAINS` (default `20`) M.
//!
//! Printed and written to `bench/results.md`, never asserted: this is a benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dmslink_acctest::TestBed;
use dmslink_acctest::bench::{ProviderMemory, machine, median, summary_row, write_section};
use serde_json::json;

/// One plan's figures.
struct Run {
    wall: f64,
    calls: f64,
    peak_mib: f64,
}

struct Row {
    what: &'static str,
    count: usize,
    on: Run,
    off: Run,
}

/// `plan` of `wd` `repeat` times with coalescing on or off: median figures.
fn measure(bed: &TestBed, wd: &mut dmslink_acctest::Workdir, repeat: usize, coalesce: bool) -> Run {
    wd.set_env("DMSLINK_COALESCE_READS", if coalesce { "on" } else { "off" });
    let (mut walls, mut calls, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..repeat {
        bed.emulator.clear_requests();
        let memory = ProviderMemory::watch();
        let t0 = Instant::now();
        wd.run_ok(&["plan", "-input=false", "-no-color", "-lock=false"]);
        walls.push(t0.elapsed().as_secs_f64());
        peaks.push(memory.finish());
        let made = bed.emulator.requests().iter().filter(|r| r.service != "s3" && r.service != "dynamodb").count();
        calls.push(made as f64);
    }
    Run { wall: median(&walls), calls: median(&calls), peak_mib: median(&peaks) }
}

fn env_list(key: &str, default: &str) -> Vec<usize> {
    std::env::var(key)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// Which provider build the plans ran: `bench/run.py` hands over the release binary.
fn provider_build() -> String {
    match dmslink_acctest::provider_binary_override() {
        Some(bin) => format!("`{}`", bin.strip_prefix(dmslink_acctest::workspace_root()).unwrap_or(&bin).display()),
        None => "the debug build of the acceptance harness".to_string(),
    }
}

fn main() {
    let sizes = env_list("BENCH_TASKS", "100,500");
    let repeat = env_list("BENCH_REPEAT", "3").first().copied().unwrap_or(3).max(1);
    let Some(bed) = TestBed::start("bench_refresh") else {
        eprintln!("bench: the test bed is incomplete (see the note above)");
        std::process::exit(1);
    };
    let cli = bed.clis().iter().max_by_key(|c| c.version).expect("at least one CLI").clone();
    // Tasks settle at once: this measures reading them, not making them.
    bed.emulator.set_config(json!({"transition_seconds": 0.1}));
    let mut rows = Vec::new();
    for &n in &sizes {
        let stack = bed.fixtures().dms_stack(&format!("bench-{n}"), 1);
        let mut wd = bed.workdir(&cli, "bench-repltasks");
        wd.set_var("replication_instance_arn", stack.replication_instance_arn())
            .set_var("dms_source_arn", &stack.source_endpoint_arn)
            .set_var("dms_target_arn", &stack.target_endpoint_arn)
            .set_var("task_prefix", format!("bench{n}"))
            .set_var("task_count", n.to_string())
            .set_timeout(Duration::from_secs(20 * 60));
        wd.init();
        let t0 = Instant::now();
        wd.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=40"]);
        eprintln!("bench: {n} tasks created in {:.0} s", t0.elapsed().as_secs_f64());

        let on = measure(&bed, &mut wd, repeat, true);
        let off = measure(&bed, &mut wd, repeat, false);
        rows.push(Row { what: "dmslink_repltask", count: n, on, off });
    }

    for m in env_list("BENCH_MAINS", "20") {
        bed.fixtures().dms_vpc_role();
        let mut wd = bed.workdir(&cli, "bench-mains");
        wd.set_var("stack_count", m.to_string())
            .set_var("password", "Bench-main-pw-1")
            .set_timeout(Duration::from_secs(20 * 60));
        wd.init();
        let t0 = Instant::now();
        wd.run_ok(&["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20"]);
        eprintln!("bench: {m} stacks created in {:.0} s", t0.elapsed().as_secs_f64());
        let on = measure(&bed, &mut wd, repeat, true);
        let off = measure(&bed, &mut wd, repeat, false);
        rows.push(Row { what: "dmslink_main", count: m, on, off });
    }

    let mut table = String::new();
    table.push_str(&format!(
        "`terraform plan` of N resources of one type in one state ({cli}, default `-parallelism=10`; the \
         `dmslink_main` stacks have two on-premises sources and an on-premises target each, no RDS), median of \
         {repeat}; provider: {binary}; machine: {machine}\n\n",
        cli = cli.label,
        binary = provider_build(),
        machine = machine()
    ));
    table
        .push_str("| resources | N | coalescing | wall s | AWS calls | calls per resource | provider peak RSS MiB |\n");
    table.push_str("|---|---:|---|---:|---:|---:|---:|\n");
    for r in &rows {
        for (mode, run) in [("on", &r.on), ("off", &r.off)] {
            table.push_str(&format!(
                "| `{}` | {} | {mode} | {:.1} | {:.0} | {:.2} | {:.1} |\n",
                r.what,
                r.count,
                run.wall,
                run.calls,
                run.calls / r.count as f64,
                run.peak_mib
            ));
        }
    }
    table.push('\n');
    for r in &rows {
        table.push_str(&format!(
            "- {} × `{}`: coalescing makes {:.1}× fewer AWS calls (off/on), wall time off/on {:.2}×\n",
            r.count,
            r.what,
            r.off.calls / r.on.calls.max(1.0),
            r.off.wall / r.on.wall.max(f64::MIN_POSITIVE)
        ));
    }
    println!("\n{table}");
    let path = write_section("(d) refresh of many resources", &table);
    for (i, r) in rows.iter().enumerate() {
        let target = if r.what == "dmslink_repltask" && r.count >= 500 { "≤ 10 calls, ≤ 50 MB" } else { "" };
        summary_row(
            &format!("d{}", i + 1),
            &format!("refresh of {} `{}`, coalescing on/off: AWS calls, wall, provider peak RSS", r.count, r.what),
            &format!(
                "{:.0}/{:.0} calls, {:.1}/{:.1} s, {:.1}/{:.1} MiB",
                r.on.calls, r.off.calls, r.on.wall, r.off.wall, r.on.peak_mib, r.off.peak_mib
            ),
            target,
        );
    }
    println!("written to {}", path.display());
}
