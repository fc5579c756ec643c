"""Facts shared by the PyInstaller spec, the build script, the .deb and the tests.

Plain Python with no third-party imports: the spec imports it on Windows CI too.
The version has ONE home: the package metadata (``version`` in pyproject.toml), read here
through ``importlib.metadata`` from the build environment's install of the project.
"""

from __future__ import annotations

import posixpath
import re
import struct
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "noojee-desktop"
APP_NAME = "Noojee Lead Loader"
PUBLISHER = "Noojee Lead Loader project"
DESCRIPTION = "Put sales leads into a Noojee Contact dialler from a form or a spreadsheet"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
ICONS_DIR = ROOT / "resources" / "icons"
INSTALL_DIR = f"/opt/{APP_ID}"  # the .deb's bundle folder

# System libraries Qt's xcb platform plugin and QtGui load at run time, as Debian packages.
# The bundle does NOT carry copies of these (they must match the user's X server, GPU driver
# and font setup), so the .deb declares them. build.py adds whatever else ldd finds on the
# built bundle; this list is the floor, valid even when the build machine lacks some of them.
DEB_DEPENDS = (
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libx11-6",
    "libx11-xcb1",
    "libegl1",
    "libgl1",
    "libopengl0",
    "libfontconfig1",
    "libfreetype6",
    "libdbus-1-3",
    "libglib2.0-0t64 | libglib2.0-0",  # renamed in Debian 13 / Ubuntu 24.04
)

# Shared-library name patterns that must come from the system (see DEB_DEPENDS), never from
# the build machine: the spec drops them from the Linux bundle.
SYSTEM_LIB_PATTERNS = (
    r"libxcb(-[a-z0-9-]+)?\.so.*",
    r"libxkbcommon(-x11)?\.so.*",
    r"libX11(-xcb)?\.so.*",
    r"libXau\.so.*",
    r"libXdmcp\.so.*",
    r"libX(ext|render|i|fixes|cursor|randr)\.so.*",
    r"libE?GL(X|dispatch)?\.so.*",
    r"libOpenGL\.so.*",
    r"libfontconfig\.so.*",
    r"libfreetype\.so.*",
    r"libdbus-1\.so.*",
    r"lib(glib|gobject|gthread|gmodule|gio)-2\.0\.so.*",
    r"libpng16\.so.*",
    r"libbrotli(common|dec|enc)\.so.*",
    r"libexpat\.so.*",
    r"libbsd\.so.*",
    r"libmd\.so.*",
    r"libsystemd\.so.*",
    r"libudev\.so.*",
    # the C++ runtime must match the system's GL drivers (Mesa loads it too)
    r"libstdc\+\+\.so.*",
    r"libgcc_s\.so.*",
)

# Qt modules the app does not use. Leaving them out keeps the bundle small; the frozen
# self-test imports every module of the app, so a wrong entry here fails the build check.
QT_EXCLUDES = (
    # (not QtNetwork: ui/single_instance.py talks to the running app over QLocalSocket)
    "PySide6.QtQml",
    "PySide6.QtQmlFeatures",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtLabsStyleKit",
    "PySide6.Qt3DCore",
    "PySide6.QtMultimedia",
    "PySide6.QtCharts",
    "PySide6.QtPdf",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    # other Qt bindings qasync would probe for
    "PyQt5",
    "PyQt6",
    "PySide2",
)
PY_EXCLUDES = ("tkinter", "_tkinter", "pytest", "pytestqt", "IPython", "numpy", "pandas")

# Bundle paths (relative, forward slashes) dropped after analysis. Written for both layouts:
# Linux/macOS wheels keep Qt under PySide6/Qt/{lib,plugins,translations}, Windows under PySide6/.
DROP_DATA_PREFIXES = (
    "PySide6/Qt/translations/",  # the UI is English only
    "PySide6/translations/",
    "PySide6/Qt/qml/",
    "PySide6/qml/",
)
_QT = r"PySide6/(?:Qt/)?"
DROP_BINARY_PATTERNS = (
    _QT + r"(?:lib/)?(?:lib)?Qt6(?:Quick|Qml|Pdf|VirtualKeyboard|Wayland|EglFs|WlShell|Labs)\w*\.(?:so\.6|dll)",
    _QT + r"plugins/(?:platforminputcontexts|networkinformation|tls|qmltooling|sqldrivers|designer|generic"
    r"|egldeviceintegrations|wayland-[a-z-]+)/.*",
    _QT + r"plugins/platforms/(?:lib)?q(?:wayland|eglfs|linuxfb|minimalegl|vnc|vkkhrdisplay|direct2d)[^/]*",
    _QT + r"plugins/platformthemes/(?:lib)?qgtk3[^/]*",  # would pull in all of GTK 3
    _QT + r"plugins/imageformats/(?:lib)?q(?:pdf|tiff|webp|icns|tga|wbmp|jpeg)[^/]*",
    r"PySide6/opengl32sw\.dll",  # 20 MB software OpenGL: a widgets app draws without OpenGL
)


