"""Build the frozen app (PyInstaller, onedir) and, on Linux, the .deb package.

    python installer/build.py                     # clean build venv in build/installer-venv
    python installer/build.py --use-current-venv  # build with the Python running this script
    python installer/build.py --deb-only          # re-package an existing dist/noojee-desktop

Steps: (1) a build venv with the project and PyInstaller installed, (2) PyInstaller with
installer/noojee-desktop.spec -> dist/noojee-desktop/, (3) the bundle's own --self-test, (4) on
Linux, dist/noojee-desktop_<version>_<arch>.deb built with dpkg-deb. Prints sizes at the end.
On Windows, run steps 1-3 with this script, then installer/windows/noojee-desktop.nsi (see
docs/installer.md and .github/workflows/windows-installer.yml).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import buildinfo  # noqa: E402

ROOT = buildinfo.ROOT
DIST = ROOT / "dist"
BUILD = ROOT / "build"
BUNDLE = DIST / buildinfo.APP_ID
IS_WIN = sys.platform == "win32"


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    kwargs.setdefault("check", True)
    return subprocess.run([str(c) for c in cmd], **kwargs)


def venv_python(use_current: bool) -> Path:
    if use_current:
        return Path(sys.executable)
    env_dir = BUILD / "installer-venv"
    if env_dir.exists():
        shutil.rmtree(env_dir)
    log(f"creating a clean build venv in {env_dir}")
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if IS_WIN else "bin/python")
    run([python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    # A regular (not editable) install: the bundle gets the same metadata a user's pip would.
    run([python, "-m", "pip", "install", "-q", f"{ROOT}[installer]"])
    return python


def build_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), str(HERE / "buildinfo.py")], check=True, capture_output=True, text=True
    ).stdout.strip()
    return out.splitlines()[-1]


def pyinstaller(python: Path) -> None:
    if BUNDLE.exists():
        shutil.rmtree(BUNDLE)
    run(
        [
            python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
            "--distpath", DIST, "--workpath", BUILD / "pyinstaller",
            HERE / "noojee-desktop.spec",
        ],
        cwd=ROOT,
    )


def bundle_executable() -> Path:
    return BUNDLE / (f"{buildinfo.APP_ID}.exe" if IS_WIN else buildinfo.APP_ID)


def self_test_bundle() -> None:
    """The frozen app's own self-test must pass before anything is packaged."""
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not env.get("DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = run([bundle_executable(), "--self-test"], env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"the bundle's self-test failed (exit {proc.returncode}): not packaging it")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# --- Linux .deb -------------------------------------------------------------------------------


def soname_package_guess(soname: str) -> str:
    """Debian's library package naming: libxcb-icccm.so.4 -> libxcb-icccm4, libfoo2.so.1 -> libfoo2-1."""
    m = re.fullmatch(r"(lib[\w+.-]+?)\.so\.(\d+)(\..*)?", soname)
    if not m:
        return ""
    name, major = m.group(1).lower().replace("_", "-"), m.group(2)
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def system_dependencies(bundle: Path) -> tuple[list[str], list[str]]:
    """Debian packages providing the libraries the bundle's ELF files load from the system.

    Returns (packages, problems). A library ldd cannot find on this machine is mapped by
    Debian's naming rule and must then be one of buildinfo.DEB_DEPENDS; otherwise it is a problem."""
    internal = bundle / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=str(internal))
    system_paths: set[str] = set()
    missing: set[str] = set()
    for path in sorted(bundle.rglob("*")):
        if not path.is_file() or path.is_symlink() or not is_elf(path):
            continue
        proc = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
        for line in proc.stdout.splitlines():
            m = re.match(r"\s*(\S+) => (not found|(\S+) \(0x[0-9a-f]+\))", line)
            if not m:
                continue
            soname, target = m.group(1), m.group(3)
            if target is None:
                missing.add(soname)
            elif not Path(target).resolve().is_relative_to(bundle.resolve()):
                system_paths.add(target)
    packages: set[str] = set()
    problems: list[str] = []
    for target in sorted(system_paths):
        candidates = [target, str(Path(target).resolve())]
        candidates += [c.replace("/usr/lib/", "/lib/", 1) for c in candidates if c.startswith("/usr/lib/")]
        candidates += [c.replace("/lib/", "/usr/lib/", 1) for c in candidates if c.startswith("/lib/")]
        owner = ""
        for c in candidates:
            proc = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
            if proc.returncode == 0:
                owner = proc.stdout.split(":")[0].strip()
                break
        if owner:
            packages.add(owner)
        else:
            problems.append(f"{target}: no Debian package owns it")
    floor = {alt.strip() for dep in buildinfo.DEB_DEPENDS for alt in dep.split("|")}
    for soname in sorted(missing):
        guess = soname_package_guess(soname)
        if guess not in floor:
            problems.append(f"{soname} is not installed here and not covered by DEB_DEPENDS (package {guess}?)")
    return sorted(packages), problems


