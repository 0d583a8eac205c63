"""Findings and reports: the one data structure every stage yields."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in the package.

    ``row`` is the 1-based line number in the CSV file counting the header as
    line 1 (so the first data row is row 2), or ``None`` when the finding is
    about a whole file or the descriptor.
    """

    resource: str
    row: int | None
    field: str
    check_id: str
    message: str
    hint: str = ""

    def sort_key(self) -> tuple:
        return (self.resource, self.row if self.row is not None else -1, self.field,
                self.check_id, self.message)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """All findings of one validation run, in deterministic order."""

    findings: list[Finding] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)

    def extend(self, findings) -> None:
        self.findings.extend(findings)

    @property
    def valid(self) -> bool:
        return not self.findings

    def sorted(self) -> list[Finding]:
        return sorted(set(self.findings), key=Finding.sort_key)

    def check_ids(self) -> set[str]:
        return {f.check_id for f in self.findings}


class CouldNotRun(Exception):
    """Validation could not run at all (exit code 3): missing or unreadable input."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
