"""Generates broken and hostile spreadsheet files for the reader's tests (nothing binary is committed).

Usage from tests: ``make_all(tmp_dir)`` -> {name: Path}; or one maker at a time.
Run as a script to write them into a folder for manual tries: ``python tests/hostile_files.py DIR``.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path

from noojee_desktop.core.sheet.reader import _col_letter as _col   # the A, B, ..., AA naming

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def write_raw_xlsx(path: Path, rows, *, dimension: str | None = None) -> Path:
    """A minimal xlsx written by hand, streaming: ``rows`` is an iterable of lists of str.

    Fast enough for a million rows (openpyxl would take a minute)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            head = _SHEET_HEAD + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
            fh.write(head.encode())
            buf = []
            for r, row in enumerate(rows, start=1):
                cells = "".join(
                    f'<c r="{_col(c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(row) if v
                )
                buf.append(f'<row r="{r}">{cells}</row>')
                if len(buf) >= 5000:
                    fh.write("".join(buf).encode())
                    buf.clear()
            fh.write(("".join(buf) + "</sheetData></worksheet>").encode())
    return path


def write_ods(path: Path, rows, *, hidden_first: bool = False) -> Path:
    """A minimal OpenDocument spreadsheet (content.xml by hand). Cells: str, int/float, or None."""
    def cell(v):
        if v is None or v == "":
            return "<table:table-cell/>"
        if isinstance(v, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    tables = f'<table:table table:name="Leads">{body}</table:table>'
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def _small_xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "FirstPhone"])
    ws.append(["Ann", "0383218199"])
    wb.save(buf)
    return buf.getvalue()


def not_a_zip(d: Path) -> Path:
    p = d / "not-a-zip.xlsx"
    p.write_bytes(b"This is just some text that someone renamed to .xlsx\r\n" * 20)
    return p


def truncated_zip(d: Path) -> Path:
    data = _small_xlsx_bytes()
    p = d / "truncated.xlsx"
    p.write_bytes(data[: len(data) // 2])
    return p


def zip_bomb(d: Path) -> Path:
    """A sheet entry of 64 MiB of zeros stored in ~64 KB (ratio ~1000:1)."""
    p = d / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(64):
                fh.write(block)
    return p


def huge_declared_zip(d: Path) -> Path:
    """A zip whose directory declares a 3 GiB entry (sizes patched; never expanded)."""
    p = d / "huge.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/worksheets/sheet1.xml", "x" * 100)
    data = bytearray(buf.getvalue())
    # patch the central-directory uncompressed size of every entry to 3 GiB (zip32 max is 4 GiB)
    i = data.find(b"PK\x01\x02")
    while i != -1:
        struct.pack_into("<I", data, i + 24, 3 << 30)
        i = data.find(b"PK\x01\x02", i + 4)
    p.write_bytes(bytes(data))
    return p


def encrypted_ole(d: Path) -> Path:
    """What Excel saves for a password-protected xlsx: an OLE compound file with an
    EncryptionInfo stream (header and directory entry names; contents are irrelevant here)."""
    p = d / "protected.xlsx"
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", header, 24, 0x3E, 3, 0xFFFE)
    sector = bytearray(512)
    for k, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        raw = name.encode("utf-16-le") + b"\0\0"
        entry = bytearray(128)
        entry[: len(raw)] = raw
        struct.pack_into("<H", entry, 64, len(raw))
        entry[66] = 5 if k == 0 else 2
        sector[k * 128 : (k + 1) * 128] = entry
    p.write_bytes(bytes(header) + bytes(sector) + b"\0" * 2048)
    return p


def encrypted_zip(d: Path) -> Path:
    """A zip whose entries carry the 'encrypted' flag (what a zip tool makes of a 'protected' xlsx)."""
    buf = io.BytesIO(_small_xlsx_bytes())
    data = bytearray(buf.getvalue())
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i != -1:
            flags = struct.unpack_from("<H", data, i + off)[0]
            struct.pack_into("<H", data, i + off, flags | 1)
            i = data.find(sig, i + 4)
    p = d / "zip-encrypted.xlsx"
    p.write_bytes(bytes(data))
    return p


def empty_file(d: Path, name: str = "empty.csv") -> Path:
    p = d / name
    p.write_bytes(b"")
    return p


def headers_only(d: Path) -> Path:
    p = d / "headers-only.csv"
    p.write_text("Name,FirstPhone,Email\r\n\r\n", encoding="utf-8")
    return p


def headers_only_xlsx(d: Path) -> Path:
    from openpyxl import Workbook

    p = d / "headers-only.xlsx"
    wb = Workbook()
    wb.active.append(["Name", "FirstPhone"])
    wb.save(p)
    return p


def binary_junk_csv(d: Path) -> Path:
    import random

    rnd = random.Random(7)
    p = d / "junk.csv"
    p.write_bytes(bytes(rnd.randrange(256) for _ in range(20000)) + b"\0\0\0")
    return p


def million_rows_csv(d: Path, rows: int = 1_048_576) -> Path:
    p = d / "million.csv"
    with open(p, "w", encoding="ascii", newline="") as fh:
        fh.write("Name,FirstPhone\r\n")
        line = "A,0383218199\r\n"
        chunk = line * 10000
        for _ in range(rows // 10000):
            fh.write(chunk)
        fh.write(line * (rows % 10000 - 1 if rows % 10000 else 0))
    return p


def million_rows_xlsx(d: Path, *, with_dimension: bool = True) -> Path:
    n = 1_048_576
    p = d / ("million.xlsx" if with_dimension else "million-nodim.xlsx")
    rows = (["Name", "FirstPhone"] if r == 0 else ["A", "0383218199"] for r in range(n))
    return write_raw_xlsx(p, rows, dimension=f"A1:B{n}" if with_dimension else None)


def wide_csv(d: Path, columns: int = 16_384) -> Path:
    p = d / "wide.csv"
    header = ",".join(f"C{i}" for i in range(columns))
    row = ",".join("x" for _ in range(columns))
    p.write_text(header + "\r\n" + row + "\r\n", encoding="ascii")
    return p


def wide_xlsx(d: Path, columns: int = 16_384) -> Path:
    p = d / "wide.xlsx"
    return write_raw_xlsx(p, [[f"C{i}" for i in range(columns)], ["x"] * columns])


def html_as_xls(d: Path) -> Path:
    p = d / "export.xls"
    p.write_text("<html><body><table><tr><td>Name</td></tr></table></body></html>", encoding="utf-8")
    return p


MAKERS = {
    "not_a_zip": not_a_zip,
    "truncated_zip": truncated_zip,
    "zip_bomb": zip_bomb,
    "huge_declared_zip": huge_declared_zip,
    "encrypted_ole": encrypted_ole,
    "encrypted_zip": encrypted_zip,
    "empty_file": empty_file,
    "headers_only": headers_only,
    "headers_only_xlsx": headers_only_xlsx,
    "binary_junk_csv": binary_junk_csv,
    "wide_csv": wide_csv,
    "wide_xlsx": wide_xlsx,
    "html_as_xls": html_as_xls,
}
SLOW_MAKERS = {"million_rows_csv": million_rows_csv, "million_rows_xlsx": million_rows_xlsx}


def make_all(d: Path, *, slow: bool = False) -> dict[str, Path]:
    d.mkdir(parents=True, exist_ok=True)
    makers = dict(MAKERS, **(SLOW_MAKERS if slow else {}))
    return {name: make(d) for name, make in makers.items()}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    for name, path in make_all(out, slow="--slow" in sys.argv).items():
        print(f"{name}: {path}")
