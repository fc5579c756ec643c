#!/usr/bin/env bash
# Prove installer/windows/noojee-desktop.nsi compiles, on Linux, with Debian's makensis
# (apt-get install -y nsis), against a stand-in payload: a fake noojee-desktop.exe and a few
# files where the PyInstaller bundle would be. Exit 0 and prints the setup .exe path on success.
#
#   installer/windows/check_nsis.sh [OUTDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v makensis >/dev/null || { echo "makensis not found: apt-get install -y nsis" >&2; exit 2; }
python="${PYTHON:-python3}"

out="${1:-$(mktemp -d)}"
mkdir -p "$out"
payload="$out/payload/noojee-desktop"
rm -rf "$out/payload"
mkdir -p "$payload/_internal/noojee_desktop/resources/icons" "$payload/_internal/PySide6"
printf 'MZ stand-in for the PyInstaller executable\n' >"$payload/noojee-desktop.exe"
printf 'stand-in\n' >"$payload/_internal/python311.dll"
printf 'stand-in\n' >"$payload/_internal/PySide6/Qt6Core.dll"
cp "$root/resources/icons/noojee-desktop.svg" "$payload/_internal/noojee_desktop/resources/icons/"

# The real version and icon, made the same way the PyInstaller spec makes them.
version="$(cd "$root" && "$python" -c 'import sys; sys.path.insert(0, "installer"); import buildinfo; print(buildinfo.pyproject_version())')"
numeric="$(cd "$root" && "$python" -c 'import sys; sys.path.insert(0, "installer"); import buildinfo as b; print(".".join(map(str, b.numeric_version(b.pyproject_version()))))')"
icon="$out/noojee-desktop.ico"
(cd "$root" && "$python" -c 'import sys; from pathlib import Path; sys.path.insert(0, "installer"); import buildinfo as b; b.write_ico(list(b.icon_pngs().values()), Path(sys.argv[1]))' "$icon")

setup="$out/noojee-desktop-setup-$version.exe"
rm -f "$setup"
makensis -V2 -WX -NOCD \
    "-DVERSION=$version" "-DVERSION_NUMERIC=$numeric" \
    "-DPAYLOAD=$payload" "-DOUTFILE=$setup" "-DICON=$icon" \
    "$here/noojee-desktop.nsi"
[ -s "$setup" ] || { echo "makensis produced no $setup" >&2; exit 1; }
[ "$(head -c 2 "$setup")" = "MZ" ] || { echo "$setup is not a Windows executable" >&2; exit 1; }
echo "$setup"
