"""``noojee-desktop --self-test``: is this installation able to run?

Run on an agent's workstation (or inside a freshly built bundle) it checks, one line each:
the Python modules the app needs, the Qt modules and a Qt platform plugin, the TLS
certificates used to reach the dialler, the password store for the API key, a writable
data folder for the journal, the shipped resources and the version. Each line starts with
OK, WARN or FAIL; the exit code is 0 when nothing FAILed, so support staff and the
installer test can run it unattended.

Nothing here needs a screen: without one Qt is started with the ``offscreen`` platform.
Nothing here writes outside a temporary file in the data folder, and the API key store is
only named, never read or written (no unlock prompt).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import ssl
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TextIO

OK, WARN, FAIL = "OK", "WARN", "FAIL"

# Modules the app imports at run time. A frozen bundle that misses one fails here, with
# its name, instead of in front of an agent halfway through an upload.
THIRD_PARTY_MODULES = (
    "httpx",
    "openpyxl",
    "python_calamine",
    "aiohttp",
    "qasync",
    "keyring",
    "platformdirs",
    "certifi",
    "truststore",
    "watchdog",
    "filelock",
    "phonenumbers",
    "phonenumbers.data.region_AU",
    "holidays",
    "holidays.countries.australia",
)
QT_MODULES = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg")

DATA_APP_NAME = "noojee-desktop"


class CheckResult(NamedTuple):
    status: str  # OK, WARN or FAIL
    detail: str  # one line a support person can act on


def _version_of(module_name: str) -> str:
    from importlib import metadata

    dist = {
        "python_calamine": "python-calamine",
        "PySide6": "PySide6-Essentials",
    }.get(module_name, module_name)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # a frozen bundle keeps only some packages' metadata
        module = sys.modules.get(module_name)
        return str(getattr(module, "__version__", ""))


def _import_all(names: tuple[str, ...]) -> CheckResult:
    done, failed = [], []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
        else:
            top = name.split(".")[0]
            done.append(name if "." in name else f"{name} {_version_of(top)}".strip())
    if failed:
        return CheckResult(FAIL, "cannot import " + "; ".join(failed))
    return CheckResult(OK, ", ".join(done))


def check_python_modules() -> CheckResult:
    return _import_all(THIRD_PARTY_MODULES)


def check_app_modules() -> CheckResult:
    """Every module of the app itself imports (catches modules a frozen build left out)."""
    import noojee_desktop

    names = ["noojee_desktop"]
    for info in pkgutil.walk_packages(noojee_desktop.__path__, "noojee_desktop."):
        if info.name.endswith("__main__") or info.name.startswith("noojee_desktop.resources"):
            continue
        names.append(info.name)
    result = _import_all(tuple(names))
    if result.status == OK:
        return CheckResult(OK, f"{len(names)} modules of noojee_desktop")
    return result


def check_qt_modules() -> CheckResult:
    result = _import_all(QT_MODULES)
    if result.status == OK:
        return CheckResult(OK, f"PySide6 {_version_of('PySide6')}: " + ", ".join(m.split(".")[1] for m in QT_MODULES))
    return result


def _needs_offscreen() -> bool:
    """True when there is no screen to show a window on (a server, CI, an ssh session)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return False
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def _preload_xcb_plugin() -> str | None:
    """Load Qt's xcb plugin by hand first: a missing system library then gives a clear
    message naming it, instead of Qt aborting the whole process."""
    import ctypes

    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    plugin = plugins / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return f"the xcb platform plugin is missing ({plugin})"
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return f"the xcb platform plugin cannot load: {exc}"
    return None


def check_qt_platform() -> CheckResult:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    app = QCoreApplication.instance()
    if app is None:
        args = ["noojee-desktop"]
        platform_env = os.environ.get("QT_QPA_PLATFORM", "")
        if _needs_offscreen():
            args += ["-platform", "offscreen"]
        elif sys.platform.startswith("linux") and platform_env in ("", "xcb") and not os.environ.get("WAYLAND_DISPLAY"):
            problem = _preload_xcb_plugin()
            if problem:
                return CheckResult(FAIL, problem + " (install the package's dependencies: apt-get install -f)")
        from PySide6.QtWidgets import QApplication

        app = QApplication(args)
    if not isinstance(app, QGuiApplication):
        return CheckResult(FAIL, "a non-GUI Qt application is already running in this process")
    name = QGuiApplication.platformName()
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return CheckResult(FAIL, f"platform '{name}' loaded but reports no screen")
    size = screen.size()
    detail = f"platform '{name}', screen {size.width()}x{size.height()}"
    if name == "offscreen":
        return CheckResult(OK, detail + " (no display: checked off screen)")
    return CheckResult(OK, detail)


