"""The analysts' path: facts.csv answers sums and filters correctly, the README's
load recipes run as written, and the counts quoted in README and CHANGELOG are the data's."""

from __future__ import annotations

import json
import re
from collections import Counter

import pandas as pd
import pytest

from zqclaims import facts as factlib

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "resources" / f"{name}.csv", dtype=str, keep_default_na=False)


def test_facts_collapse_the_repeated_figures_of_one_article() -> None:
    """The 2023-07-14 article states 253 projects, 62.43 bn, 198 projects and 43.94 bn twice each:
    each pair is one fact (the issue's double-counting example)."""
    claims = read("claims").set_index("claim_id")
    for a, b in [("C0093", "C0099"), ("C0094", "C0100"), ("C0096", "C0102"), ("C0097", "C0103")]:
        assert claims.at[a, "fact_id"] == claims.at[b, "fact_id"] == "F" + a[1:]
    facts = read("facts").set_index("fact_id")
    assert facts.at["F0094", "mentions"] == "2" and facts.at["F0094", "claim_ids"] == "C0094 C0100"


def test_one_row_per_distinct_fact() -> None:
    claims, facts = read("claims"), read("facts")
    assert sorted(facts["fact_id"]) == sorted(claims["fact_id"].unique())
    listed = facts["claim_ids"].str.split(" ").explode()
    assert sorted(listed) == sorted(claims["claim_id"])
    assert (facts["mentions"].astype(int) == facts["claim_ids"].str.split(" ").str.len()).all()


def test_no_two_facts_share_a_key_and_parts_differ_from_wholes() -> None:
    facts = read("facts")
    assert not facts.duplicated(factlib.KEY).any()
    claims = read("claims").set_index("claim_id")
    rel = read("relations").set_index("relation_id")["relation_type"]
    mem = read("relation_members")
    mem = mem[mem["relation_id"].map(rel).isin(["subset", "share"])]
    for rid, group in mem.groupby("relation_id"):
        whole = group.loc[group["role"] == "whole", "claim_id"]
        for part in group.loc[group["role"] == "part", "claim_id"]:
            for w in whole:
                assert tuple(claims.loc[part, factlib.KEY]) != tuple(claims.loc[w, factlib.KEY]), (rid, part, w)


def _block(lang: str, after: str) -> str:
    return README.split("## Load it")[1].partition(after)[2].split(f"```{lang}\n")[1].split("```")[0]


def test_readme_pandas_recipe_keeps_numbers_numeric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    scope: dict = {}
    exec(_block("python", "pandas"), scope)  # noqa: S102 - our own README, the recipe under test
    df = scope["facts"]
    for col in ("value_base", "lower", "upper"):
        assert pd.api.types.is_float_dtype(df[col]), col
    for col in ("lower_inclusive", "upper_inclusive"):
        assert pd.api.types.is_bool_dtype(df[col]), col
    assert pd.api.types.is_integer_dtype(df["mentions"])
    assert df["scope"].eq("").any(), "an empty scope stays an empty string, not NaN"


