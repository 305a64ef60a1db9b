//! Release packaging, end to end with the real CLIs and no network: the provider binary the harness
//! builds, packaged by `release/package.py` (the code `make release-local` runs), installs from a
//! *packed* filesystem mirror as it would from the registry; the lock file records its hashes, the
//! `zh:` one being the SHA256SUMS line; a swapped package is refused. `make install` puts it where
//! Terraform and OpenTofu find it with no CLI configuration. And `.goreleaser.yml` names what it
//! publishes as package.py does. No release build: CI's time is spent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dmslink_acctest::{
    Cli, Mirror, PROVIDER_VERSION, RunOutput, Venv, Workdir, clis, hcl_string, keep_temp_dirs, platform,
    provider_binary, run_with_timeout, workspace_root, write_file,
};

const PROJECT: &str = "terraform-provider-dmslink";
const HOSTS: [&str; 2] = ["registry.terraform.io", "registry.opentofu.org"];

fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let mut dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    if keep_temp_dirs() {
        eprintln!("note: keeping {}", dir.path().display());
        dir.disable_cleanup(true);
    }
    dir
}

/// The venv's Python 3.11 when there is one (CI has it), else `python3` (package.py needs tomllib).
fn python() -> PathBuf {
    Venv::find().map(|v| v.python()).unwrap_or_else(|| PathBuf::from("python3"))
}

fn run_ok(cmd: Command, what: &str) -> RunOutput {
    let out = run_with_timeout(cmd, Duration::from_secs(5 * 60));
    assert!(out.success(), "{what} failed:\n{}", out.describe());
    out
}

/// `release/package.py --binary <binary> --out <out> [--mirror <mirror>]` for this platform.
fn package(binary: &Path, out: &Path, mirror: Option<&Path>) -> RunOutput {
    let mut cmd = Command::new(python());
    cmd.arg(workspace_root().join("release/package.py"))
        .arg("--binary")
        .arg(binary)
        .arg("--out")
        .arg(out)
        // Fixed zip entry times, so the run does not depend on git being there.
        .env("SOURCE_DATE_EPOCH", "1700000000");
    if let Some(mirror) = mirror {
        cmd.arg("--mirror").arg(mirror);
    }
    run_ok(cmd, "release/package.py")
}

fn zip_name() -> String {
    format!("{PROJECT}_{PROVIDER_VERSION}_{}.zip", platform())
}

fn sums_name() -> String {
    format!("{PROJECT}_{PROVIDER_VERSION}_SHA256SUMS")
}

fn manifest_name() -> String {
    format!("{PROJECT}_{PROVIDER_VERSION}_manifest.json")
}

/// `file -> sha256` from a SHA256SUMS file (`<hex>  <name>` lines).
fn parse_sums(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| {
            let (hex, name) = l.split_once("  ").unwrap_or_else(|| panic!("not a sha256sum line: {l:?}"));
            assert_eq!(hex.len(), 64, "{l:?}");
            assert!(hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{l:?}");
            (name.to_string(), hex.to_string())
        })
        .collect()
}

