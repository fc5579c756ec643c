"""The installer's moving parts, checked fast and without building anything.

The full build-install-start-uninstall proof is installer/test_deb.sh (minutes; run by hand).
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import types
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"


def _load(name: str):
    """installer/*.py by file (the installer folder is not a package and stays off sys.path)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, INSTALLER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the spec's own `import buildinfo` finds this one
    spec.loader.exec_module(module)
    return module


buildinfo = _load("buildinfo")

XCB_DEPS = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libegl1")


# --- version: one home ---------------------------------------------------------------------


def test_version_comes_from_the_package_metadata():
    assert buildinfo.package_version() == metadata.version("noojee-desktop") == buildinfo.pyproject_version()
    assert buildinfo.check_version_current() == buildinfo.pyproject_version()


def test_stale_install_is_refused_before_building(monkeypatch):
    monkeypatch.setattr(buildinfo, "package_version", lambda: "0.0.1")
    with pytest.raises(SystemExit, match="reinstall the project"):
        buildinfo.check_version_current()


@pytest.mark.parametrize(
    ("version", "numeric", "deb"),
    [
        ("0.1.0", (0, 1, 0, 0), "0.1.0"),
        ("1.2.3.4.5", (1, 2, 3, 4), "1.2.3.4.5"),
        ("2.0rc1", (2, 0, 0, 0), "2.0~rc1"),
        ("2.0.dev3", (2, 0, 0, 0), "2.0~dev3"),
    ],
)
def test_version_forms_for_windows_and_debian(version, numeric, deb):
    assert buildinfo.numeric_version(version) == numeric
    assert buildinfo.deb_version(version) == deb


@pytest.mark.skipif(not shutil.which("dpkg"), reason="dpkg not installed")
def test_debian_sorts_a_release_candidate_before_the_release():
    rc = buildinfo.deb_version("2.0rc1")
    assert subprocess.run(["dpkg", "--compare-versions", rc, "lt", "2.0"]).returncode == 0


# --- the PyInstaller spec --------------------------------------------------------------------


class _Recorder:
    calls: list

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        type(self).calls.append(self)
        self.binaries, self.datas, self.pure, self.scripts = [], [], [], []


def run_spec(tmp_path, monkeypatch, platform: str) -> dict:
    """Execute the spec as PyInstaller would, with its build steps recorded instead of run."""
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package, filter=None: [f"{package}.stub"]
    hooks.copy_metadata = lambda dist: [(f"/site/{dist}.dist-info", f"{dist}.dist-info")]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, sys.modules.get(name) or types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(buildinfo, "windows_version_info", lambda version: ("version-info", version))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec adds installer/ to it
    recorded = {}
    names = ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")
    classes = {n: type(n, (_Recorder,), {"calls": []}) for n in names}
    spec = INSTALLER / "noojee-desktop.spec"
    code = compile(spec.read_text(), str(spec), "exec")
    exec(code, {"SPECPATH": str(INSTALLER), "workpath": str(tmp_path), "__name__": "__main__", **classes})
    for n, cls in classes.items():
        recorded[n] = cls.calls
    return recorded


def test_spec_builds_a_windowed_onedir_app_with_resources_and_metadata(tmp_path, monkeypatch, capsys):
    r = run_spec(tmp_path, monkeypatch, "linux")
    (analysis,) = r["Analysis"]
    (exe,) = r["EXE"]
    (collect,) = r["COLLECT"]
    assert analysis.args[0] == [str(INSTALLER / "launcher.py")]
    assert exe.kwargs["exclude_binaries"] is True  # onedir: binaries go to COLLECT
    assert exe.kwargs["console"] is False
    assert exe.kwargs["name"] == collect.kwargs["name"] == "noojee-desktop"
    dests = {dest for _, dest in analysis.kwargs["datas"]}
    assert "noojee_desktop/resources/icons" in dests
    assert "noojee-desktop.dist-info" in dests  # the version shown in the About box
    assert "keyring.dist-info" in dests  # keyring finds its backends through entry points
    assert "keyring.backends.stub" in analysis.kwargs["hiddenimports"]
    excludes = analysis.kwargs["excludes"]
    assert "PySide6.QtQml" in excludes and "PySide6.QtQuick" in excludes
    # QtNetwork stays: the single-instance hand-over uses QLocalServer/QLocalSocket
    assert not {"PySide6.QtWidgets", "PySide6.QtGui", "PySide6.QtCore", "PySide6.QtSvg",
                "PySide6.QtNetwork"} & set(excludes)
    assert r["BUNDLE"] == []
    assert f"version {buildinfo.pyproject_version()}" in capsys.readouterr().out


def test_spec_on_windows_makes_an_ico_and_version_info(tmp_path, monkeypatch):
    r = run_spec(tmp_path, monkeypatch, "win32")
    (exe,) = r["EXE"]
    assert exe.kwargs["version"] == ("version-info", buildinfo.pyproject_version())
    ico = Path(exe.kwargs["icon"])
    assert ico.suffix == ".ico" and ico.is_relative_to(tmp_path)
    assert struct.unpack("<HHH", ico.read_bytes()[:6]) == (0, 1, len(buildinfo.ICON_SIZES))


def test_windows_version_info_carries_the_version():
    pytest.importorskip("PyInstaller.utils.win32.versioninfo")
    info = buildinfo.windows_version_info("1.2.3rc1")
    assert info.ffi.fileVersionMS == (1 << 16) | 2 and info.ffi.fileVersionLS == 3 << 16
    assert "1.2.3rc1" in str(info) and buildinfo.APP_NAME in str(info)


def test_the_app_uses_no_qt_module_the_spec_leaves_out():
    used = set()
    for path in (ROOT / "noojee_desktop").rglob("*.py"):
        used |= set(re.findall(r"\bPySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
        for line in re.findall(r"from PySide6 import ([\w, ()]+)", path.read_text(encoding="utf-8")):
            used |= set(re.findall(r"Qt\w+", line))
    excluded = {m.split(".", 1)[1] for m in buildinfo.QT_EXCLUDES if m.startswith("PySide6.")}
    assert not used & excluded, f"update QT_EXCLUDES in installer/buildinfo.py: the app uses {used & excluded}"


def test_ico_has_one_png_entry_per_size(tmp_path):
    ico = buildinfo.write_ico(list(buildinfo.icon_pngs().values()), tmp_path / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, len(buildinfo.ICON_SIZES))
    sizes = []
    for i in range(count):
        w, h, _, _, planes, bpp, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i])
        assert ico[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(ico)
        sizes.append(w or 256)
    assert sizes == list(buildinfo.ICON_SIZES)


def test_trim_drops_unused_qt_translations_system_libs_and_their_orphans():
    binaries = [
        ("PySide6/Qt/lib/libQt6Core.so.6", "/s/core", "BINARY"),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", "/s/net", "BINARY"),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/s/gtk", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/s/xcb", "BINARY"),
        ("libkrb5.so.3", "/s/krb5", "BINARY"),  # only the dropped QtPdf needs it (here)
        ("libatk-1.0.so.0", "/s/atk", "BINARY"),  # only the GTK theme needs it
        ("libz.so.1", "/s/z", "BINARY"),  # needed by kept and dropped files
        ("libxcb-icccm.so.4", "/s/icccm", "BINARY"),  # from the system, via the .deb
        ("libpython3.11.so.1.0", "/s/py", "BINARY"),  # loaded by the bootloader, linked by nothing
    ]
    datas = [
        ("PySide6/Qt/translations/qtbase_de.qm", "/s/de.qm", "DATA"),
        ("libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("certifi/cacert.pem", "/s/cacert.pem", "DATA"),
    ]
    links = {"/s/net": {"libkrb5.so.3", "libz.so.1", "libQt6Core.so.6"}, "/s/core": {"libz.so.1"}, "/s/gtk": {"libatk-1.0.so.0"}}
    kept, kept_datas, dropped = buildinfo.trim_bundle(binaries, datas, True, lambda src: links.get(src, set()))
    assert [b[0] for b in kept] == [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libz.so.1",
        "libpython3.11.so.1.0",
    ]
    assert [d[0] for d in kept_datas] == ["libQt6Core.so.6", "certifi/cacert.pem"]
    assert len(dropped) == len(binaries) + len(datas) - len(kept) - len(kept_datas)


def test_trim_on_windows_keeps_system_named_dlls():
    binaries = [("PySide6/Qt6Pdf.dll", "n", "BINARY"), ("PySide6/opengl32sw.dll", "o", "BINARY"), ("zlib1.dll", "z", "BINARY")]
    datas = [("PySide6/translations/qt_fr.qm", "f", "DATA")]
    kept, kept_datas, _ = buildinfo.trim_bundle(binaries, datas, False)
    assert kept == [("zlib1.dll", "z", "BINARY")] and kept_datas == []


def test_launcher_self_test_works_before_freezing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    proc = subprocess.run(
        [sys.executable, str(INSTALLER / "launcher.py"), "--self-test"],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout


# --- Linux package -------------------------------------------------------------------------


def test_desktop_entry_is_valid_and_starts_the_installed_launcher(tmp_path):
    path = tmp_path / "noojee-desktop.desktop"
    path.write_text(buildinfo.desktop_entry())
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "noojee-desktop"
    assert entry["Icon"] == "noojee-desktop" and entry["Terminal"] == "false"
    assert entry["Name"] == buildinfo.APP_NAME
    if shutil.which("desktop-file-validate"):
        proc = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout


def test_control_file_declares_the_xcb_libraries_and_the_metadata_version():
    version = buildinfo.package_version()
    control = buildinfo.control_file(version, "amd64", buildinfo.DEB_DEPENDS, 12345)
    fields = dict(re.findall(r"^(\S+): (.*)$", control, re.M))
    assert fields["Version"] == buildinfo.deb_version(version)
    assert fields["Architecture"] == "amd64" and fields["Installed-Size"] == "12345"
    depends = [alt.strip() for dep in fields["Depends"].split(",") for alt in dep.split("|")]
    for lib in XCB_DEPS:
        assert lib in depends
    assert control.endswith("\n") and all(line.startswith(" ") for line in control.split("Description:")[1].splitlines()[1:])


def test_unresolved_library_names_map_to_debian_packages_the_control_file_declares():
    soname_package_guess = _load("build").soname_package_guess

    declared = {alt.strip() for dep in buildinfo.DEB_DEPENDS for alt in dep.split("|")}
    for soname, package in [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libEGL.so.1", "libegl1"),
    ]:
        assert soname_package_guess(soname) == package
        assert package in declared


def test_bundled_system_libraries_are_the_ones_the_package_depends_on():
    for lib in ("libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libEGL.so.1", "libfontconfig.so.1", "libstdc++.so.6"):
        assert buildinfo.is_system_lib(lib)
    for lib in ("libQt6Core.so.6", "libpython3.11.so.1.0", "libssl.so.3", "libicuuc.so.73"):
        assert not buildinfo.is_system_lib(lib)


def test_uninstall_scripts_never_touch_user_data():
    for script in (buildinfo.POSTINST, buildinfo.POSTRM):
        assert script.startswith("#!/bin/sh\n")
        assert "rm " not in script and "/home" not in script and "$HOME" not in script
    if shutil.which("sh"):
        for script in (buildinfo.POSTINST, buildinfo.POSTRM):
            assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0


def test_usr_bin_launcher_passes_arguments_to_the_bundle():
    text = buildinfo.usr_bin_launcher()
    assert text.startswith("#!/bin/sh\n")
    assert 'exec /opt/noojee-desktop/noojee-desktop "$@"' in text


# --- Windows setup -------------------------------------------------------------------------


def test_nsis_script_registers_an_uninstaller_and_keeps_user_data():
    nsi = (INSTALLER / "windows" / "noojee-desktop.nsi").read_text()
    for needle in ('"DisplayVersion" "${VERSION}"', '"Publisher"', "WriteUninstaller", "$SMPROGRAMS", "$DESKTOP"):
        assert needle in nsi
    uninstall = nsi.split('Section "Uninstall"')[1]
    code = "\n".join(line for line in uninstall.splitlines() if not line.strip().startswith(";"))
    assert "APPDATA" not in code and "LOCALAPPDATA" not in code
    assert 'RMDir /r "$INSTDIR"' not in code  # never wipe a folder the user chose


@pytest.mark.skipif(not shutil.which("makensis"), reason="makensis not installed (apt-get install nsis)")
def test_nsis_script_compiles_against_a_stand_in_payload(tmp_path):
    proc = subprocess.run(
        ["bash", str(INSTALLER / "windows" / "check_nsis.sh"), str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHON=sys.executable),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    setup = Path(proc.stdout.strip().splitlines()[-1])
    assert setup.name == f"noojee-desktop-setup-{buildinfo.pyproject_version()}.exe"
    assert setup.read_bytes()[:2] == b"MZ" and setup.stat().st_size > 50_000