def test_readme_duckdb_query_answers_the_question(monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    monkeypatch.chdir(ROOT)
    ((total,),) = duckdb.connect().execute(_block("sql", "DuckDB")).fetchall()
    assert total == 62_430_000_000
    assert "62,430,000,000" in README


def _counts() -> tuple[list[tuple[str, ...]], tuple[str, ...]]:
    claims, events, excl = read("claims"), read("events"), read("exclusions")
    rows = []
    for art in read("articles")["article_id"]:
        c = claims[claims["article_id"] == art]
        rows.append((art, str(len(c)), str(c["fact_id"].nunique()),
                     str((events["article_id"] == art).sum()), str((excl["article_id"] == art).sum())))
    total = (str(len(claims)), str(claims["fact_id"].nunique()), str(len(events)), str(len(excl)))
    return rows, total


def test_counts_table_in_readme_is_the_data() -> None:
    section = README.split("## What is in it")[1].split("\n## ")[0]
    rows, total = _counts()
    listed = re.findall(r"^\| ([0-9a-z-]+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", section, flags=re.M)
    assert listed == rows
    assert re.search(r"^\| \*\*total\*\* \| " + r" \| ".join(total) + r" \|$", section, flags=re.M)
    rel = Counter(read("relations")["relation_type"])
    assert f"{sum(rel.values())} relations tie the claims together" in section
    for rtype, n in rel.items():
        assert f"{n} {rtype}" in section


def test_counts_in_changelog_are_the_data() -> None:
    desc = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    entry = CHANGELOG.split(f"## [{desc['version']}]")[1].split("\n## [")[0]
    line = re.search(r"^Counts: (.*)\.$", entry, flags=re.M)
    assert line, "the current CHANGELOG entry states the counts"
    want = {"claims": len(read("claims")), "facts": len(read("facts")), "events": len(read("events")),
            "exclusions": len(read("exclusions")), "relations": len(read("relations")),
            "indicators": len(read("indicators")), "scopes": len(read("scopes")),
            "glossary terms": len(read("glossary")), "entities": len(read("entities"))}
    stated = {k: int(v.replace(",", "")) for v, k in re.findall(r"([0-9,]+) ([a-z ]+?)(?:,|$)", line.group(1))}
    assert stated == want


def _drop_relation(root, relation_id: str) -> None:
    for name in ("relations", "relation_members"):
        path = root / "resources" / f"{name}.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(x for x in lines if not x.startswith(relation_id + ",")), encoding="utf-8")


def test_fmt_derives_fact_ids_and_facts_from_same_fact_relations(pkg) -> None:
    """Remove the same_fact relation of the two 62.43 bn mentions: fmt gives C0100 a fact of its own,
    and validation then reports the two facts that share every dimension."""
    from zqclaims import fmt, package
    from zqclaims.validate import validate

    _drop_relation(pkg, "R0021")
    changed = fmt.format_package(package.load(pkg), force=True)
    assert {"resources/claims.csv", "resources/facts.csv"} <= set(changed)
    claims = pd.read_csv(pkg / "resources/claims.csv", dtype=str, keep_default_na=False).set_index("claim_id")
    assert claims.at["C0100", "fact_id"] == "F0100"
    facts = pd.read_csv(pkg / "resources/facts.csv", dtype=str, keep_default_na=False).set_index("fact_id")
    assert facts.at["F0094", "mentions"] == "1" and facts.at["F0100", "claim_ids"] == "C0100"
    report = validate(pkg)
    assert [(f.check_id, f.key) for f in report.sorted()] == [("fact-key-collision", "claim_id C0100")]


def test_fmt_recreates_a_missing_facts_table(pkg) -> None:
    from zqclaims import fmt, package

    want = (pkg / "resources/facts.csv").read_bytes()
    (pkg / "resources/facts.csv").unlink()
    fmt.format_package(package.load(pkg), force=True)
    assert (pkg / "resources/facts.csv").read_bytes() == want


def _claims(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """(claim_id, lower, lower_inclusive, upper, upper_inclusive) rows of one subject."""
    base = dict(article_id="a", statement_en="s.", subject_id="x", indicator_id="i", scope="", modality="actual",
                period_start="", period_end="", unit_base="count", base_claim_id="", value_base="1")
    return pd.DataFrame([dict(base, claim_id=c, lower=lo, lower_inclusive=li, upper=hi, upper_inclusive=hu)
                         for c, lo, li, hi, hu in rows])


@pytest.mark.parametrize("rows, want", [
    # 约 10 (9.5-10.5) and 超 10 (more than 10, unbounded): (10, 10.5]
    ([("C0001", "9.5", "true", "10.5", "true"), ("C0002", "10", "false", "", "")], ("10", "false", "10.5", "true")),
    # both unbounded above: the greater lower bound, inclusive only if every mention at it is
    ([("C0001", "50", "true", "", ""), ("C0002", "50.0", "false", "", "")], ("50", "false", "", "")),
    # bounds that touch at an excluded point do not meet: the interval is left empty
    ([("C0001", "1", "true", "2", "false"), ("C0002", "2", "true", "3", "true")], ("", "", "", "")),
    # an unreadable bound leaves it empty rather than guessing
    ([("C0001", "x", "true", "2", "true"), ("C0002", "1", "true", "3", "true")], ("", "", "", "")),
])
def test_a_facts_interval_is_the_intersection_of_its_mentions(rows, want) -> None:
    claims = _claims(rows)
    relations = pd.DataFrame({"relation_id": ["R0001"], "relation_type": ["same_fact"]})
    members = pd.DataFrame({"relation_id": ["R0001"] * len(rows), "claim_id": claims["claim_id"]})
    table = factlib.facts_table(claims, factlib.first_claims(claims, relations, members))
    assert list(table.index) == ["F0001"]
    assert tuple(table.loc["F0001", ["lower", "lower_inclusive", "upper", "upper_inclusive"]]) == want
    assert table.at["F0001", "claim_ids"] == " ".join(claims["claim_id"])


def test_facts_are_connected_through_chains_of_relations_and_wide_ids() -> None:
    ids = ["C9999", "C10000", "C0005", "C0007"]
    claims = _claims([(c, "1", "true", "1", "true") for c in ids])
    relations = pd.DataFrame({"relation_id": ["R1", "R2", "R3"], "relation_type": ["same_fact", "same_fact", "subset"]})
    members = pd.DataFrame({"relation_id": ["R1", "R1", "R2", "R2", "R3", "R3"],
                            "claim_id": ["C10000", "C9999", "C10000", "C0005", "C0005", "C0007"]})
    assert list(factlib.fact_ids(claims, relations, members)) == ["F0005", "F0005", "F0005", "F0007"]


def test_a_glossary_the_matcher_cannot_hold_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """RE2 refuses a program over its memory bound; the run reports it instead of failing."""
    from zqclaims import package
    from zqclaims.stages import terms

    monkeypatch.setattr(terms, "_MAX_MEM", 1 << 10)
    found = [f.check_id for f in terms.run(package.load(ROOT))]
    assert found == ["glossary-unusable"]
