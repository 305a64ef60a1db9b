#!/usr/bin/env bash
# The dmslink demo against the local AWS emulator (`make demo`, `make demo-destroy`).
#
#   scripts/demo.sh up       set up what is needed, start the emulator in the background, create the
#                            state bucket, lock table, source snapshot and dms-vpc-role in it, apply
#                            examples-hcl/terraform-main, then examples-hcl/terraform-repltask with
#                            main's outputs; create an application VPC (10.50.0.0/16, standing in for
#                            the user's existing one; found by its Name tag on a second run) and apply
#                            examples-hcl/peering to peer it with the stack's VPC (the stack read with
#                            the dmslink_main data source); print what was built; refresh the task
#                            (apply -refresh-only) and print its progress and per-table statistics
#                            (dmslink_repltask_tables). Running it again changes nothing.
#   scripts/demo.sh destroy  destroy the peering, then the task, then the stack; delete the application
#                            VPC; check the emulator holds nothing tagged dmslink:stack, no live peering
#                            and no application VPC. The emulator keeps running (`make emulator-stop`
#                            ends it).
#
# Everything lives under .cache/demo/ (ignored by git): the provider's filesystem mirror, the CLI
# configuration, and copies of the three example modules with the emulator's backend settings.
# Nothing here talks to real AWS: every AWS_* variable of the caller's environment is dropped and
# the shared AWS config and credentials files are pointed at files that do not exist.
#
# Environment: TERRAFORM=<path> picks the CLI (default: `terraform` on PATH if it is 1.x, else the
# pinned Terraform 1.0.3 from the venv); DMSLINK_PROVIDER_BIN=<path> uses that provider binary instead
# of building one (as in the acceptance tests); MAKE, CARGO and CARGO_TARGET_DIR as usual.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

MAKE=${MAKE:-make}
CARGO=${CARGO:-cargo}
DEMO_DIR=$ROOT/.cache/demo
VENV_PY=$ROOT/.venv/bin/python
FIXTURES=$ROOT/tests/emulator/fixtures.py
EMU_DIR=$ROOT/.cache/emulator

PACKAGE=terraform-provider-dmslink
BINARY=terraform-provider-dmslink
NAMESPACE=dmslink
TYPE=dmslink
HOSTS=(registry.terraform.io registry.opentofu.org)

REGION=ap-southeast-2
STATE_BUCKET=tfstate-dblink
LOCK_TABLE=terraform-lock-db
SOURCE_SNAPSHOT=dblink-demo-oracle-snapshot
TASK_ID=dblink-demo-task
# The application VPC peered with the stack: its CIDR must not overlap terraform-main's
# network.vpc_cidr (10.20.0.0/24).
APP_VPC_NAME=dblink-demo-app
APP_VPC_CIDR=10.50.0.0/16

# The example modules' inputs (demo values; the password arguments are sensitive and never printed).
MAIN_VARS=(
  "source_snapshot=$SOURCE_SNAPSHOT"
  "source_db_name=ORCL"
  "source_app_username=dms_reader"
  "source_app_password=demo-Source-pw-1"
  "target_db_name=dblink"
  "target_username=dblink_admin"
  "target_password=demo-Target-pw-1"
)

START=$SECONDS
STEP_START=$SECONDS
STEP=0
STEPS=0

say() { printf '%s\n' "$*"; }
die() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}
step() {
  STEP=$((STEP + 1))
  STEP_START=$SECONDS
  printf '\n==> [%d/%d] %s\n' "$STEP" "$STEPS" "$*"
}
done_step() { printf '    (%d s)\n' $((SECONDS - STEP_START)); }

# Only our own settings reach the CLI, the provider and boto3: no caller AWS_* (profiles, endpoints,
# real credentials) and no TF_* (workspaces, data dirs, CLI args, plugin caches); TF_LOG* stays for
# debugging.
clean_env() {
  local var
  for var in $(compgen -e); do
    case $var in
      TF_LOG | TF_LOG_PATH | TF_LOG_CORE | TF_LOG_PROVIDER) ;;
      AWS_* | TF_* | CHECKPOINT_*) unset "$var" ;;
    esac
  done
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
  export AWS_EC2_METADATA_DISABLED=true
  export AWS_CONFIG_FILE=$DEMO_DIR/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$DEMO_DIR/no-aws-credentials
  export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
}