/// The zip's entries from its central directory: (name, Unix mode, made on Unix).
fn zip_entries(path: &Path) -> Vec<(String, u32, bool)> {
    let data = std::fs::read(path).unwrap();
    let u16_at = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
    let eocd = (0..=data.len() - 22).rev().find(|&i| data[i..i + 4] == [0x50, 0x4b, 0x05, 0x06]).expect("no EOCD");
    let count = u16_at(eocd + 10);
    let mut at = u32_at(eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(data[at..at + 4], [0x50, 0x4b, 0x01, 0x02], "central directory header");
        let made_on_unix = data[at + 5] == 3;
        let (name_len, extra_len, comment_len) = (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let mode = u32_at(at + 38) >> 16;
        let name = String::from_utf8(data[at + 46..at + 46 + name_len].to_vec()).unwrap();
        entries.push((name, mode, made_on_unix));
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

/// A root module requiring exactly this version of dmslink/dmslink.
fn root_module(dir: &Path) -> PathBuf {
    let module = dir.join("module");
    write_file(
        &module.join("main.tf"),
        &format!(
            "terraform {{\n  required_providers {{\n    dmslink = {{\n      source  = \"dmslink/dmslink\"\n      \
             version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n"
        ),
    );
    module
}

/// A CLI config with only a filesystem mirror: no `direct` block, so nothing can come from a registry.
fn mirror_only_config(dir: &Path, name: &str, mirror_root: &Path) -> Mirror {
    let addrs: Vec<String> = HOSTS.iter().map(|h| hcl_string(&format!("{h}/dmslink/dmslink"))).collect();
    let cli_config = dir.join(name);
    write_file(
        &cli_config,
        &format!(
            "disable_checkpoint = true\n\nprovider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    \
             include = [{}]\n  }}\n}}\n",
            hcl_string(&mirror_root.to_string_lossy()),
            addrs.join(", ")
        ),
    );
    Mirror { root: mirror_root.to_path_buf(), cli_config }
}

fn workdir(cli: &Cli, module: &Path, dir: PathBuf, mirror: &Mirror, aux: &Path) -> Workdir {
    // No emulator: init talks to no AWS endpoint; an unroutable one keeps a mistake from going far.
    Workdir::new(cli.clone(), module, dir, mirror, "http://127.0.0.1:9", aux)
}

fn lock_hashes(lock: &str) -> Vec<String> {
    lock.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_string())
        .collect()
}

fn installed_executable(wd: &Workdir, cli: &Cli) -> PathBuf {
    wd.file(&format!(
        ".terraform/providers/{}/dmslink/dmslink/{PROVIDER_VERSION}/{}/{PROJECT}_v{PROVIDER_VERSION}",
        cli.flavor.registry_host(),
        platform()
    ))
}

#[test]
fn packed_mirror_installs_with_registry_hashes_and_refuses_a_swapped_package() {
    let Some(found) = clis() else {
        return;
    };
    let tmp = temp_dir("dmslink-release-");
    let binary = provider_binary();

    // What make release-local does, on the binary the harness built.
    let dist = tmp.path().join("dist");
    let mirror_root = tmp.path().join("mirror");
    let out = package(&binary, &dist, Some(&mirror_root));
    eprintln!("{}", out.stdout.trim_end());
    let sums = parse_sums(&std::fs::read_to_string(dist.join(sums_name())).unwrap());
    let names: Vec<&str> = sums.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = vec![zip_name(), manifest_name()];
    expected.sort();
    assert_eq!(names, expected, "SHA256SUMS covers the zip and the manifest, sorted");
    let zip_sha = sums.iter().find(|(n, _)| *n == zip_name()).map(|(_, h)| h.clone()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join(manifest_name())).unwrap()).unwrap();
    assert_eq!(manifest["metadata"]["protocol_versions"], serde_json::json!(["6.0"]));
    assert_eq!(
        zip_entries(&dist.join(zip_name())),
        vec![(format!("{PROJECT}_v{PROVIDER_VERSION}"), 0o100755, true)],
        "one executable, the registry's name"
    );
    for host in HOSTS {
        let packed = mirror_root.join(host).join("dmslink/dmslink").join(zip_name());
        assert!(packed.is_file(), "{} missing", packed.display());
    }
    // Packaging again gives the same bytes: the zh: hash of a release does not depend on when.
    let again = tmp.path().join("dist-again");
    package(&binary, &again, None);
    assert_eq!(std::fs::read(dist.join(zip_name())).unwrap(), std::fs::read(again.join(zip_name())).unwrap());

    // The same release with another binary inside: a valid package, not the published one.
    let impostor = tmp.path().join("impostor");
    std::fs::write(&impostor, b"#!/bin/sh\necho not dmslink\n").unwrap();
    let swapped_root = tmp.path().join("swapped-mirror");
    package(&impostor, &tmp.path().join("swapped-dist"), Some(&swapped_root));

    let mirror = mirror_only_config(tmp.path(), "mirror.tfrc", &mirror_root);
    let swapped = mirror_only_config(tmp.path(), "swapped.tfrc", &swapped_root);
    let module = root_module(tmp.path());
    for cli in &found {
        let slug = cli.slug();
        let host = cli.flavor.registry_host();
        let label = &cli.label;

        // 1. A plain init from the packed mirror.
        let wd = workdir(cli, &module, tmp.path().join(format!("{slug}-fresh")), &mirror, tmp.path());
        let out = wd.init();
        assert!(out.stdout.contains(&format!("Installed dmslink/dmslink v{PROVIDER_VERSION}")), "{}", out.describe());
        let lock = wd.read(".terraform.lock.hcl");
        assert!(lock.contains(&format!("provider \"{host}/dmslink/dmslink\"")), "[{label}] {lock}");
        assert!(lock.contains(&format!("version     = \"{PROVIDER_VERSION}\"")), "[{label}] {lock}");
        let h1: Vec<String> = lock_hashes(&lock).into_iter().filter(|h| h.starts_with("h1:")).collect();
        assert_eq!(h1.len(), 1, "[{label}] one h1: hash of the package: {lock}");
        let exe = installed_executable(&wd, cli);
        assert!(exe.is_file(), "[{label}] {} not installed", exe.display());
        let providers = wd.run_ok(&["providers", "-no-color"]);
        assert!(
            providers.stdout.contains(&format!("provider[{host}/dmslink/dmslink] {PROVIDER_VERSION}")),
            "[{label}] {}",
            providers.describe()
        );
        let version = wd.run_ok(&["version", "-no-color"]);
        assert!(
            version.stdout.contains(&format!("+ provider {host}/dmslink/dmslink v{PROVIDER_VERSION}")),
            "[{label}] {}",
            version.describe()
        );

        // 2. A lock file as a registry install writes it, from the signed SHA256SUMS: zh:<sha256 of
        // the zip>. The CLI checks the mirror's zip against it and adds the package's h1:.
        let registry = workdir(cli, &module, tmp.path().join(format!("{slug}-registry-lock")), &mirror, tmp.path());
        registry.write(
            ".terraform.lock.hcl",
            &format!(
                "provider \"{host}/dmslink/dmslink\" {{\n  version     = \"{PROVIDER_VERSION}\"\n  \
                 constraints = \"{PROVIDER_VERSION}\"\n  hashes = [\n    \"zh:{zip_sha}\",\n  ]\n}}\n"
            ),
        );
        registry.init();
        let lock = registry.read(".terraform.lock.hcl");
        let mut hashes = lock_hashes(&lock);
        hashes.sort();
        let mut want = vec![h1[0].clone(), format!("zh:{zip_sha}")];
        want.sort();
        assert_eq!(hashes, want, "[{label}] the SHA256SUMS zh: kept, the same h1: added: {lock}");

        // 3. The package swapped in the mirror after the lock was written: both locks refuse it.
        for locked in [&wd, &registry] {
            let dir = locked.path().to_path_buf();
            std::fs::remove_dir_all(dir.join(".terraform")).unwrap();
            let name = format!("{slug}-swapped-{}", dir.file_name().unwrap().to_string_lossy());
            let mut tampered = workdir(cli, &module, tmp.path().join(name), &swapped, tmp.path());
            std::fs::copy(dir.join(".terraform.lock.hcl"), tampered.file(".terraform.lock.hcl")).unwrap();
            tampered.set_timeout(Duration::from_secs(120));
            let out = tampered.run(&["init", "-input=false", "-no-color", "-backend=false"]);
            assert!(!out.success(), "[{label}] init accepted a swapped package:\n{}", out.describe());
            let text = dmslink_acctest::fold_whitespace(&out.combined());
            assert!(
                text.contains("doesn't match any of the checksums previously recorded in the dependency lock file"),
                "[{label}] not refused for its checksum:\n{}",
                out.describe()
            );
            assert!(!installed_executable(&tampered, cli).exists(), "[{label}] the swapped package was installed");
        }
        eprintln!(
            "[{label}] packed mirror: installed, zh:{zip_sha} verified, {} recorded, swapped package refused",
            h1[0]
        );
    }
}

#[test]
fn make_install_reaches_the_implied_local_mirror_without_cli_config() {
    let Some(found) = clis() else {
        return;
    };
    let tmp = temp_dir("dmslink-install-");
    let home = tmp.path().join("home");
    let data_home = home.join(".local/share");
    std::fs::create_dir_all(&home).unwrap();
    let binary = provider_binary();

    let mut make = Command::new(std::env::var_os("MAKE").unwrap_or_else(|| "make".into()));
    make.current_dir(workspace_root())
        .arg("--no-print-directory")
        .arg("install")
        .arg(format!("BINARY={}", binary.display()))
        .arg(format!("INSTALL_HOME={}", home.display()))
        .arg(format!("PYTHON={}", python().display()))
        .env("XDG_DATA_HOME", &data_home)
        .env_remove("MAKEFLAGS");
    let out = run_ok(make, "make install");
    eprintln!("{}", out.stdout.trim_end());
    let file = format!("dmslink/dmslink/{PROVIDER_VERSION}/{}/{PROJECT}_v{PROVIDER_VERSION}", platform());
    for installed in [
        home.join(".terraform.d/plugins/registry.terraform.io").join(&file),
        data_home.join("opentofu/plugins/registry.opentofu.org").join(&file),
    ] {
        assert!(installed.is_file(), "{} not installed:\n{}", installed.display(), out.describe());
        assert_eq!(std::fs::read(&installed).unwrap().len() as u64, std::fs::metadata(&binary).unwrap().len());
    }
    assert!(out.stdout.contains("source  = \"dmslink/dmslink\""), "{}", out.describe());
    assert!(out.stdout.contains(&format!("version = \"{PROVIDER_VERSION}\"")), "{}", out.describe());
    assert!(out.stdout.contains("filesystem_mirror {"), "{}", out.describe());

    // No CLI config at all: the CLI finds the provider in its implied local mirror under HOME / XDG.
    let module = root_module(tmp.path());
    let no_config = Mirror { root: home.clone(), cli_config: tmp.path().join("unused.tfrc") };
    for cli in &found {
        let mut wd = workdir(cli, &module, tmp.path().join(cli.slug()), &no_config, tmp.path());
        wd.remove_env("TF_CLI_CONFIG_FILE")
            .set_env("HOME", home.to_string_lossy())
            .set_env("XDG_DATA_HOME", data_home.to_string_lossy())
            .set_env("XDG_CONFIG_HOME", home.join(".config").to_string_lossy());
        let out = wd.init();
        assert!(out.stdout.contains(&format!("Installed dmslink/dmslink v{PROVIDER_VERSION}")), "{}", out.describe());
        assert!(!out.contains("CLI configuration"), "[{}] read a CLI config:\n{}", cli.label, out.describe());
        assert!(installed_executable(&wd, cli).is_file(), "[{}] {}", cli.label, out.describe());
        eprintln!("[{}] make install: found in the implied local mirror", cli.label);
    }
}

/// `{{ .ProjectName }}` etc. of a GoReleaser name template, for one platform.
fn render(template: &str, project: &str, os: &str, arch: &str) -> String {
    template
        .replace("{{ .ProjectName }}", project)
        .replace("{{ .Version }}", PROVIDER_VERSION)
        .replace("{{ .Os }}", os)
        .replace("{{ .Arch }}", arch)
}

/// The values of `key:` lines in `text` (quotes removed), in order.
fn yaml_values(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().trim_start_matches("- ").trim())
        .filter_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_string())
        .collect()
}

