"""Stage ``relations``: relations between claims hold (or stay violated as recorded).

Structure (roles per type, units) is checked set-based in pandas; the verdicts
are checked by the GX suite ``checks/relation_verdicts.json``, which runs on the
evaluation batch from :func:`zqclaims.relations.evaluate` (one row per relation,
exact intervals) and includes the custom expectation
``expect_relation_verdict_to_match_record`` (:mod:`zqclaims.gx_relations`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from .. import relations as rel
from ..findings import Finding
from ..package import Package
from ..gx import gx_context, load_suite, validate_frame

ID = "relations"
SUITE = "checks/relation_verdicts.json"
CHECKS = {
    "relation-violated": "a relation recorded as holding fails on the claims' intervals, or one recorded as violated now holds",
    "relation-not-evaluable": "a relation cannot be evaluated (a member is missing or a claim's value cannot be read)",
    "relation-informational": "a relation marked informational is a checkable constraint",
    "relation-members": "a relation lacks a role its type needs, has too many members in a role, or a role its type does not use",
    "relation-units": "a relation mixes units, or its share or rate is not a percentage",
    "relation-suite": "checks/relation_verdicts.json is missing, or an expectation in it names no relations check id",
}


def run(pkg: Package) -> Iterator[Finding]:
    if pkg.lacks(rel.COLUMNS):
        return  # the tables stage reports missing resources and damaged headers
    path = pkg.path_of("relations")
    rows = dict(zip(pkg.frame("relations")["relation_id"], pkg.frame("relations").index))
    mem = rel.members(pkg)  # joined with the claims' exact intervals once, shared below
    for check, problems, hint in (
            ("relation-members", rel.structure_problems(pkg, mem),
             "see docs/methods.md 'Relations' for the roles of each type; fix resources/relation_members.csv"),
            ("relation-units", rel.unit_problems(pkg, mem),
             "relate figures of one measure; a share or growth rate must be a claim in percent")):
        for rec in problems.itertuples():
            yield Finding(path, rows.get(rec.relation_id), "relation_id", check, f"{rec.relation_id}: {rec.message}",
                          hint)
    if not pkg.rule_exists(SUITE):
        yield Finding(SUITE, None, "", "relation-suite", "the relation suite is missing",
                      "restore checks/relation_verdicts.json from version control")
        return
    spec, problems = load_suite(pkg, SUITE)
    yield from problems
    if spec is None:
        return
    for i, exp in enumerate(spec["expectations"]):
        check = (exp.get("meta") or {}).get("check_id") if isinstance(exp, dict) else None
        if check not in CHECKS or check == "relation-suite":
            yield Finding(SUITE, None, f"expectations[{i}].meta.check_id", "relation-suite",
                          f"check id {check!r} is not a relations check",
                          f"set meta.check_id to one of: {', '.join(c for c in sorted(CHECKS) if c != 'relation-suite')}")
    ev = rel.evaluate(pkg, mem, details=False)
    gx, ctx = gx_context()
    failed, problems = validate_frame(gx, ctx.data_sources.add_pandas("relations"), SUITE, spec, ev)
    yield from problems
    for res, exp in failed:
        check = exp["meta"].get("check_id", "")
        if check not in CHECKS or check == "relation-suite":
            continue  # reported above
        hint = exp["meta"].get("hint", f"see {SUITE}")
        idx = res.result.get("unexpected_index_list") or []
        for i in sorted(set(int(i) for i in idx if not isinstance(i, dict))):
            r = ev.loc[i]
            if r["verdict"] == "no longer violated":
                hint = "the figures now agree: set expected to 'holds' and update the note"
            yield Finding(path, int(r["row"]), "expected", check,
                          f"{r['relation_id']} ({r['relation_type']}, expected {r['expected']}) is {r['verdict']}: "
                          f"{rel.detail(r)}", hint)
        if not idx:
            yield Finding(path, None, "", check, f"{exp['meta'].get('description', exp['type'])}: "
                          f"{json.dumps(res.result.get('observed_value'), default=str)}", hint)
