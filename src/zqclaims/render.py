"""Render a Report as text or JSON, deterministically (sorted, no timestamps,
no absolute paths). Strings from a package may hold anything: text output
escapes control characters and lone surrogates, so printing never fails."""

from __future__ import annotations

import json
import re

from . import __version__
from .findings import Report

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: object) -> str:
    """``text`` safe to print: control, bidi and surrogate characters escaped."""
    s = str(text)
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii")
                            if not 0xD800 <= ord(m.group()) <= 0xDFFF else f"\\u{ord(m.group()):04x}", s)


def _scrub(obj):
    if isinstance(obj, str):
        return obj.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogate(obj) else obj
    if isinstance(obj, dict):
        return {_scrub(k): _scrub(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    return obj


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def release_summary(report: Report) -> str:
    rel = report.release
    if not rel:
        return ""
    if rel.get("identical"):
        return f"identical to release {rel['version']}"
    parts = [f"{len(rel[k])} {k}" for k in ("added", "removed", "modified") if rel.get(k)]
    return f"differs from release {rel['version']}: " + ", ".join(parts) if parts else \
        f"differs from release {rel['version']}"


def checked_line(report: Report) -> str:
    """One line on what was checked: the package, its data version, the validator, the rules
    digest, the rows of each table and the numbers scanned in the archived texts."""
    pkg = report.package
    who = " ".join(clean(pkg[k]) for k in ("name", "version") if pkg.get(k)) or "the package"
    rules = "released rules" if report.rules == "released" else "the package's own rules"
    digest = f" sha256:{report.rules_digest[:12]}" if report.rules_digest else ""
    head = f"checked: {who} with zqclaims {__version__}, {rules}{digest}"
    c = report.checked
    if not c:
        return head
    rows = ", ".join(f"{n:,} {clean(name)}" for name, n in c.get("rows", {}).items())
    numbers = (f"; {c['numbers']:,} numbers in {c['texts']:,} archived texts"
               if "numbers" in c and "texts" in c else "")
    return f"{head}; {rows}{numbers}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: Report, per_check: int = 0) -> str:
    """GitHub Actions workflow commands: one ``::error`` annotation per finding at its file and
    line (key, field and hint in the message), then a ``::notice`` with the summary."""
    shown, omitted = report.shown(per_check)
    lines = []
    for f in shown:
        props = [f"file={_gh_prop(clean(f.resource))}"]
        if f.line is not None:
            props.append(f"line={f.line}")
        props.append(f"title={_gh_prop(f.check_id)}")
        where = ", ".join(x for x in (clean(f.key), clean(f.field)) if x)
        message = (f"{where}: " if where else "") + clean(f.message) + (f" (hint: {clean(f.hint)})" if f.hint else "")
        lines.append(f"::error {','.join(props)}::{_gh_data(message)}")
    for check_id, n in omitted.items():
        lines.append(f"::warning title={_gh_prop(check_id)}::{n} more {_gh_data(check_id)} findings not shown")
    summary = as_text(report, findings=False)
    lines.extend(f"::notice::{_gh_data(line)}" for line in summary.splitlines())
    return "\n".join(lines)


def as_json(report: Report, per_check: int = 0) -> str:
    shown, omitted = report.shown(per_check)
    doc = {
        "valid": report.valid,
        "complete": report.complete,
        "validator": {"name": "zqclaims", "version": __version__},
        "rules": report.rules,
        "rules_digest": report.rules_digest,
        "package": report.package,
        "checked": report.checked,
        "release": report.release,
        "stages": report.stages,
        "counts": report.counts(),
        "omitted": omitted,
        "findings": [f.to_dict() for f in shown],
    }
    return json.dumps(_scrub(doc), ensure_ascii=False, indent=2, sort_keys=True)


def as_text(report: Report, per_check: int = 0, findings: bool = True, summary: bool = True) -> str:
    """Findings (each with its hint), then the summary: how the copy compares with the release,
    what was checked, and the verdict. ``--quiet`` shows the findings only."""
    shown, omitted = report.shown(per_check)
    if not findings:
        shown, omitted = [], {}
    lines = []
    for f in shown:
        where = clean(f.resource) + (f", line {f.line}" if f.line is not None else "") + \
            (f" ({clean(f.key)})" if f.key else "") + (f", {clean(f.field)}" if f.field else "")
        lines.append(f"{where}: [{f.check_id}] {clean(f.message)}")
        if f.hint:
            lines.append(f"    hint: {clean(f.hint)}")
    for check_id, n in omitted.items():
        lines.append(f"… and {n:,} more [{check_id}] finding{'s' if n != 1 else ''} "
                     "(--max-findings 0 shows all)")
    if not summary:
        return "\n".join(lines)
    rel = report.release
    if rel:
        lines.append(f"copy: {release_summary(report)}")
        for k in ("added", "removed", "modified"):
            for p in rel.get(k, [])[:20]:
                lines.append(f"    {k}: {clean(p)}")
            if len(rel.get(k, [])) > 20:
                lines.append(f"    … and {len(rel[k]) - 20} more {k}")
    if report.rules == "package":
        lines.append("rules: the package's own rules were used (--rules package), not the released ones")
    line = checked_line(report)
    if line:
        lines.append(line)
    n = report.total()
    stages = ", ".join(report.stages)
    if report.valid and not report.complete:
        lines.append(f"partial: no findings in the stages run ({stages}); this is not a full validation, "
                     "run without --stage for one")
    else:
        lines.append(f"valid: all checks passed ({stages})" if report.valid
                     else f"invalid: {n:,} finding{'s' if n != 1 else ''} ({stages})")
    return "\n".join(lines)


def _counts(rows: list[dict], key: str) -> dict[str, int]:
    """How many rows have each value of ``key``, in sorted order."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[key]] = counts.get(r[key], 0) + 1
    return dict(sorted(counts.items()))


def relations_json(records: list[dict]) -> str:
    doc = {"counts": _counts(records, "verdict"), "relations": records}
    return json.dumps(_scrub(doc), ensure_ascii=False, indent=2, sort_keys=True)


def relations_text(rows: list[dict]) -> str:
    """One block per relation: id, type, verdict, then the numbers."""
    lines = []
    for r in rows:
        lines.append(f"{clean(r['relation_id'])}  {clean(r['relation_type']):<16} {r['verdict']}")
        if r.get("statement_en"):
            lines.append(f"    {clean(r['statement_en'])}")
        lines.append(f"    {clean(r['detail'])}")
    noun = "relation" if len(rows) == 1 else "relations"
    lines.append(f"{len(rows)} {noun}: " + ", ".join(f"{n} {v}" for v, n in _counts(rows, "verdict").items()))
    return "\n".join(lines)


def diff_text(doc: dict, per_table: int = 0, summary: bool = False) -> str:
    """What changed, table by table: + added key, - removed key, ~ key field: old -> new;
    with ``summary`` only the counts and columns per table (what a changelog states)."""
    old, new = doc["old"], doc["new"]
    lines = [f"diff: {clean(old['source'])} ({clean(old['name'])} {clean(old['version'])}) -> "
             f"{clean(new['source'])} ({clean(new['name'])} {clean(new['version'])})"]
    for name, t in doc["tables"].items():
        counts = [f"{len(t.get(k, [])):,} {k}" for k in ("added", "removed") if t.get(k)]
        if t.get("changed"):
            rows = len({c["key"] for c in t["changed"]})
            counts.append(f"{rows:,} changed ({len(t['changed']):,} field{'s' if len(t['changed']) != 1 else ''})")
        extra = " (table added)" if t.get("table_added") else " (table removed)" if t.get("table_removed") else ""
        lines.append(f"{clean(name)}: {', '.join(counts) or 'columns only'}{extra}")
        for k in ("columns_added", "columns_removed"):
            if t.get(k):
                lines.append(f"  {'+' if k == 'columns_added' else '-'} column {', '.join(clean(c) for c in t[k])}")
        items = [f"  + {clean(k)}" for k in t.get("added", [])] + [f"  - {clean(k)}" for k in t.get("removed", [])]
        items += [f"  ~ {clean(c['key'])} {clean(c['field'])}: {_short(c['old'])} -> {_short(c['new'])}"
                  for c in t.get("changed", [])]
        shown = [] if summary else items if not per_table else items[:per_table]
        lines.extend(shown)
        if len(items) > len(shown) and not summary:
            lines.append(f"  … and {len(items) - len(shown):,} more (--max-lines 0 shows all)")
    for k, paths in doc["texts"].items():
        lines.extend(f"text {k}: {clean(p)}" for p in paths)
    lines.append("no differences in the data" if doc["identical"] else
                 f"{len(doc['tables'])} table{'s' if len(doc['tables']) != 1 else ''} and "
                 f"{sum(len(v) for v in doc['texts'].values())} texts differ")
    return "\n".join(lines)


def _short(value: str, width: int = 100) -> str:
    """A cell for a diff line: quoted, cut in the middle of long text (the JSON has it whole)."""
    text = clean(value)
    if len(text) > width:
        text = text[:width // 2 - 1] + "…" + text[-(width // 2 - 1):]
    return repr(text)


def diff_json(doc: dict) -> str:
    return json.dumps(_scrub(doc), ensure_ascii=False, indent=2, sort_keys=True)