# ------------------------------------------------------------------ setup

setup_venv() {
  "$MAKE" -s --no-print-directory venv
  [ -x "$VENV_PY" ] || die "make venv left no $VENV_PY"
}

# Debug build of the provider binary (CARGO_TARGET_DIR honoured by cargo itself); the path comes from
# cargo's compiler-artifact message, as in tests/src/provider.rs.
build_provider() {
  local out
  if [ -n "${DMSLINK_PROVIDER_BIN:-}" ]; then
    [ -f "$DMSLINK_PROVIDER_BIN" ] || die "DMSLINK_PROVIDER_BIN=$DMSLINK_PROVIDER_BIN is not a file"
    PROVIDER_BIN=$DMSLINK_PROVIDER_BIN
    PROVIDER_VERSION=$(provider_version)
    say "    provider $PROVIDER_VERSION: $PROVIDER_BIN (\$DMSLINK_PROVIDER_BIN, not built)"
    return
  fi
  out=$("$CARGO" build --manifest-path "$ROOT/Cargo.toml" -p "$PACKAGE" --bin "$BINARY" \
    --message-format=json-render-diagnostics |
    "$VENV_PY" -c '
import json, sys
exe = None
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == sys.argv[1] and msg.get("executable"):
        exe = msg["executable"]
print(exe or "")
' "$BINARY") || die "building the provider failed (cargo's messages are above)"
  [ -n "$out" ] && [ -f "$out" ] || die "cargo built no $BINARY executable"
  PROVIDER_BIN=$out
  PROVIDER_VERSION=$(provider_version)
  say "    provider $PROVIDER_VERSION: $PROVIDER_BIN"
}

# The provider package's version (the version installed into the mirror), from cargo metadata.
provider_version() {
  "$CARGO" metadata --manifest-path "$ROOT/Cargo.toml" --no-deps --format-version 1 |
    "$VENV_PY" -c '
import json, sys
doc = json.load(sys.stdin)
print(next(p["version"] for p in doc["packages"] if p["name"] == sys.argv[1]))
' "$PACKAGE"
}

# `<os>_<arch>` as Terraform names this platform.
platform() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  arch=$(uname -m)
  case $arch in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    i?86) arch=386 ;;
  esac
  printf '%s_%s' "$os" "$arch"
}

# The filesystem mirror and CLI configuration of tests/src/provider.rs (Mirror::install): the binary
# under both registry hosts, the mirror for dmslink/dmslink, direct installation for anything else.
install_mirror() {
  local mirror=$DEMO_DIR/mirror host dir dest addrs=""
  for host in "${HOSTS[@]}"; do
    dir=$mirror/$host/$NAMESPACE/$TYPE/$PROVIDER_VERSION/$(platform)
    dest=$dir/${BINARY}_v$PROVIDER_VERSION
    mkdir -p "$dir"
    if ! cmp -s "$PROVIDER_BIN" "$dest"; then
      cp "$PROVIDER_BIN" "$dest.tmp"
      chmod 755 "$dest.tmp"
      mv -f "$dest.tmp" "$dest"
    fi
    addrs+="${addrs:+, }\"$host/$NAMESPACE/$TYPE\""
  done
  CLI_CONFIG=$DEMO_DIR/cli.tfrc
  cat >"$CLI_CONFIG" <<EOT
# Written by scripts/demo.sh (the same settings as the acceptance tests).
disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = [$addrs]
  }
  direct {
    exclude = [$addrs]
  }
}
EOT
  export TF_CLI_CONFIG_FILE=$CLI_CONFIG
  say "    mirror $mirror, CLI configuration $CLI_CONFIG"
}

# Prints "<flavor> <version>" of a Terraform-compatible CLI, or fails.
probe_cli() {
  "$1" version -json 2>/dev/null | "$VENV_PY" -c '
import json, os, sys
doc = json.load(sys.stdin)
version = (doc.get("terraform_version") or doc.get("version") or "").lstrip("v")
flavor = "tofu" if "tofu" in os.path.basename(sys.argv[1]).lower() or "tofu_version" in doc else "terraform"
if not version:
    sys.exit(1)
print(flavor, version)
' "$1"
}