def check_resources() -> CheckResult:
    import noojee_desktop

    base = noojee_desktop.resources_path()
    if not base.is_dir():
        return CheckResult(FAIL, f"resource folder missing: {base}")
    svg = base / "icons" / "noojee-desktop.svg"
    if not svg.exists():
        return CheckResult(WARN, f"{base}: the app icon is missing (icons/noojee-desktop.svg)")
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        return CheckResult(FAIL, f"the app icon cannot be drawn: {svg}")
    return CheckResult(OK, f"{base} (app icon draws)")


def check_tls() -> CheckResult:
    import certifi

    bundle = Path(certifi.where())
    if not bundle.is_file():
        return CheckResult(FAIL, f"certificate bundle missing: {bundle}")
    ctx = ssl.create_default_context(cafile=str(bundle))
    cas = ctx.cert_store_stats().get("x509_ca", 0)
    if cas == 0:
        return CheckResult(FAIL, f"certificate bundle {bundle} holds no certificates")
    system = ssl.create_default_context()
    system_cas = system.cert_store_stats().get("x509_ca", 0)
    try:
        from noojee_desktop.core.api import default_ssl_context
        import truststore

        uses_system = isinstance(default_ssl_context(), truststore.SSLContext)
    except ImportError as e:
        return CheckResult(FAIL, f"the operating system's certificate store cannot be used ({e})")
    if not uses_system:
        return CheckResult(FAIL, "connections do not check certificates against the operating system's store")
    return CheckResult(OK, f"{ssl.OPENSSL_VERSION}; operating system store used (truststore); "
                           f"certifi bundle {cas} CAs ({bundle}); OpenSSL default paths {system_cas} CAs")


def check_keyring() -> CheckResult:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    chained = getattr(backend, "backends", None)
    if chained is not None:
        if not chained:
            return CheckResult(WARN, f"{name} with no usable store: the API key cannot be remembered")
        name += " [" + ", ".join(type(b).__name__ for b in chained) + "]"
    if isinstance(backend, fail.Keyring) or type(backend).__module__.startswith("keyring.backends.null"):
        return CheckResult(WARN, f"no secure password store ({name}): the API key must be typed each time")
    return CheckResult(OK, name)


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(DATA_APP_NAME, appauthor=False))


def check_data_dir() -> CheckResult:
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".selftest-", dir=folder)
        try:
            os.write(fd, b"noojee self-test\n")
        finally:
            os.close(fd)
        probe = Path(name)
        ok = probe.read_bytes() == b"noojee self-test\n"
        probe.unlink()
    except OSError as exc:
        return CheckResult(FAIL, f"cannot write to {folder}: {exc.strerror or exc}")
    if not ok:
        return CheckResult(FAIL, f"{folder}: a file written there read back differently")
    return CheckResult(OK, f"{folder} is writable")


def check_version() -> CheckResult:
    import noojee_desktop

    version = noojee_desktop.__version__
    frozen = " (frozen bundle)" if getattr(sys, "frozen", False) else ""
    if not version or version.startswith("0+unknown"):
        return CheckResult(FAIL, "the version is unknown: the build left out the package metadata")
    return CheckResult(OK, f"{noojee_desktop.APP_NAME} {version}, Python {sys.version.split()[0]}{frozen}")


CHECKS: tuple[tuple[str, Callable[[], CheckResult]], ...] = (
    ("version", check_version),
    ("python modules", check_python_modules),
    ("app modules", check_app_modules),
    ("qt modules", check_qt_modules),
    ("qt platform", check_qt_platform),
    ("resources", check_resources),
    ("tls certificates", check_tls),
    ("keyring", check_keyring),
    ("data directory", check_data_dir),
)


def run_self_test(stream: TextIO | None = None) -> int:
    """Run every check, print one line per check, return 0 when none FAILed (else 1)."""
    out = stream if stream is not None else sys.stdout
    failures = warnings = 0
    width = max(len(name) for name, _ in CHECKS)
    print(f"Noojee Lead Loader self-test ({sys.platform})", file=out, flush=True)
    for name, check in CHECKS:
        try:
            status, detail = check()
        except Exception as exc:  # noqa: BLE001 - a crashing check is a failed check
            status = FAIL
            detail = f"{type(exc).__name__}: {exc}"
            if os.environ.get("NOOJEE_SELFTEST_DEBUG"):
                detail += "\n" + traceback.format_exc()
        failures += status == FAIL
        warnings += status == WARN
        print(f"{status:<4}  {name:<{width}}  {detail}", file=out, flush=True)
    verdict = "FAILED" if failures else "passed"
    print(f"self-test {verdict}: {failures} failed, {warnings} warnings, {len(CHECKS)} checks", file=out, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":  # python -m noojee_desktop.commands.selftest
    raise SystemExit(run_self_test())
