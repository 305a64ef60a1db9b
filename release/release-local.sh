#!/usr/bin/env bash
# `make release-local`: the release artefacts GoReleaser would publish, built on this machine into
# dist/ (release/package.py lays them out). Always the host platform; linux_arm64 too when cargo-zigbuild
# and zig are there (on PATH or in .cache/release-venv), or when asked with RELEASE_TARGETS=linux_arm64,
# which installs them from PyPI into .cache/release-venv (never into the test venv). Says at the end what
# it built and what it skipped, and why.
#
# Environment: PYTHON (default python3), RELEASE_DIR (default dist), RELEASE_TARGETS (extra <os>_<arch>,
# space separated), CARGO_TARGET_DIR (respected).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
OUT=${RELEASE_DIR:-dist}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
RELEASE_VENV=.cache/release-venv
PACKAGE=terraform-provider-dmslink
host=$("$PYTHON" -B -c 'import sys; sys.path.insert(0, "release"); import package; print(package.host_target())')

built=()
skipped=()
args=()

start=$(date +%s)
echo "== cargo build --release --locked -p $PACKAGE ($host)"
cargo build --release --locked -p "$PACKAGE"
echo "   release build: $(( $(date +%s) - start )) s"
built+=("$host")
args+=(--binary "$TARGET_DIR/release/$PACKAGE" --platform "$host")

# Cross targets GoReleaser builds with zig. darwin is not among them: linking aws-lc and
# security-framework needs the Apple SDK, so those artefacts come from a macOS runner.
extra=${RELEASE_TARGETS:-}
zig_available() {
  command -v cargo-zigbuild >/dev/null 2>&1 && { command -v zig >/dev/null 2>&1 || python3 -c 'import ziglang' 2>/dev/null; }
}
if [ -x "$RELEASE_VENV/bin/cargo-zigbuild" ]; then
  export PATH="$PWD/$RELEASE_VENV/bin:$PATH"
fi
if [ -z "$extra" ] && zig_available && [ "$host" != linux_arm64 ]; then
  extra=linux_arm64
fi
if [ -n "$extra" ] && ! zig_available; then
  echo "== installing cargo-zigbuild and ziglang into $RELEASE_VENV (PyPI)"
  [ -x "$RELEASE_VENV/bin/python" ] || "$PYTHON" -m venv "$RELEASE_VENV"
  "$RELEASE_VENV/bin/python" -m pip install -q cargo-zigbuild ziglang
  export PATH="$PWD/$RELEASE_VENV/bin:$PATH"
fi
if [ -z "$extra" ] && [ "$host" != linux_arm64 ]; then
  skipped+=("linux_arm64: no cargo-zigbuild/zig here (RELEASE_TARGETS=linux_arm64 installs them into $RELEASE_VENV)")
fi

for t in $extra; do
  [ "$t" = "$host" ] && continue
  case "$t" in
    linux_amd64) triple=x86_64-unknown-linux-gnu ;;
    linux_arm64) triple=aarch64-unknown-linux-gnu ;;
    darwin_*) skipped+=("$t: needs the Apple SDK to link (built on a macOS runner)"); continue ;;
    *) skipped+=("$t: no zig cross build for it here"); continue ;;
  esac
  if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
    skipped+=("$t: the Rust standard library for $triple is not installed (rustup target add $triple)")
    continue
  fi
  start=$(date +%s)
  echo "== cargo zigbuild --release --locked -p $PACKAGE --target $triple"
  if cargo zigbuild --release --locked -p "$PACKAGE" --target "$triple"; then
    echo "   $t build: $(( $(date +%s) - start )) s"
    built+=("$t")
    args+=(--target "$t=$TARGET_DIR/$triple/release/$PACKAGE")
  else
    skipped+=("$t: cargo zigbuild failed (its messages are above)")
  fi
done

echo "== packaging into $OUT"
"$PYTHON" release/package.py "${args[@]}" --out "$OUT"
echo
echo "built:   ${built[*]}"
if [ ${#skipped[@]} -gt 0 ]; then
  for s in "${skipped[@]}"; do echo "skipped: $s"; done
fi