# TERRAFORM if set; else `terraform` on PATH when it is 1.x; else the venv's pinned Terraform 1.0.3.
choose_cli() {
  local found="" origin="" info
  if [ -n "${TERRAFORM:-}" ]; then
    found=$(command -v "$TERRAFORM" || true)
    [ -n "$found" ] || die "TERRAFORM=$TERRAFORM is not an executable"
    origin="\$TERRAFORM"
    info=$(probe_cli "$found") || die "\`$found version -json\` failed"
  elif found=$(command -v terraform) && info=$(probe_cli "$found") && [[ ${info#* } == 1.* ]]; then
    origin="PATH"
  else
    [ -n "$found" ] && say "    ignoring $found on PATH (${info:-no version}; the demo wants Terraform 1.x)"
    found=$("$MAKE" -s --no-print-directory terraform-path)
    origin="pinned, venv"
    info=$(probe_cli "$found") || die "\`$found version -json\` failed"
  fi
  TF=$found
  TF_FLAVOR=${info%% *}
  TF_VERSION=${info#* }
  TF_LABEL="$TF_FLAVOR $TF_VERSION ($origin)"
  say "    using $TF_LABEL at $TF"
}

# True when the S3 backend takes `endpoints = {...}` / `use_path_style` (Terraform >= 1.6, OpenTofu).
backend_has_endpoints_block() {
  [ "$TF_FLAVOR" = tofu ] && return 0
  local major minor
  IFS=. read -r major minor _ <<<"$TF_VERSION"
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 6 ]; }
}

emulator_running() {
  [ -f "$EMU_DIR/pid" ] && [ -f "$EMU_DIR/port" ] &&
    kill -0 "$(cat "$EMU_DIR/pid")" 2>/dev/null &&
    grep -q server.py "/proc/$(cat "$EMU_DIR/pid")/cmdline" 2>/dev/null
}

start_emulator() {
  "$MAKE" -s --no-print-directory emulator | sed -n '/^emulator /s/^/    /p'
  emulator_running || die "the emulator is not running; see $EMU_DIR/server.log"
  use_emulator
}

use_emulator() {
  export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$EMU_DIR/port")"
  say "    AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
}

fixture() {
  "$VENV_PY" "$FIXTURES" "$1" --endpoint "$AWS_ENDPOINT_URL" --region "$REGION" "${@:2}"
}

# A fresh copy of examples-hcl/<module> in .cache/demo/<module> with the emulator's backend settings
# (the module's own bucket, key, table and region stay as written).
prepare_module() {
  local module=$1 dst=$DEMO_DIR/$1 e
  rm -rf "$dst"
  cp -R "$ROOT/examples-hcl/$module" "$dst"
  rm -rf "$dst/.terraform" "$dst/.terraform.lock.hcl" "$dst"/*.tfstate* "$dst"/*.tfbackend
  e="\"$AWS_ENDPOINT_URL\""
  if backend_has_endpoints_block; then
    cat >"$dst/emulator.s3.tfbackend" <<EOT
# Written by scripts/demo.sh for $TF_LABEL: the S3 backend in the local emulator.
endpoints = {
  s3       = $e
  dynamodb = $e
  sts      = $e
  iam      = $e
}
use_path_style              = true
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true
EOT
  else
    cat >"$dst/emulator.s3.tfbackend" <<EOT
# Written by scripts/demo.sh for $TF_LABEL: the S3 backend in the local emulator.
endpoint                    = $e
dynamodb_endpoint           = $e
sts_endpoint                = $e
iam_endpoint                = $e
force_path_style            = true
skip_credentials_validation = true
skip_metadata_api_check     = true
skip_region_validation      = true
EOT
  fi
}

COLOR=()
[ -t 1 ] || COLOR=(-no-color)

# tf <module> <args...>: the CLI in the demo's copy of the module.
tf() {
  local module=$1
  shift
  "$TF" -chdir="$DEMO_DIR/$module" "$@"
}

tf_init() {
  tf "$1" init -input=false "${COLOR[@]}" -backend-config=emulator.s3.tfbackend >"$DEMO_DIR/$1.init.log" 2>&1 ||
    {
      cat "$DEMO_DIR/$1.init.log" >&2
      die "terraform init failed in $DEMO_DIR/$1"
    }
  say "    $1: initialised (log $DEMO_DIR/$1.init.log)"
}

# Runs "$@" with TF_VAR_<name>=<value> for each name=value in the array named by $1.
with_vars() {
  local -n vars=$1
  shift
  local kv envs=()
  for kv in "${vars[@]}"; do envs+=("TF_VAR_$kv"); done
  env "${envs[@]}" "$@"
}

# The JSON of `output -json` of a module as {name: value}; {} when there is no state.
outputs_json() {
  local text
  text=$(tf "$1" output -json 2>/dev/null) || text='{}'
  "$VENV_PY" -c '
import json, sys
doc = json.loads(sys.argv[1].strip() or "{}")
print(json.dumps({k: v.get("value") for k, v in doc.items()}))
' "$text"
}

# The dmslink_main resource's identifiers from `show -json` of terraform-main (no secrets) as JSON;
# {} when there is no state.
stack_json() {
  { tf terraform-main show -json 2>/dev/null || echo '{}'; } | "$VENV_PY" -c '
import json, sys
text = sys.stdin.read().strip()
doc = json.loads(text) if text.startswith("{") else {}
out = {}
for r in (doc.get("values") or {}).get("root_module", {}).get("resources", []):
    if r.get("type") == "dmslink_main":
        v = r.get("values") or {}
        out = {k: v.get(k) for k in ("name", "environment", "vpc_id", "subnet_ids", "security_group_id")}
print(json.dumps(out))
'
}

json_get() { "$VENV_PY" -c 'import json, sys; v = json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"; }

# The task's inputs: main's outputs (data-source mode is not in the example yet), started, with the
# progress outputs and the per-table statistics (report_progress).
repltask_vars_from() {
  local outputs=$1
  REPLTASK_VARS=(
    "dms_source_arn=$(json_get "$outputs" dms_source_arn)"
    "dms_target_arn=$(json_get "$outputs" dms_target_arn)"
    "replication_instance_arn=$(json_get "$outputs" replication_instance_arn)"
    "replication_task_id=$TASK_ID"
    "start_replication_task=true"
    "report_progress=true"
  )
}

# The demo's application VPC (tag Name=$APP_VPC_NAME) as {"vpc_id", "cidr", "route_table_ids"}; {}
# when the emulator has none.
app_vpc_json() {
  "$VENV_PY" - "$APP_VPC_NAME" <<'EOF'
import json, os, sys
import boto3

ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [sys.argv[1]]}])["Vpcs"]
if len(vpcs) > 1:
    sys.exit(f"more than one VPC is tagged Name={sys.argv[1]}: {', '.join(v['VpcId'] for v in vpcs)}")
out = {}
if vpcs:
    vpc = vpcs[0]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]
    out = {"vpc_id": vpc["VpcId"], "cidr": vpc["CidrBlock"], "route_table_ids": sorted(t["RouteTableId"] for t in tables)}
print(json.dumps(out))
EOF
}

# The application VPC: the one found by its Name tag, else a new one from the fixtures (two subnets,
# as an application's VPC would have). Sets APP_VPC_ID.
ensure_app_vpc() {
  local json how=found
  json=$(app_vpc_json) || die "looking up the application VPC failed"
  if [ -z "$(json_get "$json" vpc_id)" ]; then
    fixture vpc --name "$APP_VPC_NAME" --cidr "$APP_VPC_CIDR" --subnets 2 >/dev/null ||
      die "creating the application VPC failed (tests/emulator/fixtures.py vpc)"
    json=$(app_vpc_json) || die "looking up the application VPC failed"
    how=created
  fi
  APP_VPC_ID=$(json_get "$json" vpc_id)
  [ -n "$APP_VPC_ID" ] || die "the fixture made no VPC tagged Name=$APP_VPC_NAME"
  say "    $how VPC $APP_VPC_ID (Name=$APP_VPC_NAME, $(json_get "$json" cidr)), route tables $(json_get "$json" route_table_ids | tr -d "[]'")"
}

# Deletes the VPC tagged Name=$APP_VPC_NAME and what the fixtures put in it (subnets, security groups,
# route tables, internet gateways); prints what it deleted.
delete_app_vpc() {
  "$VENV_PY" - "$APP_VPC_NAME" <<'EOF'
import os, sys
import boto3

ec2 = boto3.client("ec2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [sys.argv[1]]}])["Vpcs"]
if not vpcs:
    print(f"    no VPC tagged Name={sys.argv[1]}: nothing to delete")
for vpc in vpcs:
    vpc_id = vpc["VpcId"]
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    for eni in ec2.describe_network_interfaces(Filters=flt)["NetworkInterfaces"]:
        sys.exit(f"    {vpc_id} still has network interface {eni['NetworkInterfaceId']}; not deleting it")
    for table in ec2.describe_route_tables(Filters=flt)["RouteTables"]:
        if any(a.get("Main") for a in table.get("Associations", [])):
            continue
        for assoc in table.get("Associations", []):
            ec2.disassociate_route_table(AssociationId=assoc["RouteTableAssociationId"])
        ec2.delete_route_table(RouteTableId=table["RouteTableId"])
    for subnet in ec2.describe_subnets(Filters=flt)["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for group in ec2.describe_security_groups(Filters=flt)["SecurityGroups"]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"])
    for igw in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc_id)
    print(f"    deleted VPC {vpc_id} (Name={sys.argv[1]}, {vpc['CidrBlock']}) with its subnets, route tables and security groups")
EOF
}

# The peering module's inputs.
peering_vars_for() {
  PEERING_VARS=("app_vpc_id=$1")
}

# True when the module's state holds resources (`state list` prints none for an empty or missing state).
has_resources() {
  [ -n "$(tf "$1" state list 2>/dev/null | grep -v '^data\.')" ]
}

common_setup() {
  step "Python venv (moto, boto3, Terraform 1.0.3): make venv"
  setup_venv
  done_step

  step "Provider: cargo build -p $PACKAGE --bin $BINARY"
  build_provider # in the caller's environment, so that cargo sees what a plain `cargo build` sees
  clean_env
  install_mirror
  done_step

  step "Terraform CLI"
  choose_cli
  done_step
}

# ------------------------------------------------------------------ up

summary() {
  local main_out=$1 task_out=$2 peering_out=$3 app_vpc=$4
  "$VENV_PY" - "$main_out" "$task_out" "$(stack_json)" "$peering_out" "$app_vpc" <<'EOF'
import json, os, sys
import boto3

main = json.loads(sys.argv[1])
task = json.loads(sys.argv[2])
stack = json.loads(sys.argv[3])
peering = json.loads(sys.argv[4])
app_vpc = json.loads(sys.argv[5])

dms = boto3.client("dms", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
status = "?"
arn = task.get("replication_task_arn") or ""
if arn:
    found = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}], WithoutSettings=True
    )["ReplicationTasks"]
    if found:
        t = found[0]
        status = t.get("Status", "?")
        stats = t.get("ReplicationTaskStats") or {}
        if "FullLoadProgressPercent" in stats:
            status += f" (full load {stats['FullLoadProgressPercent']}%)"

rows = [
    ("Stack", f"{stack.get('name', '?')}-{stack.get('environment', '?')} in {os.environ['AWS_REGION']}"),
    ("VPC", stack.get("vpc_id")),
    ("  subnets", ", ".join(stack.get("subnet_ids") or [])),
    ("  security group", stack.get("security_group_id")),
    ("  VPN gateway", main.get("vpn_gateway_id")),
    ("Source database (Oracle)", main.get("source_address")),
    ("Target database (Postgres)", main.get("target_address")),
    ("Replication instance", main.get("replication_instance_arn")),
    ("Source endpoint", main.get("dms_source_arn")),
    ("Target endpoint", main.get("dms_target_arn")),
    ("Replication task", task.get("replication_task_arn")),
    ("  status (DMS now)", status),
    ("Application VPC", f"{app_vpc.get('vpc_id', '-')} ({app_vpc.get('cidr', '-')})"),
    ("Peering", peering.get("peering_connection_id")),
    ("  status", peering.get("peering_status")),
]
for r in peering.get("routes") or []:
    rows.append(("  route", f"{r.get('route_table_id')}: {r.get('destination_cidr_block')} -> peering"))
if peering.get("target_address"):
    rows.append(("Application connects to", f"{peering['target_address']}:{peering.get('target_port')}"))
width = max(len(k) for k, _ in rows)
for k, v in rows:
    print(f"  {k:<{width}}  {v if v not in (None, '') else '-'}")
EOF
}

# The task's progress (the module's replication_task_progress output) and per-table statistics (the
# dmslink_repltask_tables data source in state, with the CDC counters the outputs leave out), as read
# by the `apply -refresh-only` just before; $1 is `output -json`, $2 `show -json` of terraform-repltask.
task_insight() {
  "$VENV_PY" - "$1" "$2" <<'EOF'
import json, sys

outputs = json.loads(sys.argv[1])
text = sys.argv[2].strip()
state = json.loads(text) if text.startswith("{") else {}
p = outputs.get("replication_task_progress") or {}

def v(x):
    return "-" if x in (None, "") else str(x)

pct = p.get("full_load_progress_percent")
print(f"  status {v(p.get('status'))}, full load {v(pct)}{'%' if pct is not None else ''}: "
      f"{v(p.get('tables_loaded'))} tables loaded, {v(p.get('tables_loading'))} loading, "
      f"{v(p.get('tables_queued'))} queued, {v(p.get('tables_errored'))} in error")
print(f"  started {v(p.get('started_at'))}, full load finished {v(p.get('full_load_finished_at'))}")
for key, label in (("stop_reason", "stop reason"), ("last_failure_message", "last failure")):
    if p.get(key):
        print(f"  {label}: {p[key]}")

tables = []
for r in (state.get("values") or {}).get("root_module", {}).get("resources", []):
    if r.get("mode") == "data" and r.get("type") == "dmslink_repltask_tables":
        tables = (r.get("values") or {}).get("tables") or []
if not tables:
    print("\n  no table statistics yet (DMS lists the tables once the task has started)")
    sys.exit(0)
cols = ("schema", "table", "state", "full load rows", "errors", "inserts", "updates", "deletes", "validation", "last update")
rows = [(t.get("schema_name"), t.get("table_name"), t.get("table_state"), t.get("full_load_rows"),
         t.get("full_load_error_rows"), t.get("inserts"), t.get("updates"), t.get("deletes"),
         t.get("validation_state"), t.get("last_update_time")) for t in tables]
rows = [tuple(v(x) for x in row) for row in rows]
widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
numeric = {3, 4, 5, 6, 7}
def line(cells):
    return "  " + "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
print()
print(line(cols))
print(line(["-" * w for w in widths]))
for row in rows:
    print(line(row))
EOF
}

up() {
  STEPS=14
  mkdir -p "$DEMO_DIR"
  say "dmslink demo: terraform-main, terraform-repltask and peering against the local AWS emulator"
  common_setup

  step "Emulator: make emulator (background; make emulator-stop ends it)"
  start_emulator
  done_step

  step "What the account already has: state bucket, lock table, source snapshot, dms-vpc-role"
  fixture state-backend --bucket "$STATE_BUCKET" --table "$LOCK_TABLE" >/dev/null
  say "    S3 bucket $STATE_BUCKET and DynamoDB table $LOCK_TABLE for the Terraform state and its lock"
  fixture source-snapshot --name "$SOURCE_SNAPSHOT" >/dev/null
  say "    RDS snapshot $SOURCE_SNAPSHOT (oracle-ee) to restore the source database from"
  fixture dms-vpc-role >/dev/null
  say "    IAM role dms-vpc-role with AmazonDMSVPCManagementRole, created here as the account's admin"
  say "    would (the module says dms_vpc_role = \"check\": it expects the role and does not create it)"
  done_step

  step "terraform-main: init"
  prepare_module terraform-main
  prepare_module terraform-repltask
  tf_init terraform-main
  done_step

  step "terraform-main: apply (VPC, VPN gateway, source and target RDS, replication instance, endpoints)"
  with_vars MAIN_VARS "$TF" -chdir="$DEMO_DIR/terraform-main" apply -auto-approve -input=false "${COLOR[@]}"
  done_step

  local main_out task_out
  main_out=$(outputs_json terraform-main)
  repltask_vars_from "$main_out"

  step "terraform-repltask: init"
  tf_init terraform-repltask
  done_step

  step "terraform-repltask: apply with main's outputs (TF_VAR_dms_source_arn, ...), started"
  say "    TF_VAR_replication_task_id=$TASK_ID TF_VAR_start_replication_task=true TF_VAR_report_progress=true"
  with_vars REPLTASK_VARS "$TF" -chdir="$DEMO_DIR/terraform-repltask" apply -auto-approve -input=false "${COLOR[@]}"
  done_step
  task_out=$(outputs_json terraform-repltask)

  step "Application VPC (stands in for the application's existing VPC): $APP_VPC_NAME, $APP_VPC_CIDR"
  ensure_app_vpc
  peering_vars_for "$APP_VPC_ID"
  done_step

  step "peering: init"
  prepare_module peering
  tf_init peering
  done_step

  step "peering: apply (the stack read with the dmslink_main data source; peering, routes, port 5432, DNS)"
  say "    TF_VAR_app_vpc_id=$APP_VPC_ID"
  with_vars PEERING_VARS "$TF" -chdir="$DEMO_DIR/peering" apply -auto-approve -input=false "${COLOR[@]}"
  done_step
  local peering_out
  peering_out=$(outputs_json peering)

  step "Summary"
  summary "$main_out" "$task_out" "$peering_out" "$(app_vpc_json)"
  done_step

  step "Replication task: progress and per-table statistics (terraform-repltask: apply -refresh-only)"
  with_vars REPLTASK_VARS "$TF" -chdir="$DEMO_DIR/terraform-repltask" apply -refresh-only -auto-approve \
    -input=false -no-color >"$DEMO_DIR/terraform-repltask.refresh.log" 2>&1 || {
    cat "$DEMO_DIR/terraform-repltask.refresh.log" >&2
    die "terraform apply -refresh-only failed in $DEMO_DIR/terraform-repltask"
  }
  say "    refreshed the state (log $DEMO_DIR/terraform-repltask.refresh.log): the task's outputs and"
  say "    the dmslink_repltask_tables data source as DMS reports them now"
  task_insight "$(outputs_json terraform-repltask)" "$(tf terraform-repltask show -json 2>/dev/null || echo '{}')"
  done_step
  cat <<EOT

  The modules ran from copies in $DEMO_DIR/{terraform-main,terraform-repltask,peering}
  with $TF_LABEL, state in s3://$STATE_BUCKET (lock table $LOCK_TABLE) in the emulator.
  To look around:
    export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=$REGION
    curl -s "\$AWS_ENDPOINT_URL/_dmslink/inventory?tag=dmslink:stack"
  make demo           again: nothing changes
  make demo-destroy   destroys the peering, the task and the stack, deletes the application VPC
                      (the emulator keeps running)
  make emulator-stop  ends the emulator (and everything in it)
EOT
  printf '    (%d s in all)\n' $((SECONDS - START))
}

# ------------------------------------------------------------------ destroy

# What the emulator still holds of the demo: objects tagged dmslink:stack (a deleted VPN gateway or
# peering connection stays listed as `deleted`, as on AWS), the task, network interfaces in the stack's
# VPC, peering connections not deleted, and the application VPC.
report_leftovers() {
  local vpc_id=$1
  "$VENV_PY" - "$vpc_id" "$TASK_ID" "$APP_VPC_NAME" <<'EOF'
import json, os, sys, urllib.request

base = os.environ["AWS_ENDPOINT_URL"]
vpc_id, task_id, app_vpc_name = sys.argv[1], sys.argv[2], sys.argv[3]

def inventory(query):
    with urllib.request.urlopen(f"{base}/_dmslink/inventory?{query}", timeout=30) as resp:
        return json.load(resp)

tagged = inventory("tag=dmslink:stack")["objects"]
gone = [o for o in tagged if o.get("state") == "deleted"]
left = [o for o in tagged if o.get("state") != "deleted"]
tasks = [o for o in inventory("type=dms:replication-task")["objects"]
         if o.get("id") == task_id or (o.get("name") or "") == task_id]
enis = [o for o in inventory("type=ec2:network-interface")["objects"] if vpc_id and o.get("vpc_id") == vpc_id]
ended = ("deleted", "rejected", "failed", "expired")
peerings = [o for o in inventory("type=ec2:vpc-peering-connection")["objects"] if o.get("state") not in ended]
app_vpcs = [o for o in inventory("type=ec2:vpc")["objects"] if o["tags"].get("Name") == app_vpc_name]

if not left:
    print("    emulator: nothing tagged dmslink:stack is left", end="")
    kinds = ", ".join(sorted({o["type"].split(":", 1)[1] for o in gone}))
    print(f" ({len(gone)} listed as deleted: {kinds}, as AWS lists them for a while)" if gone else "")
for o in left:
    print(f"    LEFT: {o['type']} {o['id']} state={o.get('state', '-')} tags={o.get('tags')}")
for o in tasks:
    print(f"    LEFT: replication task {o.get('id')} state={o.get('state', '-')}")
for o in enis:
    print(f"    LEFT: network interface {o['id']} in {vpc_id} ({o.get('description')})")
for o in peerings:
    print(f"    LEFT: peering connection {o['id']} state={o.get('state')} "
          f"{o.get('requester_vpc_id')} -> {o.get('accepter_vpc_id')} tags={o.get('tags')}")
for o in app_vpcs:
    print(f"    LEFT: application VPC {o['id']} ({o.get('cidr_block')})")
if not tasks:
    print(f"    emulator: no replication task {task_id}")
if not peerings:
    print("    emulator: no peering connection other than deleted ones")
if not app_vpcs:
    print(f"    emulator: no VPC tagged Name={app_vpc_name}")
sys.exit(1 if left or tasks or enis or peerings or app_vpcs else 0)
EOF
}

destroy() {
  STEPS=10
  mkdir -p "$DEMO_DIR"
  say "dmslink demo: destroy peering, then terraform-repltask, then terraform-main; delete the application VPC"
  if ! emulator_running; then
    say "The emulator is not running, so there is nothing to destroy: everything the demo built lived in"
    say "its memory. (\`make demo\` starts it and builds the demo again.)"
    return 0
  fi
  common_setup

  step "Emulator"
  use_emulator
  if ! fixture ls-state --bucket "$STATE_BUCKET" >/dev/null 2>&1; then
    say "    the emulator has no state bucket $STATE_BUCKET, so there is nothing to destroy"
    return 0
  fi
  done_step

  step "Init the three modules; main's outputs for the task's variables, the application VPC for peering's"
  prepare_module terraform-main
  prepare_module terraform-repltask
  prepare_module peering
  tf_init terraform-main
  tf_init terraform-repltask
  tf_init peering
  local main_out vpc_id
  main_out=$(outputs_json terraform-main)
  repltask_vars_from "$main_out"
  # Without main's state the task's ARNs only need to be well-formed; destroy uses what state holds.
  local i placeholder="arn:aws:dms:$REGION:123456789012:endpoint:none"
  for i in "${!REPLTASK_VARS[@]}"; do
    [[ ${REPLTASK_VARS[$i]} == *= ]] && REPLTASK_VARS[i]+=$placeholder
  done
  vpc_id=$(json_get "$(stack_json)" vpc_id)
  # Without the application VPC the id only needs to be well-formed; destroy uses what state holds.
  APP_VPC_ID=$(json_get "$(app_vpc_json)" vpc_id)
  peering_vars_for "${APP_VPC_ID:-vpc-00000000}"
  done_step

  step "peering: destroy (before the stack: its routes and rule are in the stack's VPC)"
  if has_resources peering; then
    with_vars PEERING_VARS "$TF" -chdir="$DEMO_DIR/peering" destroy -auto-approve -input=false "${COLOR[@]}"
  else
    # `destroy` would still read the dmslink_main data source, which fails once the stack is gone.
    say "    the peering state holds no resources: nothing to destroy"
  fi
  done_step

  step "terraform-repltask: destroy"
  with_vars REPLTASK_VARS "$TF" -chdir="$DEMO_DIR/terraform-repltask" destroy -auto-approve -input=false "${COLOR[@]}"
  done_step

  step "terraform-main: destroy"
  with_vars MAIN_VARS "$TF" -chdir="$DEMO_DIR/terraform-main" destroy -auto-approve -input=false "${COLOR[@]}"
  done_step

  step "Application VPC: delete $APP_VPC_NAME (the demo made it)"
  delete_app_vpc || die "deleting the application VPC failed"
  done_step

  step "What the emulator still holds"
  local rc=0
  report_leftovers "$vpc_id" || rc=$?
  cat <<EOT
    kept, as an account keeps them: state bucket $STATE_BUCKET, lock table $LOCK_TABLE,
    snapshot $SOURCE_SNAPSHOT, role dms-vpc-role
  The emulator keeps running at $AWS_ENDPOINT_URL: \`make demo\` builds the demo again,
  \`make emulator-stop\` ends it.
EOT
  printf '    (%d s in all)\n' $((SECONDS - START))
  [ "$rc" -eq 0 ] || die "the destroy left objects in the emulator (listed above)"
}

case ${1:-} in
  up) up ;;
  destroy) destroy ;;
  *)
    echo "usage: $0 up|destroy" >&2
    exit 2
    ;;
esac
