"""Findings and reports: the one data structure every stage yields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in the package.

    ``line`` is the line of the file on which the record starts, as an editor
    shows it (the CSV header is line 1), or ``None`` when the finding is about a
    whole file or the descriptor. ``key`` names the record by its primary key,
    e.g. ``claim_id C0002`` (filled in by :func:`zqclaims.validate.validate`).
    """

    resource: str
    line: int | None
    field: str
    check_id: str
    message: str
    hint: str = ""
    key: str = ""

    def sort_key(self) -> tuple:
        return (self.resource, self.line if self.line is not None else -1, self.field,
                self.check_id, self.message)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """All findings of one validation run, in deterministic order, with what was
    checked: the stages run, the rule set used and how the copy compares with
    the release of this validator."""

    findings: list[Finding] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    rules: str = "released"
    release: dict = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    #: The package checked: its name and data version as its descriptor states them.
    package: dict = field(default_factory=dict)
    #: What was checked: rows per table, archived texts, numbers in them (empty when the run stopped).
    checked: dict = field(default_factory=dict)
    #: sha256 over the rule files used (path and digest of each file in schemas/ and checks/).
    rules_digest: str = ""
    #: False when only some stages ran (--stage): no findings then is not "valid".
    complete: bool = True
    #: Findings kept per check id; beyond it they are only counted (memory stays bounded).
    keep: int = 1000
    dropped: dict[str, int] = field(default_factory=dict)
    #: Seconds per stage, for benchmarks (benchmarks/bench.py); never rendered, so output stays deterministic.
    timings: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _kept: dict[str, int] = field(default_factory=dict, repr=False)

    def extend(self, findings) -> None:
        for f in findings:
            n = self._kept.get(f.check_id, 0)
            if n < self.keep:
                self._kept[f.check_id] = n + 1
                self.findings.append(f)
            else:
                self.dropped[f.check_id] = self.dropped.get(f.check_id, 0) + 1

    @property
    def valid(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        """How many findings of each check id the run produced (kept or not)."""
        out: dict[str, int] = {}
        for f in set(self.findings):
            out[f.check_id] = out.get(f.check_id, 0) + 1
        for check_id, n in self.dropped.items():
            out[check_id] = out.get(check_id, 0) + n
        return dict(sorted(out.items()))

    def total(self) -> int:
        return sum(self.counts().values())

    def sorted(self) -> list[Finding]:
        return sorted(set(self.findings), key=Finding.sort_key)

    def check_ids(self) -> set[str]:
        return {f.check_id for f in self.findings}

    def shown(self, per_check: int) -> tuple[list[Finding], dict[str, int]]:
        """The sorted findings with at most ``per_check`` of each check id (0: all),
        and how many of each check id were left out."""
        shown, seen, omitted = [], {}, {}
        for f in self.sorted():
            seen[f.check_id] = seen.get(f.check_id, 0) + 1
            if per_check and seen[f.check_id] > per_check:
                omitted[f.check_id] = omitted.get(f.check_id, 0) + 1
            else:
                shown.append(f)
        for check_id, n in self.dropped.items():
            omitted[check_id] = omitted.get(check_id, 0) + n
        return shown, dict(sorted(omitted.items()))


class CouldNotRun(Exception):
    """Validation could not run at all (exit code 3): missing or unreadable input."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageProblem(CouldNotRun):
    """The command was called wrongly, e.g. on a path that is not a package directory (exit code 2)."""
