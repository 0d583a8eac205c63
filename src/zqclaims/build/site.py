"""The static site: an index, one page per article with every claim, event and
exclusion highlighted, table pages that filter and sort, and the relations.

Everything is rendered with Jinja2 (autoescaped) from the validated package;
the pages need no server and load nothing from the network: one stylesheet and
one plain script, both written next to the pages. Data that scripts read is
embedded as JSON with ``<``, ``>`` and ``&`` escaped, and scripts only ever set
``textContent``, so no cell of the package can inject markup.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from ..textnorm import to_simplified
from .dataset import Dataset, web_url

#: Kinds of highlighted span: resource, id column, quoted-text column, label, page of their rows.
KINDS = {
    "claim": ("claims", "claim_id", "quote", "claim", "claims.html"),
    "event": ("events", "event_id", "quote", "event", "events.html"),
    "exclusion": ("exclusions", "exclusion_id", "text", "number that is not a claim", "exclusions.html"),
}
#: Table pages: resource -> (columns shown, columns offered as filters).
TABLE_PAGES = {
    "facts": (["fact_id", "statement_en", "subject_id", "indicator_id", "scope", "modality", "period_start",
               "period_end", "value_base", "unit_base", "base_fact_id", "lower", "upper", "mentions", "claim_ids"],
              ["modality", "indicator_id", "subject_id", "unit_base"]),
    "claims": (["claim_id", "fact_id", "article_id", "quote", "statement_en", "value", "unit", "value_base",
                "unit_base", "qualifier", "lower", "upper", "modality", "period_start", "period_end",
                "indicator_id", "scope", "subject_id"],
               ["article_id", "modality", "indicator_id", "subject_id", "unit_base"]),
    "events": (["event_id", "article_id", "quote", "statement_en", "date", "date_precision", "event_type",
                "modality", "subject_id"], ["article_id", "event_type", "modality"]),
    "exclusions": (["exclusion_id", "article_id", "text", "reason", "note"], ["article_id", "reason"]),
}
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,120}$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    ref: str


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("zqclaims.build", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["tojson_safe"] = to_json
    env.filters["web_url"] = web_url
    env.filters["num"] = number
    return env


def to_json(obj: object) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def number(value: object) -> str:
    """A JSON bound for people: whole numbers without '.0', others as given (10 places at most)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def highlight(text: str, spans: list[Span], convert=None, anchors: bool = True) -> Markup:
    """The text with each span wrapped in a highlight element.

    Spans that overlap without nesting are split: the first piece carries the id
    (when ``anchors``), the rest refer to it. ``convert`` maps each plain piece of
    text (for the derived Simplified reading). Linear in text and spans.
    """
    spans = sorted(spans, key=lambda s: (s.start, -s.end, s.kind, s.ref))
    starts: dict[int, list[Span]] = {}
    for s in spans:
        starts.setdefault(s.start, []).append(s)
    points = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    out: list[str] = []
    stack: list[Span] = []
    opened: set[str] = set()
    pos = 0

    def piece(a: int, b: int) -> None:
        if b > a:
            chunk = text[a:b]
            out.append(str(escape(convert(chunk) if convert else chunk)))

    def open_(s: Span) -> None:
        first = s.ref not in opened and anchors
        opened.add(s.ref)
        attrs = f' id="{escape(s.ref)}"' if first else ""
        cls = f"hl hl-{s.kind}" + ("" if first else " hl-cont")
        out.append(f'<span class="{cls}"{attrs} data-ref="{escape(s.ref)}" tabindex="0" role="button" '
                   f'aria-label="{escape(KINDS[s.kind][3])} {escape(s.ref)}">')

    for p in points:
        piece(pos, p)
        pos = p
        if any(s.end <= p for s in stack):
            reopen = []
            while any(s.end <= p for s in stack):
                s = stack.pop()
                out.append("</span>")
                if s.end > p:
                    reopen.append(s)
            for s in reversed(reopen):
                open_(s)
                stack.append(s)
        for s in starts.get(p, []):
            if s.end > s.start:
                open_(s)
                stack.append(s)
    while stack:
        stack.pop()
        out.append("</span>")
    return Markup("".join(out))


def _interval(row: dict) -> str:
    lo, hi = row.get("lower", ""), row.get("upper", "")
    if lo == "" and hi == "":
        return ""
    left = "[" if row.get("lower_inclusive", "true") != "false" else "("
    right = "]" if row.get("upper_inclusive", "true") != "false" else ")"
    return f"{left}{lo or '−∞'}, {hi or '∞'}{right}"


def _period(row: dict) -> str:
    a, b = row.get("period_start", ""), row.get("period_end", "")
    return a if a == b else f"{a} – {b}".strip(" –")


