#!/usr/bin/env python3
"""`make bench`: every benchmark of issue 16 in one run, then the summary table.

1. (f) the builds a newcomer waits for: the provider's debug build (as the acceptance harness and
   `make demo` build it) and its release build, each timed (wall) with the peak memory of its whole
   process tree (cargo and every rustc and build script) and of its largest single process, both
   sampled from /proc every 0.2 s. Figures are taken only when the build starts from nothing (a
   fresh clone, or an empty CARGO_TARGET_DIR); otherwise the build runs untimed and the last fresh
   figures stay in bench/results.md.
2. (a) start-up and (b) in-process RPCs: `cargo bench` (provider/benches/start.rs, rpc.rs) on the
   release build of step 1.
3. (c), (d), (e): the acceptance benchmarks (tests/examples/bench_*.rs), debug-built drivers that
   run the release binary of step 1 against the emulator (DMSLINK_PROVIDER_BIN).

Each step's wall time is printed; the summary section of bench/results.md (written by the Rust
benchmarks) is printed last. Only the standard library: this runs before any venv exists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "terraform-provider-dmslink"


def target_dir() -> Path:
    configured = os.environ.get("CARGO_TARGET_DIR")
    return Path(configured) if configured else ROOT / "target"


def children_of() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/<pid>/stat."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kib(root: int) -> tuple[int, int]:
    """(summed RSS, largest single RSS) in KiB of `root` and its descendants."""
    tree = children_of()
    total, largest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        rss = rss_kib(pid)
        total += rss
        largest = max(largest, rss)
        todo.extend(tree.get(pid, []))
    return total, largest


def run_sampled(cmd: list[str], env: dict[str, str]) -> tuple[int, float, int, int]:
    """Runs `cmd`; (exit code, wall seconds, peak KiB of the process tree's summed RSS, peak KiB of
    its largest process)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    peak, largest = 0, 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, largest
        while not done.is_set():
            total, single = tree_rss_kib(proc.pid)
            peak, largest = max(peak, total), max(largest, single)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    return code, wall, peak, largest


def profile_is_empty(profile_dir: Path) -> bool:
    fingerprints = profile_dir / ".fingerprint"
    return not fingerprints.is_dir() or not any(fingerprints.iterdir())


def timed_build(release: bool, env: dict[str, str]) -> dict | None:
    """Builds the provider binary; its figures when the build started from nothing, else None."""
    name = "release" if release else "debug"
    fresh = profile_is_empty(target_dir() / name)
    # Release: the build `make install` and a release make. Debug: the build a newcomer's first `make demo`
    # or `make test` waits for, the acceptance harness's (tests/src/provider.rs: `--features fakes`), which
    # the drivers of step 3 then share.
    profile_args = ["--release"] if release else ["--features", "fakes"]
    cmd = ["cargo", "build", "--locked", "-p", PACKAGE, "--bin", PACKAGE] + profile_args
    print(f"== (f) {name} build{'' if fresh else ' (not from nothing: untimed)'}: {' '.join(cmd)}", flush=True)
    code, wall, peak_tree, largest = run_sampled(cmd, env)
    if code != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({code})")
    if not fresh:
        return None
    return {
        "profile": name,
        "command": " ".join(cmd),
        "wall_s": round(wall, 1),
        "peak_tree_mib": round(peak_tree / 1024, 1),
        "largest_process_mib": round(largest / 1024, 1),
    }


def step(title: str, cmd: list[str], env: dict[str, str]) -> None:
    print(f"== {title}: {' '.join(cmd)}", flush=True)
    t0 = time.monotonic()
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code != 0:
        sys.exit(f"bench: {title} failed ({code})")
    print(f"== {title}: {time.monotonic() - t0:.0f} s", flush=True)


def print_summary() -> None:
    text = (ROOT / "bench" / "results.md").read_text(encoding="utf-8")
    start = text.find("\n## Summary")
    if start < 0:
        print("bench: bench/results.md has no Summary section")
        return
    end = text.find("\n## ", start + 1)
    print(text[start:end if end >= 0 else None].strip())


def main() -> None:
    t0 = time.monotonic()
    env = dict(os.environ)
    builds = [b for b in (timed_build(False, env), timed_build(True, env)) if b]
    figures = target_dir() / "bench" / "build.json"
    figures.parent.mkdir(parents=True, exist_ok=True)
    figures.write_text(json.dumps(builds, indent=2), encoding="utf-8")
    binary = target_dir() / "release" / PACKAGE

    bench_env = dict(env, BENCH_PROVIDER_BINARY=str(binary), BENCH_BUILD_FIGURES=str(figures))
    step("(a) start-up", ["cargo", "bench", "-q", "-p", PACKAGE, "--bench", "start"], bench_env)
    step("(b) in-process RPCs", ["cargo", "bench", "-q", "-p", PACKAGE, "--bench", "rpc"], bench_env)

    venv = env.get("DMSLINK_VENV") or str(ROOT / ".venv")
    acc_env = dict(env, DMSLINK_VENV=venv, DMSLINK_PROVIDER_BIN=str(binary))
    for example in ("bench_refresh", "bench_main_create"):
        step(f"{example}", ["cargo", "run", "-q", "-p", "dmslink-acctest", "--example", example], acc_env)

    print(f"\n== make bench: {(time.monotonic() - t0) / 60:.1f} min in all\n")
    print_summary()


if __name__ == "__main__":
    main()
