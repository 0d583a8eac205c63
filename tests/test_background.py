"""The Frictionless worker: the same findings with and without it, and never trusted blindly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zqclaims import background, guard
from zqclaims.findings import Finding, Report
from zqclaims.validate import validate

from .conftest import copy_package

pytestmark = pytest.mark.skipif(not background.parallel(), reason="needs os.fork and two cores")


def _break(pkg: Path) -> None:
    claims = pkg / "resources/claims.csv"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace(",exact,369950000000,true,", ",exact,36995000000x,true,", 1), encoding="utf-8")


def test_the_worker_and_a_single_process_find_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = copy_package(tmp_path / "pkg")
    _break(pkg)
    with_worker = validate(pkg)
    monkeypatch.setenv("ZQCLAIMS_WORKERS", "1")
    alone = validate(pkg)
    assert with_worker.sorted() == alone.sorted()
    assert {"table-type-error", "table-hash-count"} <= with_worker.check_ids()  # Frictionless, from the worker
    assert "tables: frictionless (worker)" in with_worker.timings
    assert "tables: frictionless (worker)" not in alone.timings


def test_a_worker_that_dies_is_not_trusted_the_work_is_done_again() -> None:
    parent = os.getpid()

    def work() -> Report:
        if os.getpid() != parent:
            os._exit(3)  # the child dies without answering
        return Report(findings=[Finding("x.csv", 2, "", "done-here", "done in the parent")])

    assert [f.check_id for f in background.Pending(work).result().findings] == ["done-here"]


def test_a_worker_answer_is_parsed_not_evaluated() -> None:
    def work() -> Report:
        return Report(findings=[Finding("x.csv", 2, "f", "table-type-error", "__import__('os').system('x')")],
                      dropped={"table-type-error": 4}, timings={"t": 1.0})

    done = background.Pending(work).result()
    assert done.findings[0].message == "__import__('os').system('x')" and done.dropped == {"table-type-error": 4}


def test_what_the_worker_is_refused_is_reported_by_the_parent(tmp_path: Path) -> None:
    def work() -> Report:
        try:
            open("/etc/passwd").close()  # outside the sandboxed package
        except guard.Blocked:
            pass
        return Report()

    with guard.sandbox(tmp_path) as blocked:
        background.Pending(work).result()
    assert any("/etc/passwd" in b for b in blocked)


def test_a_fork_outside_the_worker_is_still_refused(tmp_path: Path) -> None:
    with guard.sandbox(tmp_path) as blocked:
        with pytest.raises(guard.Blocked):
            os.fork()
    assert any("os.fork" in b for b in blocked)


def test_a_worker_that_hangs_is_stopped_and_the_work_done_again() -> None:
    parent = os.getpid()

    def work() -> Report:
        if os.getpid() != parent:
            import time

            time.sleep(60)  # a child stuck on a lock it inherited
        return Report(findings=[Finding("x.csv", 2, "", "done-here", "done in the parent")])

    pending = background.Pending(work)
    assert [f.check_id for f in pending.result(timeout=0.5).findings] == ["done-here"]


def test_when_the_proof_holds_the_worker_runs_the_offloaded_stages_with_the_same_findings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value_base off by a factor, hashes refreshed: Frictionless would find nothing, so the
    worker runs quotes, values and terms; the values stage's finding comes from it."""
    from zqclaims import fmt, package

    pkg = copy_package(tmp_path / "pkg")
    claims = pkg / "resources/claims.csv"
    text = claims.read_text(encoding="utf-8")
    claims.write_text(text.replace(",CNY,exact,369950000000,", ",CNY,exact,36995000000,", 1), encoding="utf-8")
    fmt.format_package(package.load(pkg), force=True)
    with_worker = validate(pkg)
    monkeypatch.setenv("ZQCLAIMS_WORKERS", "1")
    alone = validate(pkg)
    assert with_worker.sorted() == alone.sorted()
    assert with_worker.check_ids() and not any(c.startswith("table-") for c in with_worker.check_ids())
    assert {"tables: proof (worker)", "values (worker)", "quotes (worker)"} <= set(with_worker.timings)
    assert "values" not in with_worker.timings and "tables: frictionless (worker)" not in with_worker.timings


def test_the_early_answer_reaches_the_parent_before_the_work_ends() -> None:
    import time

    def work() -> Report:
        background.announce(True)
        time.sleep(0.5)
        return Report(findings=[Finding("x.csv", 2, "", "late", "after the answer")])

    pending = background.Pending(work)
    assert pending.announcement(timeout=5) is True
    assert [f.check_id for f in pending.result().findings] == ["late"]


@pytest.mark.parametrize("how", ["silent", "dies"])
def test_no_early_answer_is_none_never_a_guess(how: str) -> None:
    parent = os.getpid()

    def work() -> Report:
        if how == "dies" and os.getpid() != parent:
            os._exit(3)
        return Report()

    assert background.Pending(work).announcement(timeout=5) is None


def test_a_single_process_keeps_the_early_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZQCLAIMS_WORKERS", "1")

    def work() -> Report:
        background.announce(False)
        return Report()

    assert background.Pending(work).announcement(timeout=0) is False