def _norm(path: str) -> str:
    return path.replace("\\", "/")


def trim_bundle(binaries: list, datas: list, is_linux: bool, needed=None) -> tuple[list, list, list]:
    """Drop unused Qt parts; on Linux also the system libraries the .deb depends on and the
    libraries only the dropped parts needed. Entries are PyInstaller TOC tuples (dest, src, type).

    needed(src) -> set of library file names src links to (DT_NEEDED); PyInstaller's by default.
    Returns (binaries, datas, dropped)."""
    dropped_binaries = [b for b in binaries if any(re.fullmatch(p, _norm(b[0]), re.I) for p in DROP_BINARY_PATTERNS)]
    if is_linux:
        dropped_binaries += [b for b in binaries if "/" not in _norm(b[0]) and is_system_lib(b[0])]
    gone = {id(b) for b in dropped_binaries}
    kept = [b for b in binaries if id(b) not in gone]
    if is_linux:
        orphans = _orphans(kept, dropped_binaries, needed or _pyinstaller_needed)
        dropped_binaries += [b for b in kept if "/" not in _norm(b[0]) and b[0] in orphans]
        kept = [b for b in kept if not ("/" not in _norm(b[0]) and b[0] in orphans)]
    dropped_dests = {_norm(b[0]) for b in dropped_binaries}
    dropped_datas = [
        d
        for d in datas
        if any(_norm(d[0]).startswith(p) for p in DROP_DATA_PREFIXES)
        # links such as _internal/libQt6Network.so.6 -> PySide6/Qt/lib/libQt6Network.so.6
        or (d[2] == "SYMLINK" and _symlink_target(d) in dropped_dests)
    ]
    gone = {id(d) for d in dropped_datas}
    return kept, [d for d in datas if id(d) not in gone], dropped_binaries + dropped_datas


def _symlink_target(entry) -> str:
    dest, link = _norm(entry[0]), _norm(entry[1])
    return posixpath.normpath(posixpath.join(posixpath.dirname(dest), link))


def _pyinstaller_needed(src: str) -> set[str]:
    from PyInstaller.depend.bindepend import get_imports

    return {Path(name).name for name, _ in get_imports(src)}


