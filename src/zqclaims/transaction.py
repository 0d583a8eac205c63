"""Replace several files of a package as one step, or not at all.

:func:`commit` stages every new file as ``.<name>.zqclaims-tmp`` next to its
target (same permission bits, fsynced), writes a journal
``.zqclaims-fmt-journal.json`` listing the (temp, target) pairs, renames, and
deletes the journal. A run killed after the journal exists is completed by
:func:`recover` at the start of the next run; a run killed before leaves only
temp files, which :func:`recover` deletes. :func:`interrupted` reports either.

The package is untrusted, so a journal found in it is too: it may only rename
a ``.<name>.zqclaims-tmp`` regular file onto ``<name>`` in the same directory
inside the package, and only onto ``datapackage.json`` or a ``.csv`` file that
is not an archived text.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from . import safejson
from .findings import CouldNotRun
from .package import DESCRIPTOR, UnsafePath, safe_path

JOURNAL = ".zqclaims-fmt-journal.json"
TMP_SUFFIX = ".zqclaims-tmp"
_DEFAULT_MODE = 0o644


def temp_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TMP_SUFFIX}")


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mode_of(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return _DEFAULT_MODE


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (never following a link), write, set ``mode``, fsync."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them to the
    handlers that were in place before (only possible in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    sigs = [signal.SIGINT, signal.SIGTERM]
    old = {s: signal.getsignal(s) for s in sigs}

    def hold(signum: int, _frame: object) -> None:
        received.append(signum)

    for s in sigs:
        signal.signal(s, hold)
    try:
        yield
    finally:
        for s in sigs:
            signal.signal(s, old[s])
        for s in dict.fromkeys(received):
            signal.raise_signal(s)


def commit(root: Path, writes: dict[Path, bytes]) -> None:
    """Replace every ``target`` of ``writes`` (absolute paths inside ``root``) with its bytes, all or none."""
    if not writes:
        return
    root = root.resolve()
    staged: list[tuple[Path, Path]] = []
    try:
        for target in sorted(writes):
            tmp = temp_for(target)
            _write_new(tmp, writes[target], _mode_of(target))
            staged.append((tmp, target))
        for directory in sorted({t.parent for _, t in staged}):
            _fsync_dir(directory)
        entries = [{"temp": _rel(root, tmp), "target": _rel(root, target)} for tmp, target in staged]
        doc = json.dumps({"renames": entries}, ensure_ascii=False, indent=2) + "\n"
        journal_tmp = temp_for(root / JOURNAL)
        _write_new(journal_tmp, doc.encode("utf-8"), _DEFAULT_MODE)
        os.rename(journal_tmp, root / JOURNAL)
        _fsync_dir(root)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        temp_for(root / JOURNAL).unlink(missing_ok=True)
        raise
    # From here on the journal completes the change if this process dies.
    with deferred_signals():
        for tmp, target in staged:
            os.replace(tmp, target)
        for directory in sorted({t.parent for _, t in staged}):
            _fsync_dir(directory)
        (root / JOURNAL).unlink()
        _fsync_dir(root)


def _temp_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        out += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(TMP_SUFFIX)]
    return out


def interrupted(root: Path) -> list[str]:
    """Paths (relative, sorted) of a journal or temp files an interrupted fmt left; [] when clean."""
    root = Path(root).resolve()
    found = [root / JOURNAL] if (root / JOURNAL).exists() or (root / JOURNAL).is_symlink() else []
    return sorted(_rel(root, p) for p in found + _temp_files(root))


def _journal_pairs(root: Path, is_text: Callable[[Path], bool]) -> list[tuple[Path, Path]]:
    hint = ("the journal of an interrupted 'zqclaims fmt' is damaged; restore the package from version control "
            f"and delete {JOURNAL}")
    path = root / JOURNAL
    if path.is_symlink() or not path.is_file():
        raise CouldNotRun(f"{JOURNAL}: not a regular file", hint)
    try:
        doc = safejson.loads(path.read_bytes())
    except safejson.JSONProblem as exc:
        raise CouldNotRun(f"{JOURNAL}: {exc.message}", hint) from None
    entries = doc.get("renames") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise CouldNotRun(f"{JOURNAL}: expected an object with a list 'renames'", hint)
    pairs = []
    for i, entry in enumerate(entries):
        where = f"{JOURNAL}: renames[{i}]"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("temp", "target")):
            raise CouldNotRun(f"{where}: expected {{'temp': path, 'target': path}}", hint)
        try:
            target = safe_path(root, entry["target"])
            tmp_parent = safe_path(root, str(PurePosixPath(entry["temp"]).parent))
        except UnsafePath as exc:
            raise CouldNotRun(f"{where}: {exc}", hint) from None
        tmp = tmp_parent / PurePosixPath(entry["temp"]).name
        if tmp != temp_for(target):
            raise CouldNotRun(f"{where}: temp '{entry['temp']}' is not the temp file of '{entry['target']}'", hint)
        if target != root / DESCRIPTOR and (target.suffix != ".csv" or is_text(target)):
            raise CouldNotRun(f"{where}: '{entry['target']}' is not a file fmt writes", hint)
        pairs.append((tmp, target))
    return pairs


def recover(root: Path, is_text: Callable[[Path], bool]) -> list[str]:
    """Complete a journalled change, then delete stray temp files. Returns what it touched."""
    root = Path(root).resolve()
    touched: list[str] = []
    if (root / JOURNAL).exists() or (root / JOURNAL).is_symlink():
        pairs = _journal_pairs(root, is_text)
        with deferred_signals():
            for tmp, target in pairs:
                if tmp.is_symlink() or not tmp.is_file():
                    continue
                os.replace(tmp, target)
                touched.append(_rel(root, target))
            for directory in sorted({t.parent for _, t in pairs}):
                _fsync_dir(directory)
            (root / JOURNAL).unlink()
            _fsync_dir(root)
        touched.append(JOURNAL)
    for tmp in _temp_files(root):
        tmp.unlink()
        touched.append(_rel(root, tmp))
    return sorted(set(touched))