def _details(ds: Dataset, rows: dict[str, list[dict]]) -> dict[str, dict]:
    """What a highlight shows, by id: a list of (label, value) pairs and links."""
    relations: dict[str, list[dict]] = {}
    for rel in ds.relations:
        for cid in rel.get("claims", []):
            relations.setdefault(cid, []).append(
                {"id": rel["relation_id"], "type": rel["relation_type"], "verdict": rel["verdict"]})
    out: dict[str, dict] = {}
    for row in rows.get("claims", []):
        out[row["claim_id"]] = {
            "kind": "claim", "statement": row["statement_en"], "row": f"claims.html#{row['claim_id']}",
            "fields": [["value as written", f"{row['value']} {row['unit']}".strip()],
                       ["normalized", f"{row['value_base']} {row['unit_base']}".strip()],
                       ["qualifier", row["qualifier"]], ["interval", _interval(row)],
                       ["modality", row["modality"]], ["period", _period(row)],
                       ["indicator", row["indicator_id"]], ["scope", row["scope"]],
                       ["share of (claim)", row.get("base_claim_id", "")], ["fact", row["fact_id"]]],
            "relations": relations.get(row["claim_id"], []),
        }
    for row in rows.get("events", []):
        out[row["event_id"]] = {
            "kind": "event", "statement": row["statement_en"], "row": f"events.html#{row['event_id']}",
            "fields": [["date", row["date"]], ["precision", row["date_precision"]],
                       ["event type", row["event_type"]], ["modality", row["modality"]],
                       ["subject", row["subject_id"]]],
            "relations": [],
        }
    for row in rows.get("exclusions", []):
        out[row["exclusion_id"]] = {
            "kind": "exclusion", "statement": f"Not a claim: {row['reason']}",
            "row": f"exclusions.html#{row['exclusion_id']}",
            "fields": [["text", row["text"]], ["reason", row["reason"]], ["note", row["note"]]],
            "relations": [],
        }
    for item in out.values():
        item["fields"] = [f for f in item["fields"] if f[1]]
    return out


def _spans(rows: dict[str, list[dict]]) -> dict[str, list[Span]]:
    by_article: dict[str, list[Span]] = {}
    for kind, (table, id_col, _col, _label, _page) in KINDS.items():
        for row in rows.get(table, []):
            by_article.setdefault(row["article_id"], []).append(
                Span(int(row["char_start"]), int(row["char_end"]), kind, row[id_col]))
    return by_article


def page_name(article_id: str) -> str:
    if not SAFE_NAME.match(article_id):
        raise ValueError(f"article_id {article_id!r} cannot name a page")
    return f"article-{article_id}.html"


def write(out: Path, ds: Dataset, downloads: list[dict], checked: dict) -> list[str]:
    """Write the site into ``out`` (replacing it); returns the pages written, sorted."""
    if out.exists():
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)
    for name in ("site.css", "site.js"):
        data = resources.files("zqclaims.build").joinpath("static", name).read_bytes()
        (out / "assets" / name).write_bytes(data)
    env = _env()
    rows = {name: frame.to_dict("records") for name, frame in ds.tables.items()}  # once per table
    details = _details(ds, rows)
    spans = _spans(rows)
    articles = rows.get("articles", [])
    counts = {name: len(frame) for name, frame in ds.tables.items()}
    common = {"ds": ds, "articles": articles, "page_name": page_name, "kinds": KINDS}
    pages: dict[str, str] = {}
    pages["index.html"] = env.get_template("index.html").render(
        **common, counts=counts, downloads=downloads, checked=checked, current="index.html")
    for art in articles:
        aid = art["article_id"]
        text = ds.texts.get(aid, "")
        mine = spans.get(aid, [])
        traditional = art.get("language") == "zh-Hant"
        used = {s.ref for s in mine}
        pages[page_name(aid)] = env.get_template("article.html").render(
            **common, article=art, current=page_name(aid),
            original=highlight(text, mine), lang=art.get("language") or "zh",
            simplified=highlight(text, mine, convert=to_simplified, anchors=False) if traditional else None,
            data={k: v for k, v in details.items() if k in used},
            tally={kind: sum(1 for s in mine if s.kind == kind) for kind in KINDS})
    for table, (columns, filters) in TABLE_PAGES.items():
        if table not in ds.tables:
            continue
        shown = [c for c in columns if c in ds.tables[table].columns]
        numeric = {f["name"] for f in ds.schemas[table].get("fields", []) if f.get("type") in ("integer", "number")}
        pages[f"{table}.html"] = env.get_template("table.html").render(
            **common, table=table, columns=shown, numeric=numeric, rows=rows[table],
            filters=[(c, sorted(set(ds.tables[table][c].unique()) - {""})) for c in filters if c in shown],
            description=ds.description(table), current=f"{table}.html",
            pk=ds.schemas[table].get("primaryKey", [shown[0]])[0])
    claims = {r["claim_id"]: r for r in rows.get("claims", [])}
    members: dict[str, list[dict]] = {}
    for m in rows.get("relation_members", []):
        members.setdefault(m["relation_id"], []).append(m)
    ordered = sorted(ds.relations, key=lambda r: (r["expected"] != "violated", r["verdict"] != r["expected"],
                                                  r["verdict"] == "holds", r["relation_id"]))
    pages["relations.html"] = env.get_template("relations.html").render(
        **common, relations=ordered, members=members, claims=claims, current="relations.html")
    for name, html in pages.items():
        (out / name).write_text(html, encoding="utf-8")
    return sorted(pages) + ["assets/site.css", "assets/site.js"]
