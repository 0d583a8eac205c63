"""Run one piece of validation in a second process while the rest goes on.

Frictionless validates row by row in pure Python; on a machine with two cores
it runs in a forked child while this process runs the other stages, and its
findings are merged when the run ends. The child inherits the sandbox
(:mod:`zqclaims.guard`): it may not start a process, use the network or read
outside the package either, and what it is refused is reported as the parent's.

Where ``os.fork`` does not exist (Windows), with one core, or with
``ZQCLAIMS_WORKERS=1``, the work runs in this process at the point it is
submitted. A child that dies or answers garbage is not trusted: the work is
done again in this process, so the findings never depend on the worker.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from . import guard
from .findings import Finding

#: The most bytes a worker may answer (findings are bounded per check id, so this is generous).
MAX_ANSWER = 64 * 1024 * 1024


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

    def __init__(self, work: Callable[[], list[Finding]]) -> None:
        self._work = work
        self._done: list[Finding] | None = None
        #: How long the work took where it ran (for benchmarks).
        self.seconds = 0.0
        self._pid = 0
        self._fd = -1
        if not parallel():
            started = time.perf_counter()
            self._done = work()
            self.seconds = time.perf_counter() - started
            return
        read_fd, write_fd = os.pipe()
        with guard.forking():
            pid = os.fork()
        if pid == 0:  # the child: compute, answer, leave without running the parent's exit handlers
            os.close(read_fd)
            code = 0
            try:
                started = time.perf_counter()
                findings = [f.to_dict() for f in work()]
                answer = json.dumps({"findings": findings, "blocked": guard.refused(),
                                     "seconds": time.perf_counter() - started}).encode("utf-8")
            except guard.Blocked:
                answer = json.dumps({"findings": [], "blocked": guard.refused()}).encode("utf-8")
            except BaseException:  # noqa: BLE001 - the parent redoes the work and reports what it finds
                answer, code = b"", 1
            try:
                view = memoryview(answer)
                while view:
                    view = view[os.write(write_fd, view):]
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def result(self) -> list[Finding]:
        """The findings, waiting for the child if need be."""
        if self._done is None:
            self._done = self._collect()
        return self._done

    def _collect(self) -> list[Finding]:
        chunks, size = [], 0
        try:
            while size <= MAX_ANSWER:
                chunk = os.read(self._fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self._pid, 0)
        try:
            if size > MAX_ANSWER or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                raise ValueError("the worker failed")
            answer = json.loads(b"".join(chunks))
            findings = [Finding(**f) for f in answer["findings"]]
            blocked = [str(b) for b in answer["blocked"]]
            self.seconds = float(answer.get("seconds", 0.0))
        except (ValueError, TypeError, KeyError, AttributeError):
            started = time.perf_counter()
            findings = self._work()  # not trusted: done again here
            self.seconds = time.perf_counter() - started
            return findings
        for what in blocked:
            guard.record(what)  # reported as unsafe-operation-blocked, as if refused here
        return findings
