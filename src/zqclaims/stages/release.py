"""Stage ``release``: how the copy compares with the release this validator
carries (:mod:`zqclaims.release`). With the released rules, every rule file or
rule-bearing descriptor key that differs from the release is a finding; links
and special files anywhere in the package are findings (never followed)."""

from __future__ import annotations

from collections.abc import Iterator

import os

from .. import limits, release, transaction
from ..findings import CouldNotRun, Finding
from ..package import Package, TooLarge, UnsafePath

ID = "release"
CHECKS = {
    "rules-modified": "a rule file (schemas/, checks/) or a table's schema, dialect, profile, path or type in "
                      "datapackage.json differs from the release; the released rules were used",
    "package-symlink": "a file or folder in the package is a symbolic link or not a regular file (never followed)",
    "limit-files": "the package has too many files to compare with the release",
    "fmt-interrupted": "an interrupted 'zqclaims fmt' left its journal or temporary files in the package",
}


def run(pkg: Package) -> Iterator[Finding]:
    diff, findings = compare(pkg)
    pkg.__dict__["release_diff"] = diff
    yield from findings


def compare(pkg) -> tuple[dict, list[Finding]]:
    """How the copy at ``pkg.root`` differs from the release, and the findings
    that follow: links and special files, and (with the released rules) every
    modified rule file."""
    files, odd, truncated = release.walk(pkg.root)
    leftovers = [f for f in files if f.endswith(transaction.TMP_SUFFIX)]
    try:
        top = os.listdir(pkg.root)
    except OSError:
        top = []
    leftovers += sorted(n for n in top if n == transaction.JOURNAL or n.endswith(transaction.TMP_SUFFIX))
    files = [f for f in files if f not in leftovers]
    findings = [Finding(p, None, "", "fmt-interrupted", f"{p} was left by an interrupted 'zqclaims fmt'",
                        "run 'zqclaims fmt' to finish (or undo) the interrupted rewrite, then validate again")
                for p in leftovers]
    findings += [Finding(p, None, "", "package-symlink", f"{p} is a symbolic link or not a regular file; "
                        "it is never followed or read", "replace it with a regular file from a trusted release")
                for p in odd]
    if truncated:
        findings.append(Finding(".", None, "", "limit-files", f"more than {limits.MAX_FILES:,} files in the package",
                                "a package this large is not compared with the release"))
    released = release.manifest()
    digests = {}
    for f in files:
        try:
            digests[f] = pkg.digest(f, release.limit_for(f))
        except (TooLarge, UnsafePath, CouldNotRun):
            digests[f] = "unreadable"
    pkg.__dict__["rule_digests"] = {f: d for f, d in digests.items() if f.startswith(release.RULE_FOLDERS)}
    added = sorted(set(digests) - set(released))
    removed = sorted(set(released) - set(digests))
    modified = sorted(f for f in set(digests) & set(released) if digests[f] != released[f])
    diff = {"version": release.version(), "identical": not (added or removed or modified or odd),
            "added": added, "removed": removed, "modified": modified}
    if pkg.rules_source == "released":
        for how, paths in (("added", added), ("removed", removed), ("modified", modified)):
            for p in paths:
                if p.startswith(release.RULE_FOLDERS):
                    findings.append(_rules_modified(p, "", f"{p} is {how} against release {diff['version']}"))
        findings += descriptor_rule_changes(pkg)
    return diff, findings


def _rules_modified(resource: str, field: str, what: str) -> Finding:
    return Finding(resource, None, field, "rules-modified",
                   f"{what}; this run used the released rules, not the copy's",
                   "restore the rules from the release; to validate with the copy's own rules "
                   "(only rules you trust), pass --rules package")


def descriptor_rule_changes(pkg) -> list[Finding]:
    """Rule-bearing keys of the descriptor that differ from the release: a table's
    schema, dialect, profile, path or type, the descriptor's own profile, and
    tables added or removed."""
    released = pkg.rule_json("datapackage.json")
    if not isinstance(released, dict):
        return []
    out = []
    for key in release.TOP_RULE_KEYS:
        if pkg.descriptor.get(key) != released.get(key):
            out.append(_rules_modified("datapackage.json", key, f"'{key}' differs from the release"))
    rel_tables = {r["name"]: r for r in released.get("resources", []) if r.get("type") == "table"}
    copy = pkg.resources
    for name, rres in sorted(rel_tables.items()):
        cres = copy.get(name)
        if cres is None:
            out.append(_rules_modified("datapackage.json", "resources",
                                       f"the table '{name}' of the release is missing"))
            continue
        for key in release.RULE_KEYS:
            if cres.get(key) != rres.get(key):
                out.append(_rules_modified("datapackage.json", f"resources[{name}].{key}",
                                           f"'{key}' of the table '{name}' differs from the release"))
    for name, cres in sorted(copy.items()):
        if name not in rel_tables and cres.get("type") != "text":
            out.append(_rules_modified("datapackage.json", f"resources[{name}]",
                                       f"the resource '{name}' is not a table or text of the release"))
    return out
