"""One version per dataset state.

A release is recorded in ``releases/<version>.sha256`` (``sha256sum`` format: the
descriptor and every file under ``resources/``), committed alone and never changed
(CONTRIBUTING "Releasing"). Then:

- while ``datapackage.json`` says a recorded version, the files must be exactly the
  recorded ones: a data change without a version bump fails here;
- a version that is not recorded yet must be newer than every record and have a
  CHANGELOG entry; each ``<!-- zqclaims diff R --summary -->`` block in the CHANGELOG
  must be what ``zqclaims diff`` says between release R (rebuilt from the commit that
  recorded it) and the version of its section.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, copy_package, run

DIFF_BLOCK = re.compile(r"<!-- zqclaims diff (\S+) \. --summary -->\n```text\n(.*?)```", re.S)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def records(root: Path) -> dict[str, dict[str, str]]:
    """Recorded releases: version -> {relative path: sha256}."""
    out = {}
    for path in sorted((root / "releases").glob("*.sha256")):
        pairs = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
        out[path.name.removesuffix(".sha256")] = {name: digest for digest, name in pairs}
    return out


def state(root: Path) -> dict[str, str]:
    """sha256 of the descriptor and of every file under resources/."""
    files = [root / "datapackage.json", *(p for p in (root / "resources").rglob("*") if p.is_file())]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def version_problems(root: Path, recorded: dict[str, dict[str, str]], changelog: str) -> list[str]:
    version = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["version"]
    if version in recorded:
        now, then = state(root), recorded[version]
        changed = sorted(p for p in set(now) | set(then) if now.get(p) != then.get(p))
        return [f"{p} differs from release {version}: bump `version` in datapackage.json and add a CHANGELOG "
                "entry (CONTRIBUTING 'Changing the data')" for p in changed]
    problems = []
    newer = [r for r in recorded if _key(r) >= _key(version)]
    if newer:
        problems.append(f"version {version} is not newer than recorded release(s) {', '.join(sorted(newer))}")
    if f"## [{version}] - " not in changelog:
        problems.append(f"CHANGELOG.md has no '## [{version}] - <date>' entry")
    return problems


def test_recorded_releases_exist_and_are_well_formed() -> None:
    recorded = records(ROOT)
    assert recorded, "no release is recorded in releases/"
    for version, files in recorded.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version)
        assert "datapackage.json" in files and any(p.startswith("resources/") for p in files)
        assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in files.values())


def test_the_data_changes_only_with_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert version_problems(ROOT, records(ROOT), changelog) == []


def test_a_data_change_under_a_released_version_fails(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    desc["version"] = "9.9.9"
    (pkg / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    recorded = {"9.9.9": state(pkg)}
    assert version_problems(pkg, recorded, "") == []
    claims = pkg / "resources/claims.csv"
    claims.write_bytes(claims.read_bytes().replace(b"Guangdong", b"Guangdonq", 1))
    assert version_problems(pkg, recorded, "") == [
        "resources/claims.csv differs from release 9.9.9: bump `version` in datapackage.json and add a CHANGELOG "
        "entry (CONTRIBUTING 'Changing the data')"]


def test_a_new_version_needs_a_changelog_entry_and_must_be_newer(tmp_path: Path) -> None:
    pkg = copy_package(tmp_path / "pkg")
    desc = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    desc["version"] = "0.0.1"
    (pkg / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    problems = version_problems(pkg, {"0.5.0": {}}, "## [0.6.0] - 2026-11-22")
    assert problems == ["version 0.0.1 is not newer than recorded release(s) 0.5.0",
                        "CHANGELOG.md has no '## [0.0.1] - <date>' entry"]


# -- with git history: records never rewritten, CHANGELOG blocks what diff says ---

def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def _history() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the release records cannot be traced to their commits")
    if _git("rev-parse", "--is-shallow-repository").strip() == "true":
        pytest.skip("shallow clone: fetch the full history (actions/checkout fetch-depth: 0)")


def _recorded_at(version: str) -> str:
    commits = _git("log", "--format=%H", "--", f"releases/{version}.sha256").split()
    assert len(commits) == 1, f"releases/{version}.sha256 was changed after it was recorded: {commits}"
    return commits[0]


def _release(version: str, into: Path) -> Path:
    """The package files of a recorded release, from the commit that recorded it."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", _recorded_at(version), "datapackage.json",
                              "resources", "schemas", "checks"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    assert state(into) == records(ROOT)[version], f"the commit that recorded {version} holds other files"
    return into


def test_release_records_are_never_rewritten_and_match_their_commit(tmp_path: Path) -> None:
    _history()
    for version in records(ROOT):
        _release(version, tmp_path / version)


def test_changelog_data_sections_are_what_zqclaims_diff_says(tmp_path: Path) -> None:
    _history()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    current = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert f"<!-- zqclaims diff " in changelog.split(f"## [{current}]")[1].split("\n## [")[0] \
        or current in records(ROOT), f"the CHANGELOG entry for {current} has no diff block"
    sections = re.split(r"\n## \[", changelog)
    checked = 0
    for section in sections[1:]:
        version = section.split("]", 1)[0]
        for old, block in DIFF_BLOCK.findall(section):
            new = ROOT if version == current else _release(version, tmp_path / f"new-{version}")
            result = run("diff", str(_release(old, tmp_path / f"old-{old}-{version}")), str(new), "--summary")
            assert result.exit_code in (0, 1), result.output
            assert result.stdout.split("\n", 1)[1] == block, f"CHANGELOG [{version}] against {old}"
            checked += 1
    assert checked