def _orphans(kept: list, dropped: list, needed) -> set[str]:
    """Top-level libraries reachable from the dropped files but from nothing that stays."""
    top = {b[0]: b for b in kept if "/" not in _norm(b[0])}

    def reach(sources: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(sources)
        while todo:
            for name in needed(todo.pop()):
                if name in top and name not in seen:
                    seen.add(name)
                    if top[name][2] != "SYMLINK":
                        todo.append(top[name][1])
        return seen

    roots = [b[1] for b in kept if b[2] != "SYMLINK" and ("/" in _norm(b[0]) or b[2] == "EXTENSION")]
    from_dropped = reach([b[1] for b in dropped if b[2] != "SYMLINK"])
    # Links (e.g. libQt6Core.so.6 -> PySide6/Qt/lib/...) to files that stay are never orphans.
    return {name for name in from_dropped - reach(roots) if top[name][2] != "SYMLINK"}


def pyproject_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def package_version() -> str:
    """The installed package's version (what the frozen app's About box will show)."""
    from importlib import metadata

    return metadata.version(APP_ID)


def check_version_current() -> str:
    """The metadata version, refusing a stale install whose version differs from pyproject.toml."""
    installed, source = package_version(), pyproject_version()
    if installed != source:
        raise SystemExit(
            f"the installed {APP_ID} metadata says {installed} but pyproject.toml says {source}: "
            f"reinstall the project (pip install -e .) before building"
        )
    return installed


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """'1.2.3' -> (1, 2, 3, 0); pre/post/dev/local parts are dropped (Windows wants 4 numbers)."""
    match = re.match(r"^\d+(\.\d+)*", version)
    parts = [int(p) for p in match.group(0).split(".")][:4] if match else []
    return tuple((parts + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def deb_version(version: str) -> str:
    """PEP 440 -> Debian: pre-releases sort before the release ('1.0rc1' -> '1.0~rc1')."""
    return re.sub(r"(\d)(a|b|rc|\.dev)(\d+)", lambda m: f"{m.group(1)}~{m.group(2).lstrip('.')}{m.group(3)}", version)


def windows_version_info(version: str):
    """A PyInstaller VSVersionInfo (Windows Explorer's Details tab). Imported lazily: Windows only."""
    from PyInstaller.utils.win32.versioninfo import (
        FixedFileInfo,
        StringFileInfo,
        StringStruct,
        StringTable,
        VarFileInfo,
        VarStruct,
        VSVersionInfo,
    )

    nums = numeric_version(version)
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=nums, prodvers=nums, mask=0x3F, flags=0x0, OS=0x40004, fileType=0x1),
        kids=[
            StringFileInfo(
                [
                    StringTable(
                        "040904B0",
                        [
                            StringStruct("CompanyName", PUBLISHER),
                            StringStruct("FileDescription", APP_NAME),
                            StringStruct("FileVersion", version),
                            StringStruct("InternalName", APP_ID),
                            StringStruct("OriginalFilename", f"{APP_ID}.exe"),
                            StringStruct("ProductName", APP_NAME),
                            StringStruct("ProductVersion", version),
                        ],
                    )
                ]
            ),
            VarFileInfo([VarStruct("Translation", [0x0409, 1200])]),
        ],
    )


def icon_pngs() -> dict[int, Path]:
    return {size: ICONS_DIR / f"{APP_ID}-{size}.png" for size in ICON_SIZES}


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def write_ico(pngs: list[Path], out: Path) -> Path:
    """A Windows .ico holding the PNGs as they are (PNG-in-ICO, Windows Vista and later).

    No Pillow needed, so the spec can make it on any build machine."""
    images = [p.read_bytes() for p in pngs]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for data in images:
        w, h = png_size(data)
        if w > 256 or h > 256:
            raise ValueError(f"icon images are at most 256x256, got {w}x{h}")
        entries += struct.pack("<BBBBHHII", w % 256, h % 256, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header + entries + blobs)
    return out


def desktop_entry() -> str:
    """The freedesktop menu entry installed to /usr/share/applications."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        f"GenericName=Lead uploader\n"
        f"Comment={DESCRIPTION}\n"
        f"Exec={APP_ID} %f\n"
        f"TryExec={APP_ID}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "Categories=Office;\n"
        "Keywords=Noojee;dialler;dialer;leads;campaign;spreadsheet;\n"
        "MimeType=text/csv;application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;"
        "application/vnd.ms-excel;application/vnd.oasis.opendocument.spreadsheet;\n"
        f"StartupWMClass={APP_ID}\n"
    )


def usr_bin_launcher() -> str:
    return (
        "#!/bin/sh\n"
        f"# {APP_NAME}: the real program is the bundle in {INSTALL_DIR}.\n"
        f'exec {INSTALL_DIR}/{APP_ID} "$@"\n'
    )


def control_file(version: str, arch: str, depends: list[str] | tuple[str, ...], installed_kib: int) -> str:
    return (
        f"Package: {APP_ID}\n"
        f"Version: {deb_version(version)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {PUBLISHER} <noreply@localhost>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Description: {APP_NAME}\n"
        f" {DESCRIPTION}.\n"
        " Self-contained build (Python and Qt included) installed under /opt.\n"
        " Removing or purging the package leaves each user's settings, saved\n"
        " field lists and upload journal in their home folder untouched.\n"
    )


# Maintainer scripts: refresh the menu and icon caches when the tools exist. They never
# touch users' home folders (settings and journal survive remove AND purge).
POSTINST = """#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
fi
exit 0
"""

POSTRM = """#!/bin/sh
set -e
# Users' settings and upload journals live in their home folders
# (~/.config, ~/.local/share/noojee-desktop); they are left alone on remove and purge.
case "$1" in
    remove|purge)
        if command -v update-desktop-database >/dev/null 2>&1; then
            update-desktop-database -q /usr/share/applications || true
        fi
        if command -v gtk-update-icon-cache >/dev/null 2>&1; then
            gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
        fi
        ;;
esac
exit 0
"""


def is_system_lib(name: str) -> bool:
    return any(re.fullmatch(p, name) for p in SYSTEM_LIB_PATTERNS)


if __name__ == "__main__":  # python installer/buildinfo.py -> prints the version the build will use
    sys.stdout.write(check_version_current() + "\n")
