#!/usr/bin/env python3
"""Package built provider binaries the way the Terraform Registry (and .goreleaser.yml) lays them out.

For each target platform <os>_<arch> (Terraform's names: linux_amd64, linux_arm64, darwin_arm64, ...):

    <out>/terraform-provider-dmslink_<version>_<os>_<arch>.zip   holding terraform-provider-dmslink_v<version> (0755)
    <out>/terraform-provider-dmslink_<version>_manifest.json     copy of terraform-registry-manifest.json
    <out>/terraform-provider-dmslink_<version>_SHA256SUMS        "<sha256>  <file>" per zip and the manifest, sorted by file name

The zips are reproducible: every entry carries the time of SOURCE_DATE_EPOCH, else of the last commit,
and fixed attributes, so the same binary gives the same zip and the same `zh:` hash in a lock file.
`--mirror DIR` also lays the zips out as a Terraform/OpenTofu *packed* filesystem mirror:
<DIR>/<host>/dmslink/dmslink/terraform-provider-dmslink_<version>_<os>_<arch>.zip for both registry hosts.

Used by `make release-local` and by the acceptance test tests/tests/release.rs (one code path).
Python 3.11 standard library only.

    release/package.py --binary target/release/terraform-provider-dmslink [--platform linux_amd64] --out dist
    release/package.py --target linux_amd64=path/a --target linux_arm64=path/b --out dist --mirror dist/mirror
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform as host_platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parent.parent
PROJECT = "terraform-provider-dmslink"  # also the cargo bin name and .goreleaser.yml's project_name
NAMESPACE = "dmslink"
TYPE = "dmslink"
HOSTS = ("registry.terraform.io", "registry.opentofu.org")
# zip's DOS timestamps start in 1980; an earlier SOURCE_DATE_EPOCH is clamped to it.
ZIP_EPOCH = 315532800
PLATFORM_RE = re.compile(r"^[a-z0-9]+_[a-z0-9]+$")


def workspace_version() -> str:
    """[workspace.package] version of the workspace Cargo.toml."""
    with open(WORKSPACE / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["workspace"]["package"]["version"]


def host_target() -> str:
    """<os>_<arch> of this machine, as Terraform names it."""
    os_name = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows", "FreeBSD": "freebsd"}.get(
        host_platform.system(), host_platform.system().lower()
    )
    machine = host_platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386", "i386": "386"}.get(
        machine, machine
    )
    return f"{os_name}_{arch}"


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH, else the last commit's time, else the zip epoch (reproducible either way)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        return max(int(value), ZIP_EPOCH)
    try:
        out = subprocess.run(
            ["git", "-C", str(WORKSPACE), "log", "-1", "--format=%ct"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return max(int(out), ZIP_EPOCH)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return ZIP_EPOCH


def binary_name(version: str, target: str) -> str:
    """Name of the executable inside the zip: the registry's terraform-provider-<type>_v<version>."""
    suffix = ".exe" if target.startswith("windows_") else ""
    return f"{PROJECT}_v{version}{suffix}"


def zip_name(version: str, target: str) -> str:
    return f"{PROJECT}_{version}_{target}.zip"


def manifest_name(version: str) -> str:
    return f"{PROJECT}_{version}_manifest.json"


def sums_name(version: str) -> str:
    return f"{PROJECT}_{version}_SHA256SUMS"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_zip(binary: Path, dest: Path, entry_name: str, epoch: int) -> None:
    """One entry, fixed time, mode 0755 (Unix attributes), deflated: the same bytes for the same binary."""
    info = zipfile.ZipInfo(entry_name, date_time=time.gmtime(epoch)[:6])
    info.create_system = 3  # Unix, so unzip and Terraform honour the mode bits below
    info.external_attr = (0o100755 << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    tmp = dest.with_name(dest.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf, open(binary, "rb") as src:
        with zf.open(info, "w") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    os.replace(tmp, dest)


def package(targets: dict[str, Path], version: str, out: Path, mirror: Path | None = None) -> list[Path]:
    """Writes the zips, the manifest and SHA256SUMS into `out` (and the packed mirror); returns what it wrote."""
    out.mkdir(parents=True, exist_ok=True)
    epoch = source_date_epoch()
    written: list[Path] = []
    # Artefacts of this version from an earlier run for other platforms would not be in the new
    # SHA256SUMS: remove them so the directory holds exactly one consistent release.
    for stale in out.glob(f"{PROJECT}_{version}_*"):
        if stale.is_file():
            stale.unlink()
    for target, binary in sorted(targets.items()):
        dest = out / zip_name(version, target)
        write_zip(binary, dest, binary_name(version, target), epoch)
        written.append(dest)
    manifest = out / manifest_name(version)
    shutil.copyfile(WORKSPACE / "terraform-registry-manifest.json", manifest)
    written.append(manifest)
    sums = out / sums_name(version)
    # Sorted by file name (not by the line, whose order would follow the hashes and change with them).
    lines = [f"{sha256_file(p)}  {p.name}\n" for p in sorted(written, key=lambda p: p.name)]
    sums.write_text("".join(lines))
    written.append(sums)
    if mirror is not None:
        for host in HOSTS:
            pkg_dir = mirror / host / NAMESPACE / TYPE
            pkg_dir.mkdir(parents=True, exist_ok=True)
            for target in sorted(targets):
                dest = pkg_dir / zip_name(version, target)
                shutil.copyfile(out / zip_name(version, target), dest)
                written.append(dest)
    return written


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", type=Path, help="built binary for --platform (default: this machine's platform)")
    p.add_argument("--platform", help="<os>_<arch> of --binary (default: %(default)s)", default=host_target())
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="OS_ARCH=PATH",
        help="a built binary for another platform (repeatable)",
    )
    p.add_argument("--version", default=None, help="default: the workspace version in Cargo.toml")
    p.add_argument("--out", type=Path, default=WORKSPACE / "dist", help="output directory (default: dist/)")
    p.add_argument("--mirror", type=Path, help="also write a packed filesystem mirror here")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    version = args.version or workspace_version()
    targets: dict[str, Path] = {}
    if args.binary is not None:
        targets[args.platform] = args.binary
    for spec in args.target:
        name, sep, path = spec.partition("=")
        if not sep or not path:
            print(f"package.py: --target wants <os>_<arch>=<path>, got {spec!r}", file=sys.stderr)
            return 2
        targets[name] = Path(path)
    if not targets:
        print("package.py: nothing to package: give --binary or --target", file=sys.stderr)
        return 2
    for target, binary in targets.items():
        if not PLATFORM_RE.match(target):
            print(f"package.py: {target!r} is not <os>_<arch> (e.g. linux_amd64)", file=sys.stderr)
            return 2
        if not binary.is_file():
            print(f"package.py: no binary at {binary} (for {target})", file=sys.stderr)
            return 2
    written = package(targets, version, args.out, args.mirror)
    print(f"packaged {PROJECT} {version} for {', '.join(sorted(targets))} (zip entry times: {source_date_epoch()}):")
    for path in written:
        print(f"  {path}")
    print(f"{sums_name(version)}:")
    print((args.out / sums_name(version)).read_text(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