def merge_depends(found: list[str]) -> list[str]:
    depends = list(buildinfo.DEB_DEPENDS)
    covered = {alt.strip() for dep in depends for alt in dep.split("|")}
    depends += [p for p in found if p not in covered]
    return depends


def build_deb(version: str) -> Path:
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout.strip()
    root = BUILD / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    opt = root / buildinfo.INSTALL_DIR.lstrip("/")
    log(f"staging the package in {root}")
    shutil.copytree(BUNDLE, opt, symlinks=True)

    launcher = root / "usr/bin" / buildinfo.APP_ID
    launcher.parent.mkdir(parents=True)
    launcher.write_text(buildinfo.usr_bin_launcher())
    launcher.chmod(0o755)

    desktop = root / "usr/share/applications" / f"{buildinfo.APP_ID}.desktop"
    desktop.parent.mkdir(parents=True)
    desktop.write_text(buildinfo.desktop_entry())

    for size, png in buildinfo.icon_pngs().items():
        dest = root / f"usr/share/icons/hicolor/{size}x{size}/apps/{buildinfo.APP_ID}.png"
        dest.parent.mkdir(parents=True)
        shutil.copy2(png, dest)
    svg = root / f"usr/share/icons/hicolor/scalable/apps/{buildinfo.APP_ID}.svg"
    svg.parent.mkdir(parents=True)
    shutil.copy2(buildinfo.ICONS_DIR / f"{buildinfo.APP_ID}.svg", svg)

    doc = root / f"usr/share/doc/{buildinfo.APP_ID}"
    doc.mkdir(parents=True)
    shutil.copy2(ROOT / "README.md", doc / "README.md")

    found, problems = system_dependencies(opt)
    for problem in problems:
        log(f"WARNING: {problem}")
    depends = merge_depends(found)
    log(f"Depends ({len(depends)}): {', '.join(depends)}")

    debian = root / "DEBIAN"
    debian.mkdir()
    installed_kib = (dir_size(root) + 1023) // 1024
    (debian / "control").write_text(buildinfo.control_file(version, arch, depends, installed_kib))
    for name, text in (("postinst", buildinfo.POSTINST), ("postrm", buildinfo.POSTRM)):
        (debian / name).write_text(text)
        (debian / name).chmod(0o755)
    for path in root.rglob("*"):  # normalise modes: files a user can read, dirs a user can enter
        if path.is_dir():
            path.chmod(0o755)
        elif path.is_file() and not path.is_symlink():
            path.chmod(0o755 if os.access(path, os.X_OK) else 0o644)

    deb = DIST / f"{buildinfo.APP_ID}_{buildinfo.deb_version(version)}_{arch}.deb"
    run(["dpkg-deb", "--build", "--root-owner-group", "-Zxz", "-z6", root, deb])
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--use-current-venv", action="store_true", help="build with this Python (project installed)")
    parser.add_argument("--deb-only", action="store_true", help="package an existing dist/noojee-desktop")
    parser.add_argument("--no-deb", action="store_true", help="stop after the bundle and its self-test")
    args = parser.parse_args(argv)

    if args.deb_only:
        python = Path(sys.executable)
        if not bundle_executable().exists():
            raise SystemExit(f"no bundle at {BUNDLE}: run without --deb-only first")
    else:
        python = venv_python(args.use_current_venv)
    version = build_version(python)
    log(f"version {version} (from the package metadata)")
    if not args.deb_only:
        pyinstaller(python)
    self_test_bundle()
    bundle_mib = dir_size(BUNDLE) / 2**20
    log(f"bundle: {BUNDLE} ({bundle_mib:.1f} MiB)")
    if sys.platform.startswith("linux") and not args.no_deb:
        if not shutil.which("dpkg-deb"):
            raise SystemExit("dpkg-deb is needed for the .deb (apt-get install dpkg-dev)")
        deb = build_deb(version)
        log(f"package: {deb} ({deb.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
