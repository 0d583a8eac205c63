"""Deterministic archives and checksums.

A zip entry carries a timestamp and permissions; to make the same input give
the same bytes, every entry gets the package's ``created`` date (or 1980-01-01,
the earliest a zip can hold), mode 0644, and the entries are written sorted.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def timestamp(descriptor: dict) -> tuple[int, int, int, int, int, int]:
    """The fixed time stamped on every archive entry: the package's ``created`` day."""
    m = _DATE.match(str(descriptor.get("created", "")))
    if not m:
        return EPOCH
    stamp = (int(m[1]), int(m[2]), int(m[3]), 0, 0, 0)
    return max(stamp, EPOCH)


def _info(name: str, when: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    info.create_system = 3  # Unix, so that the mode above is read
    return info


def write_zip(path: Path, files: dict[str, bytes], when: tuple[int, ...], prefix: str = "",
              keep_order: bool = False) -> None:
    """Write ``files`` (name -> bytes) to ``path``, sorted by name unless ``keep_order``."""
    names = list(files) if keep_order else sorted(files)
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(_info(prefix + name, when), files[name], compresslevel=9)


def normalize_zip(path: Path, when: tuple[int, ...], edits: dict | None = None) -> None:
    """Rewrite a zip made by another library (an .xlsx) with fixed timestamps, in its own order;
    ``edits`` maps an entry name to a function that rewrites its bytes."""
    with zipfile.ZipFile(path) as zf:
        files = {info.filename: zf.read(info) for info in zf.infolist()}
    for name, edit in (edits or {}).items():
        if name in files:
            files[name] = edit(files[name])
    write_zip(path, files, when, keep_order=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sums(out: Path, names: list[str]) -> dict[str, str]:
    """``SHA256SUMS`` in the format ``sha256sum -c`` reads (two spaces, sorted names)."""
    sums = {name: sha256(out / name) for name in sorted(names)}
    (out / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()), encoding="utf-8")
    return sums
