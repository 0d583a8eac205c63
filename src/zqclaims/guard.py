"""A second line of defence while a package is validated: no process, no
network, no file outside the package.

The validator never evaluates strings from a package and resolves every path
itself (:mod:`zqclaims.package`). This module makes that promise hold even if a
library it calls (Frictionless, jsonschema, Great Expectations) were tricked
into doing otherwise: inside :func:`sandbox`, a Python audit hook refuses

- starting a process (``os.system``, ``subprocess``, ``os.exec*``, ``os.spawn*``, ``os.posix_spawn``),
- network name look-ups and connections (``socket.getaddrinfo``, ``socket.connect``, ``urllib``),
- opening a file outside the package, the Python installation, the modules on
  ``sys.path`` and the temporary directory (Great Expectations' in-memory context
  uses it), and opening any file for writing outside the temporary directory.

Each refusal raises :class:`Blocked` in the caller and is recorded, so the
report can say what was attempted (check id ``unsafe-operation-blocked``).
Audit hooks cannot be removed, so one hook is installed once and is inert
outside :func:`sandbox`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PROCESS_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.spawn", "os.posix_spawn", "os.startfile",
                   "os.fork", "os.forkpty", "pty.spawn")
_NETWORK_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.connect",
                   "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect", "webbrowser.open")
_SYSTEM_READS = ("/dev/null", "/dev/urandom", "/dev/random", "/etc/localtime", "/usr/share/zoneinfo",
                 "/proc/self", "/sys/fs/cgroup", "/etc/ssl", "/usr/lib/ssl")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Blocked(PermissionError):
    """An operation the sandbox refuses while a package is validated."""


_lock = threading.Lock()
_active: dict = {"on": False, "read_roots": (), "write_roots": (), "blocked": [], "fork_ok": False}
_installed = False


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _refuse(what: str) -> None:
    if len(_active["blocked"]) < 100:
        _active["blocked"].append(what)
    raise Blocked(f"zqclaims refuses {what} while validating an untrusted package")


def _hook(event: str, args: tuple) -> None:
    if not _active["on"]:
        return
    if event == "os.fork" and _active.get("fork_ok"):
        return  # zqclaims' own worker (zqclaims.background); the child stays sandboxed
    if event.startswith(_PROCESS_EVENTS):
        _refuse(f"to start a process ({event})")
    elif event.startswith(_NETWORK_EVENTS):
        _refuse(f"network access ({event})")
    elif event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(path, int) or path is None:
            return
        try:
            full = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            _refuse("to open a path it cannot read")
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and not _inside(full, _active["write_roots"]):
            _refuse(f"to write {os.fsdecode(path)!r}")
        elif not _inside(full, _active["read_roots"]):
            _refuse(f"to read {os.fsdecode(path)!r}, which is outside the package")


def _install() -> None:
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def _system_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *_SYSTEM_READS}
    cwd = os.getcwd()
    roots.update(p for p in sys.path if p and os.path.abspath(p) != cwd)
    roots.add(str(Path(__file__).resolve().parent))
    return tuple(sorted({os.path.realpath(r) for r in roots} | roots))


@contextmanager
def forking() -> Iterator[None]:
    """Allow the validator's own ``os.fork`` (and nothing else) while the block runs. The
    child inherits the hook and the sandbox, so it is as confined as its parent."""
    _active["fork_ok"] = True
    try:
        yield
    finally:
        _active["fork_ok"] = False


def refused() -> list[str]:
    """What the sandbox has refused so far in this process."""
    return list(_active["blocked"])


def record(what: str) -> None:
    """Record a refusal that happened in a worker process."""
    if _active["on"] and len(_active["blocked"]) < 100 and what not in _active["blocked"]:
        _active["blocked"].append(what)


@contextmanager
def sandbox(package_root: Path, extra_reads: tuple[Path, ...] = ()) -> Iterator[list[str]]:
    """Refuse processes, network and files outside ``package_root`` (and the
    Python installation) while the block runs. Yields the list of refused
    operations, filled as they happen."""
    _install()
    tmp = os.path.realpath(tempfile.gettempdir())  # resolve before the hook is on
    reads = (str(package_root.resolve()), *(str(p.resolve()) for p in extra_reads), tmp, *_system_roots())
    previous = dict(_active)
    blocked: list[str] = []
    _active.update(on=True, read_roots=reads, write_roots=(tmp,), blocked=blocked, fork_ok=False)
    try:
        yield blocked
    finally:
        _active.update(previous)
