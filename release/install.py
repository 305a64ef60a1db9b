#!/usr/bin/env python3
"""Install a built provider binary into the user's implied local mirror directories (`make install`).

Terraform and OpenTofu look, with no CLI configuration at all, in "implied local mirror" directories
and take a provider found there from there (everything else still comes from its registry):

    Terraform  ~/.terraform.d/plugins/registry.terraform.io/dmslink/dmslink/<version>/<os>_<arch>/
    OpenTofu   $XDG_DATA_HOME/opentofu/plugins/registry.opentofu.org/dmslink/dmslink/<version>/<os>_<arch>/
               (XDG_DATA_HOME defaults to ~/.local/share)

Each gets terraform-provider-dmslink_v<version> (unpacked layout). `--home` installs under another home
directory (the acceptance test uses a temporary one). Python 3.11 standard library only.

    release/install.py --binary target/release/terraform-provider-dmslink [--home DIR] [--version V]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

# No release/__pycache__ in the work tree from importing the sibling module.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import package  # noqa: E402  (the names and version logic package.py uses, one copy)


def plugin_dirs(home: Path) -> list[tuple[str, Path]]:
    """(registry host, plugins directory) per CLI, as each CLI derives it from HOME and XDG_DATA_HOME."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec ignores a relative XDG_DATA_HOME, and so do the CLIs.
    data_home = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
    return [
        ("registry.terraform.io", home / ".terraform.d" / "plugins"),
        ("registry.opentofu.org", data_home / "opentofu" / "plugins"),
    ]


def install(binary: Path, version: str, target: str, home: Path) -> list[Path]:
    written = []
    for host, plugins in plugin_dirs(home):
        pkg_dir = plugins / host / package.NAMESPACE / package.TYPE / version / target
        pkg_dir.mkdir(parents=True, exist_ok=True)
        dest = pkg_dir / package.binary_name(version, target)
        # Copy then rename: a provider process running from the old file keeps its inode.
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.copyfile(binary, tmp)
        os.chmod(tmp, 0o755)
        os.replace(tmp, dest)
        written.append(dest)
    return written


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", type=Path, required=True, help="the built provider binary")
    p.add_argument("--version", default=None, help="default: the workspace version in Cargo.toml")
    p.add_argument("--platform", default=package.host_target(), help="<os>_<arch> (default: %(default)s)")
    p.add_argument("--home", type=Path, default=Path.home(), help="home directory to install under (default: ~)")
    args = p.parse_args(argv)
    if not args.binary.is_file():
        print(f"install.py: no binary at {args.binary}", file=sys.stderr)
        return 2
    version = args.version or package.workspace_version()
    written = install(args.binary, version, args.platform, args.home)
    print(f"installed {package.PROJECT} {version} ({args.platform}) from {args.binary}:")
    for path in written:
        print(f"  {path}")
    plugins = [str(d) for _, d in plugin_dirs(args.home)]
    print(
        f"""
Use it from a root module:

  terraform {{
    required_providers {{
      dmslink = {{
        source  = "{package.NAMESPACE}/{package.TYPE}"
        version = "{version}"
      }}
    }}
  }}

Both directories are implied local mirrors: `terraform init` / `tofu init` find the provider there with
no CLI configuration, and keep taking every other provider from its registry. A rebuilt binary of the
same version has other hashes: delete that module's .terraform.lock.hcl entry (or the file) and init again.
If your CLI configuration has its own provider_installation block, the implied mirrors are off; add:

  provider_installation {{
    filesystem_mirror {{
      path    = "{plugins[0]}"
      include = ["registry.terraform.io/{package.NAMESPACE}/{package.TYPE}"]
    }}
    filesystem_mirror {{
      path    = "{plugins[1]}"
      include = ["registry.opentofu.org/{package.NAMESPACE}/{package.TYPE}"]
    }}
    direct {{
      exclude = ["registry.terraform.io/{package.NAMESPACE}/{package.TYPE}", "registry.opentofu.org/{package.NAMESPACE}/{package.TYPE}"]
    }}
  }}"""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
