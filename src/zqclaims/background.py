"""Run one piece of validation in a second process while the rest goes on.

Frictionless validates row by row in pure Python; on a machine with two cores
it runs in a forked child while this process runs the other stages, and the
findings are merged when the run ends. The child inherits the sandbox
(:mod:`zqclaims.guard`): it may not start a process, use the network or read
outside the package either, and what it is refused is reported as the parent's.

Where ``os.fork`` does not exist (Windows), with one core, or with
``ZQCLAIMS_WORKERS=1``, the work runs in this process at the point it is
submitted. A child that dies, answers garbage or does not answer in time is not
trusted: the work is done again in this process, so the findings never depend
on the worker.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from collections.abc import Callable

from . import guard
from .findings import Finding, Report

#: The most bytes a worker may answer (findings are bounded per check id, so this is generous).
MAX_ANSWER = 64 * 1024 * 1024
#: Where :func:`announce` writes: the child's end of the early-answer pipe, or a list when the
#: work runs in this process.
_announce_to: int | list | None = None


def announce(value: bool) -> None:
    """Called by the work: tell the parent one early yes/no before the work is done (what the
    parent does meanwhile may depend on it). Elsewhere a no-op."""
    global _announce_to
    target, _announce_to = _announce_to, None
    if isinstance(target, list):
        target.append(bool(value))
    elif isinstance(target, int):
        try:
            os.write(target, b"1" if value else b"0")
        finally:
            os.close(target)


def parallel() -> bool:
    """Whether work may go to a second process here."""
    if not hasattr(os, "fork") or os.environ.get("ZQCLAIMS_WORKERS") == "1":
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores > 1


class Pending:
    """Findings being computed, in a child process or already here."""

    def __init__(self, work: Callable[[], Report]) -> None:
        global _announce_to
        self._work = work
        self._done: Report | None = None
        self._pid = 0
        self._fd = -1
        self._flag_fd = -1
        self._flag: bool | None = None
        if not parallel():
            said: list[bool] = []
            _announce_to = said
            try:
                self._done = work()
            finally:
                _announce_to = None
            self._flag = said[0] if said else None
            return
        read_fd, write_fd = os.pipe()
        flag_read, flag_write = os.pipe()
        with guard.forking():
            pid = os.fork()
        if pid == 0:  # the child: compute, answer, leave without running the parent's exit handlers
            os.close(read_fd)
            os.close(flag_read)
            _announce_to = flag_write
            code = 0
            try:
                done = work()
                answer = json.dumps({"findings": [f.to_dict() for f in done.findings], "dropped": done.dropped,
                                     "timings": done.timings, "blocked": guard.refused()}).encode("utf-8")
            except BaseException:  # noqa: BLE001 - the parent redoes the work and reports what it finds
                answer, code = b"", 1
            try:
                view = memoryview(answer)
                while view:
                    view = view[os.write(write_fd, view):]
            finally:
                os._exit(code)
        os.close(write_fd)
        os.close(flag_write)
        self._pid, self._fd, self._flag_fd = pid, read_fd, flag_read

    def announcement(self, timeout: float | None = None) -> bool | None:
        """The work's early yes/no (:func:`announce`), waiting up to ``timeout`` seconds for it;
        None when the work said nothing, ended without saying it, or did not say it in time."""
        if self._flag_fd >= 0:
            try:
                if select.select([self._flag_fd], [], [], timeout)[0]:
                    said = os.read(self._flag_fd, 1)
                    self._flag = {b"1": True, b"0": False}.get(said)
            finally:
                os.close(self._flag_fd)
                self._flag_fd = -1
        return self._flag

    def cancel(self) -> None:
        """Stop the child if it is still running (the run ended early, e.g. on Ctrl-C)."""
        if self._done is None and self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            os.close(self._fd)
            if self._flag_fd >= 0:
                os.close(self._flag_fd)
                self._flag_fd = -1
            self._pid = 0

    def result(self, timeout: float | None = None) -> Report:
        """The findings (with what was dropped and the timings), waiting for the child if need be.
        A child that has not answered within ``timeout`` seconds is stopped and the work is done
        here (a fork can inherit a lock some thread held: the child must never hang the run)."""
        if self._done is None:
            self._done = self._collect(timeout)
        return self._done

    def _collect(self, timeout: float | None) -> Report:
        deadline = None if timeout is None else time.monotonic() + timeout
        chunks, size = [], 0
        try:
            while size <= MAX_ANSWER:
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not select.select([self._fd], [], [], wait)[0]:
                    os.kill(self._pid, signal.SIGKILL)  # no answer in time: not trusted, done again here
                    size = MAX_ANSWER + 1
                    break
                chunk = os.read(self._fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(self._fd)
            if self._flag_fd >= 0:
                os.close(self._flag_fd)
                self._flag_fd = -1
            _, status = os.waitpid(self._pid, 0)
        try:
            if size > MAX_ANSWER or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                raise ValueError("the worker failed")
            answer = json.loads(b"".join(chunks))
            done = Report(findings=[Finding(**f) for f in answer["findings"]],
                          dropped={str(k): int(v) for k, v in answer["dropped"].items()},
                          timings={str(k): float(v) for k, v in answer["timings"].items()})
            blocked = [str(b) for b in answer["blocked"]]
        except (ValueError, TypeError, KeyError, AttributeError):
            return self._work()  # not trusted: done again here
        for what in blocked:
            guard.record(what)  # reported as unsafe-operation-blocked, as if refused here
        return done