/// The section of a top-level key: its line up to the next top-level key.
fn yaml_section(text: &str, key: &str) -> String {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(&format!("{key}:")));
    let first = lines.next().unwrap_or_else(|| panic!("no {key}: in .goreleaser.yml"));
    let rest = lines.take_while(|l| !l.starts_with(|c: char| c.is_ascii_alphabetic()));
    std::iter::once(first).chain(rest).collect::<Vec<_>>().join("\n")
}

/// `name = "..."` of the first `[[bin]]` of a Cargo.toml.
fn cargo_bin_name(cargo: &str) -> String {
    let section = cargo.split("[[bin]]").nth(1).expect("no [[bin]]");
    let line = section.lines().find(|l| l.trim_start().starts_with("name")).expect("[[bin]] without a name");
    line.split_once('=').unwrap().1.trim().trim_matches('"').to_string()
}

#[test]
fn goreleaser_names_agree_with_package_py() {
    let root = workspace_root();
    let yml = std::fs::read_to_string(root.join(".goreleaser.yml")).unwrap();
    let cargo = std::fs::read_to_string(root.join("provider/Cargo.toml")).unwrap();
    let project = yaml_values(&yml, "project_name");
    assert_eq!(project, [PROJECT]);

    // package.py's names, from a run on a stand-in binary.
    let tmp = temp_dir("dmslink-names-");
    let fake = tmp.path().join("bin");
    std::fs::write(&fake, b"#!/bin/sh\n").unwrap();
    let dist = tmp.path().join("dist");
    package(&fake, &dist, None);
    let mut written: Vec<String> =
        std::fs::read_dir(&dist).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    let mut expected = vec![zip_name(), manifest_name(), sums_name()];
    expected.sort();
    assert_eq!(written, expected);

    let (os, arch) = platform().split_once('_').map(|(o, a)| (o.to_string(), a.to_string())).unwrap();
    let archives = yaml_section(&yml, "archives");
    assert_eq!(yaml_values(&archives, "formats"), ["[zip]"]);
    assert_eq!(
        yaml_values(&archives, "name_template")
            .iter()
            .map(|t| format!("{}.zip", render(t, PROJECT, &os, &arch)))
            .collect::<Vec<_>>(),
        [zip_name()]
    );
    let checksum = yaml_section(&yml, "checksum");
    let checksum_names: Vec<String> =
        yaml_values(&checksum, "name_template").iter().map(|t| render(t, PROJECT, &os, &arch)).collect();
    assert!(checksum_names.contains(&sums_name()), "{checksum_names:?}");
    assert!(checksum_names.contains(&manifest_name()), "{checksum_names:?}");
    assert_eq!(yaml_values(&checksum, "algorithm"), ["sha256"]);
    let release = yaml_section(&yml, "release");
    assert_eq!(
        yaml_values(&release, "name_template").iter().map(|t| render(t, PROJECT, &os, &arch)).collect::<Vec<_>>(),
        [manifest_name()]
    );
    assert!(yml.contains("glob: terraform-registry-manifest.json"));

    // Every build ships the cargo bin (GoReleaser cannot rename it) of the package it names; package.py's
    // entry is that name with the registry's _v<version> suffix, which every supported CLI also runs.
    let bin_name = cargo_bin_name(&cargo);
    assert_eq!(bin_name, PROJECT);
    let binaries = yaml_values(&yml, "binary");
    assert!(!binaries.is_empty());
    for binary in &binaries {
        assert_eq!(binary, &bin_name, "GoReleaser's binary is the cargo [[bin]] name");
    }
    let entries = zip_entries(&dist.join(zip_name()));
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, format!("{bin_name}_v{PROVIDER_VERSION}"));
    let builders = yaml_values(&yml, "builder").len();
    assert_eq!(yml.matches("- --package=terraform-provider-dmslink").count(), builders, "each build names the package");
    assert_eq!(yml.matches("- --locked").count(), builders);
    assert_eq!(yml.matches("dir: .\n").count(), builders, "the workspace root, where target/ is");
}
