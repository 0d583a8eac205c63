"""The static site in a real browser (headless Chromium from the system packages).

Every claim, event and exclusion has its highlighted element on its article page;
selecting one shows its statement; no console error; no request leaves file://;
screenshots of one article page at desktop and phone widths are saved (to
$ZQCLAIMS_SCREENSHOTS when set, as CI does, else to the test's temporary folder).
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from zqclaims.build import dataset, site

from .conftest import ROOT, run

CHROMIUM = next((p for p in (os.environ.get("ZQCLAIMS_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
KINDS = {"claims": "claim_id", "events": "event_id", "exclusions": "exclusion_id"}


def rows(table: str) -> list[dict]:
    with open(ROOT / "resources" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# -- without a browser: the markup itself -----------------------------------

def test_highlight_splits_crossing_spans_and_keeps_the_text() -> None:
    import re

    text = "abcdefghij"
    spans = [site.Span(1, 5, "claim", "C1"), site.Span(3, 8, "event", "E1"), site.Span(4, 5, "exclusion", "X1")]
    html = str(site.highlight(text, spans))
    assert re.sub(r"<[^>]+>", "", html) == text
    assert html.count('id="C1"') == html.count('id="E1"') == html.count('id="X1"') == 1
    assert html.count("<span") == html.count("</span>")
    assert 'class="hl hl-event hl-cont"' in html  # the event crosses the claim's end: continued
    assert 'id=' not in str(site.highlight(text, spans, anchors=False))


def test_markup_in_cells_is_escaped_and_urls_are_checked(tmp_path: Path) -> None:
    ds = dataset.load(ROOT)
    claims = ds.tables["claims"].copy()
    claims.loc[claims.index[0], "statement_en"] = '<img src=x onerror="alert(1)"></script>'
    ds.tables["claims"] = claims
    articles = ds.tables["articles"].copy()
    articles.loc[articles.index[0], "url"] = "javascript:alert(1)"
    ds.tables["articles"] = articles
    ds.texts = {k: v.replace("肇庆", "<b>肇庆</b>", 1) for k, v in ds.texts.items()}
    site.write(tmp_path, ds, [], {"findings": 0, "stages": [], "summary": "", "rules": "", "total_checks": 0, "stage_count": 0})
    for page in tmp_path.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<img" not in html and "<b>" not in html and 'href="javascript:' not in html, page.name
    assert "\\u003cimg" in (tmp_path / site.page_name(articles.iloc[0]["article_id"])).read_text(encoding="utf-8")


# -- in the browser ---------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = run("build", str(ROOT), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out / "site"


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium: install it (apt-get install chromium) or set ZQCLAIMS_CHROMIUM")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page that records console errors, page errors and every request."""

    def __init__(self, browser, width: int = 1280, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def check(self) -> None:
        assert self.errors == []
        assert [u for u in self.requests if not u.startswith("file://")] == []


def test_every_span_is_highlighted_and_shows_its_statement(built: Path, browser) -> None:
    statements = {r[key]: r for table, key in KINDS.items() for r in rows(table)}
    for art in rows("articles"):
        w = Watched(browser)
        w.page.goto((built / site.page_name(art["article_id"])).as_uri())
        mine = [i for i, r in statements.items() if r["article_id"] == art["article_id"]]
        assert mine
        for ref in mine:
            node = w.page.locator(f'[id="{ref}"]')
            assert node.count() == 1, ref
            assert "hl" in node.get_attribute("class").split(), ref
        for kind in ("claims", "events", "exclusions"):  # select one of each kind with the mouse
            ref = next((i for i in mine if i[0] == kind[0].upper()), None)
            if ref is None:
                continue
            w.page.locator(f'[id="{ref}"]').click()
            detail = w.page.locator("#detail").inner_text()
            assert ref in detail
            if kind != "exclusions":
                assert statements[ref]["statement_en"][:60] in detail
        w.check()
        w.page.close()


def test_highlights_are_keyboard_usable_and_link_to_their_rows(built: Path, browser) -> None:
    claim = next(r for r in rows("claims") if r["claim_id"] == "C0094")
    w = Watched(browser)
    w.page.goto((built / site.page_name(claim["article_id"])).as_uri())
    w.page.locator('[id="C0094"]').focus()
    w.page.keyboard.press("Enter")
    detail = w.page.locator("#detail")
    assert claim["statement_en"][:60] in detail.inner_text()
    assert "62430000000" in detail.inner_text()
    relation = next(r for r in rows("relation_members") if r["claim_id"] == "C0094")["relation_id"]
    assert relation in detail.inner_text()
    detail.get_by_role("link", name="Open the row").click()
    assert w.page.url.endswith("claims.html#C0094")
    assert w.page.locator("tr:target").get_attribute("id") == "C0094"
    w.check()


def test_traditional_article_shows_a_simplified_reading(built: Path, browser) -> None:
    art = next(r for r in rows("articles") if r["language"] == "zh-Hant")
    w = Watched(browser)
    w.page.goto((built / site.page_name(art["article_id"])).as_uri())
    assert w.page.locator("#text-original").get_attribute("lang") == "zh-Hant"
    assert w.page.locator("#text-simplified").is_hidden()
    w.page.get_by_role("button", name="Simplified reading (derived)").click()
    assert w.page.locator("#text-simplified").is_visible() and w.page.locator("#text-original").is_hidden()
    assert w.page.locator("#text-simplified").get_attribute("lang") == "zh-Hans"
    w.page.locator("#text-simplified .hl-claim").first.click()
    assert w.page.locator("#detail h2").inner_text().startswith("Claim")
    w.check()


def test_claims_page_filters_and_sorts(built: Path, browser) -> None:
    claims = rows("claims")
    w = Watched(browser)
    w.page.goto((built / "claims.html").as_uri())
    body = w.page.locator("table.data tbody tr")
    assert body.count() == len(claims)
    w.page.locator('select[data-filter="modality"]').select_option("target")
    assert w.page.locator("table.data tbody tr:visible").count() == sum(r["modality"] == "target" for r in claims)
    w.page.locator('select[data-filter="modality"]').select_option("")
    w.page.get_by_role("button", name="value_base").click()
    w.page.get_by_role("button", name="value_base").click()  # descending
    first = w.page.locator("table.data tbody tr").first.get_attribute("id")
    assert float(next(r for r in claims if r["claim_id"] == first)["value_base"]) == \
        max(float(r["value_base"]) for r in claims)
    w.check()


def test_relations_page_lists_every_relation(built: Path, browser) -> None:
    w = Watched(browser)
    w.page.goto((built / "relations.html").as_uri())
    assert w.page.locator("li.rel").count() == len(rows("relations"))
    w.check()


def test_screenshots_of_an_article_at_desktop_and_phone_widths(built: Path, browser, tmp_path: Path) -> None:
    shots = Path(os.environ.get("ZQCLAIMS_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    art = next(r for r in rows("articles") if r["language"] == "zh-Hant")
    for name, (width, height) in {"desktop": (1280, 900), "phone": (390, 844)}.items():
        w = Watched(browser, width, height)
        w.page.goto((built / site.page_name(art["article_id"])).as_uri())
        w.page.locator("#text-original .hl-claim").first.click()
        path = shots / f"article-{name}.png"
        w.page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        # readable on a phone: nothing wider than the screen
        assert w.page.evaluate("document.documentElement.scrollWidth") <= width
        w.check()
        w.page.close()


# -- links and the index, without a browser -----------------------------------

def _links_and_ids(html: str) -> tuple[list[str], set[str]]:
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.links: list[str] = []
            self.ids: set[str] = set()

        def handle_starttag(self, tag, attrs) -> None:
            a = dict(attrs)
            if a.get("id"):
                self.ids.add(a["id"])
            for key in ("href", "src"):
                if a.get(key):
                    self.links.append(a[key])

    c = Collect()
    c.feed(html)
    return c.links, c.ids


def test_every_internal_link_and_anchor_resolves(built: Path) -> None:
    pages = {p.name: _links_and_ids(p.read_text(encoding="utf-8")) for p in built.glob("*.html")}
    broken = []
    for name, (links, _ids) in pages.items():
        for link in links:
            if link.startswith(("http://", "https://")):
                continue
            target, _, fragment = link.partition("#")
            target = target or name
            if not (built / target).is_file():
                broken.append((name, link))
            elif fragment and target.endswith(".html") and fragment not in pages[target][1]:
                broken.append((name, link))
    assert broken == []


def test_index_lists_counts_downloads_checksums_and_the_validation(built: Path) -> None:
    html = (built / "index.html").read_text(encoding="utf-8")
    assert len(html) < 200_000
    sums = dict(line.split("  ")[::-1] for line in (built / "downloads" / "SHA256SUMS").read_text().splitlines())
    for name, digest in sums.items():
        assert f'href="downloads/{name}"' in html and digest in html
    assert f">{len(rows('claims'))}<" in html and f">{len(rows('relations'))}<" in html
    assert "found <strong>0 findings</strong>" in html
    from zqclaims.stages import all_checks
    from zqclaims.stages import STAGES
    assert f"ran {len(all_checks())} checks in {len(STAGES)} stages" in " ".join(html.split())
    assert html.count('<h2 id="validation">') == 1
