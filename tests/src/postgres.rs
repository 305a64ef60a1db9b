//! A throwaway PostgreSQL server on 127.0.0.1 for the acceptance tests that need a real database
//! (DMS connection tests against a loopback endpoint): a temporary data directory, a free port,
//! password authentication (SCRAM) for TCP from 127.0.0.1, one login role and one database. It is
//! stopped, and its directory removed, when the value is dropped.
//!
//! ```no_run
//! use dmslink_acctest::postgres::Postgres;
//!
//! let Some(pg) = Postgres::start("dms", "Right-pw-1", &["dblink"]) else { return }; // skipped outside CI
//! println!("postgres on 127.0.0.1:{}", pg.port);
//! ```
//!
//! The binaries (`initdb`, `pg_ctl`, `psql`) are taken from `PATH`, `/usr/local/bin` or
//! `/usr/lib/postgresql/<version>/bin`. PostgreSQL refuses to run as root: as root the server runs as
//! the `postgres` account (or `nobody`) through `runuser`, in a directory it owns.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{RunOutput, run_with_timeout};

const TIMEOUT: Duration = Duration::from_secs(120);

/// A running PostgreSQL server; stopped on drop.
pub struct Postgres {
    /// TCP port on 127.0.0.1.
    pub port: u16,
    /// The login role (password authentication over TCP).
    pub username: String,
    bin: PathBuf,
    dir: tempfile::TempDir,
    /// The account the server runs as when the tests run as root.
    run_as: Option<String>,
    /// The bootstrap superuser (trusted on the Unix socket only).
    superuser: String,
}

impl Postgres {
    /// Starts a server with the login role `username` (password `password`) owning each database in
    /// `databases`. `None` when PostgreSQL is not installed outside CI (a note says so); under
    /// `CI=true` that is a panic. Any other failure panics with the command's output.
    pub fn start(username: &str, password: &str, databases: &[&str]) -> Option<Postgres> {
        let Some(bin) = find_bin_dir() else {
            return crate::missing_tool(
                "PostgreSQL (initdb, pg_ctl, psql) not found on PATH, in /usr/local/bin or /usr/lib/postgresql/*/bin",
                "install PostgreSQL 15 (e.g. apt-get install postgresql-15)",
            );
        };
        let dir = crate::temp_dir("dmslink-pg-");
        let run_as = if is_root() { Some(unprivileged_account()) } else { None };
        if let Some(user) = &run_as {
            let out = run_with_timeout(
                {
                    let mut c = Command::new("chown");
                    c.arg(format!("{user}:")).arg(dir.path());
                    c
                },
                TIMEOUT,
            );
            assert!(out.success(), "cannot hand {} to {user}:\n{}", dir.path().display(), out.describe());
        }
        let port = free_port();
        let mut pg =
            Postgres { port, username: username.to_string(), bin, dir, run_as, superuser: "dmslink_admin".to_string() };
        pg.init_and_start();
        pg.create_role_and_databases(username, password, databases);
        Some(pg)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The directory of the Unix socket (the superuser's way in).
    fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// `program args...` as the server's account, in the server's directory.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args).current_dir(self.dir.path());
        // The server's own locale, not the caller's (which may not exist on this machine).
        cmd.env("LC_ALL", "C").env_remove("PGPASSWORD").env_remove("PGHOST").env_remove("PGPORT");
        cmd
    }

    fn run_ok(&self, what: &str, program: &str, args: &[&str]) -> RunOutput {
        let out = run_with_timeout(self.command(program, args), TIMEOUT);
        assert!(out.success(), "PostgreSQL: {what} failed:\n{}\n--- server log ---\n{}", out.describe(), self.log());
        out
    }

    fn init_and_start(&mut self) {
        let data = self.data_dir().display().to_string();
        self.run_ok(
            "initdb",
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                &self.superuser.clone(),
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-instructions",
            ],
        );
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c password_encryption=scram-sha-256 -c fsync=off",
            self.port,
            self.socket_dir().display()
        );
        let log = self.log_path().display().to_string();
        self.run_ok("pg_ctl start", "pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "-w", "-t", "60", "start"]);
    }

    /// Runs SQL as the bootstrap superuser over the Unix socket.
    pub fn psql(&self, database: &str, sql: &str) -> RunOutput {
        let (port, socket) = (self.port.to_string(), self.socket_dir().display().to_string());
        self.run_ok(
            "psql",
            "psql",
            &[
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                &socket,
                "-p",
                &port,
                "-U",
                &self.superuser,
                "-d",
                database,
                "-c",
                sql,
            ],
        )
    }

    /// Logs in as the login role over TCP with `password` (`psql -c 'select 1'`); not asserted.
    pub fn try_login(&self, database: &str, password: &str) -> RunOutput {
        let port = self.port.to_string();
        let args = ["-X", "-q", "-h", "127.0.0.1", "-p", &port, "-U", &self.username, "-d", database, "-c", "select 1"];
        let mut cmd = self.command("psql", &args);
        cmd.env("PGPASSWORD", password);
        run_with_timeout(cmd, TIMEOUT)
    }

    fn create_role_and_databases(&self, username: &str, password: &str, databases: &[&str]) {
        let role = quote_ident(username);
        self.psql("postgres", &format!("CREATE ROLE {role} LOGIN PASSWORD {}", quote_literal(password)));
        for db in databases {
            self.psql("postgres", &format!("CREATE DATABASE {} OWNER {role}", quote_ident(db)));
        }
    }

    fn stop(&self) {
        let data = self.data_dir().display().to_string();
        let out =
            run_with_timeout(self.command("pg_ctl", &["-D", &data, "-m", "fast", "-w", "-t", "60", "stop"]), TIMEOUT);
        if !out.success() {
            eprintln!("note: stopping PostgreSQL on port {} failed:\n{}", self.port, out.describe());
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `"name"` with embedded quotes doubled.
fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `'text'` with embedded quotes doubled.
fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot find a free port: {e}"));
    listener.local_addr().unwrap_or_else(|e| panic!("cannot read the free port: {e}")).port()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The account a root test run starts PostgreSQL as: `postgres` when it exists, else `nobody`.
fn unprivileged_account() -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let exists = |name: &str| passwd.lines().any(|l| l.split(':').next() == Some(name));
    if exists("postgres") { "postgres".into() } else { "nobody".into() }
}

/// The directory holding `initdb`, `pg_ctl` and `psql` (symbolic links followed, so that `psql` is
/// the one beside `initdb`, not a distribution wrapper).
fn find_bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("initdb")).collect())
        .unwrap_or_default();
    candidates.push(PathBuf::from("/usr/local/bin/initdb"));
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path().join("bin/initdb")).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates.into_iter().filter(|p| p.is_file()).find_map(|initdb| {
        let real = std::fs::canonicalize(&initdb).ok()?;
        let dir = real.parent()?.to_path_buf();
        (dir.join("pg_ctl").is_file() && dir.join("psql").is_file()).then_some(dir)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Password authentication over TCP: the right password logs in, a wrong one gets the server's
    /// login error; the server is gone after drop.
    #[test]
    fn postgres_starts_with_password_auth_and_stops_on_drop() {
        let Some(pg) = Postgres::start("dms_probe", "Probe-pw-1'x", &["probe"]) else { return };
        let ok = pg.try_login("probe", "Probe-pw-1'x");
        assert!(ok.success(), "{}", ok.describe());
        let bad = pg.try_login("probe", "wrong");
        assert!(!bad.success());
        assert!(bad.stderr.contains("password authentication failed for user \"dms_probe\""), "{}", bad.describe());
        let port = pg.port;
        drop(pg);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "still listening on {port}");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
