"""The README, the workflow and .ci/run stay in sync with the code and schemas."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zqclaims.stages import all_checks
from zqclaims.stages.coverage import IDIOMS

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DATA = (ROOT / "docs/data.md").read_text(encoding="utf-8")
METHODS = (ROOT / "docs/methods.md").read_text(encoding="utf-8")
VALIDATION = (ROOT / "docs/validation.md").read_text(encoding="utf-8")
PERFORMANCE = (ROOT / "docs/performance.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("schema", sorted((ROOT / "schemas").glob("*.schema.json")), ids=lambda p: p.stem)
def test_data_dictionary_lists_every_field_with_its_description(schema: Path) -> None:
    name = schema.name.removesuffix(".schema.json")
    section = DATA.split(f"### {name} (")[1].split("\n### ")[0].split("\n## ")[0]
    fields = json.loads(schema.read_text(encoding="utf-8"))["fields"]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (\w+) \| (.*) \|$", section, flags=re.M)
    assert rows == [(f["name"], f["type"], f["description"]) for f in fields]


def test_every_field_has_a_description() -> None:
    for schema in (ROOT / "schemas").glob("*.schema.json"):
        for field in json.loads(schema.read_text(encoding="utf-8"))["fields"]:
            assert field.get("description"), f"{schema.name}: {field['name']}"


def test_check_list_matches_the_code() -> None:
    listed = re.findall(r"^\| `([a-z<>-]+)` \|", VALIDATION.split("## Checks")[1], flags=re.M)
    assert listed == list(all_checks())


def test_idiom_list_matches_the_code() -> None:
    for word in IDIOMS:
        assert word in VALIDATION.split("## Checks")[1]


def test_setup_commands_agree_with_ci() -> None:
    blocks = re.findall(r"```\n(python -m venv .*)\n```", README)
    assert len(blocks) == 2, "README must give exactly two set-up commands"
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    workflow = (ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    test_cmd = blocks[1].split("&& ")[-1].replace(".venv/bin/", "")
    assert test_cmd in ci.replace('"$VENV"/bin/', "")
    assert test_cmd in workflow
    assert "zqclaims validate ." in ci and "zqclaims validate ." in workflow


@pytest.mark.parametrize("workflow", ["ci.yml", "release.yml"])
def test_workflow_passes_actionlint(workflow: str) -> None:
    exe = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert exe, "actionlint is a test dependency (pip install '.[test]')"
    proc = subprocess.run([exe, str(ROOT / ".github/workflows" / workflow)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_fails_on_a_broken_workflow(tmp_path: Path) -> None:
    exe = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert exe
    bad = (ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8").replace("needs: build", "needs: biuld", 1)
    (tmp_path / "release.yml").write_text(bad, encoding="utf-8")
    proc = subprocess.run([exe, str(tmp_path / "release.yml")], capture_output=True, text=True)
    assert proc.returncode != 0


def test_versions_agree() -> None:
    desc = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{desc['version']}]" in changelog
    assert f"version-{desc['version']}-" in README
    assert f"version: {desc['version']}" in (ROOT / "CITATION.cff").read_text(encoding="utf-8")


def test_relations_example_in_methods_is_real_output() -> None:
    from .conftest import run
    block = METHODS.split("$ zqclaims relations . --type share\n")[1].split("```")[0]
    assert run("relations", str(ROOT), "--type", "share").stdout == block


def test_limits_table_matches_the_code() -> None:
    from zqclaims import limits

    section = VALIDATION.split("### Limits")[1].split("\n## ")[0]
    rows = dict(re.findall(r"^\| .* \(`([a-z_]+)`\) \| ([0-9,]+) \|$", section, flags=re.M))
    assert rows == {k: f"{v:,}" for k, v in limits.ALL.items()}


def test_exit_codes_are_documented() -> None:
    from zqclaims import cli

    section = VALIDATION.split("### Exit codes")[1].split("\n## ")[0]
    codes = [int(c) for c in re.findall(r"^\| (\d) \|", section, flags=re.M)]
    assert codes == sorted({cli.EXIT_VALID, cli.EXIT_FINDINGS, cli.EXIT_USAGE, cli.EXIT_COULD_NOT_RUN,
                            cli.EXIT_INTERNAL})


def test_performance_table_is_the_committed_benchmark_output() -> None:
    """The table in docs/performance.md is benchmarks/results.md as benchmarks/bench.py wrote it."""
    block = PERFORMANCE.split("<!-- performance:start -->\n")[1].split("<!-- performance:end -->")[0]
    assert block == (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    result = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert [r["n"] for r in result["sizes"]] == [1, 10, 100, 1000]


def test_the_readme_says_how_long_it_takes_as_the_committed_benchmark_measured() -> None:
    result = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    one, big = result["sizes"][0], result["sizes"][-1]
    cores = result["machine"].split(", ")[1].replace(" cores", "-core")
    want = (f"**How long it takes:** {one['zqclaims']['wall']['median']:.1f} s on the shipped package on a {cores} "
            f"machine, most of it importing the libraries; {big['zqclaims']['wall']['median']:.1f} s at "
            f"{big['n']:,} times the corpus ({133 * big['n']:,} claims), {big['ratio']:.2f} times bare "
            f"`frictionless validate` on the same package, with a peak of {big['zqclaims']['rss_mib']['median']:.0f} "
            "MiB ([docs/performance.md](docs/performance.md)).")
    assert want in " ".join(README.split())


def test_building_the_wheel_gives_no_warning_from_our_configuration(tmp_path: Path) -> None:
    """setuptools warns about a TOML-table licence and about data folders missing from
    `packages`; neither may come back (the wheel also carries the site's templates)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert "BuildBackendWarning" not in output and "SetuptoolsDeprecationWarning" not in output, output[-3000:]
    import zipfile
    wheel = next(tmp_path.glob("zqclaims-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "zqclaims/build/templates/article.html" in names and "zqclaims/build/static/site.js" in names


def test_constraints_pin_every_dependency_within_its_declared_range() -> None:
    import re
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version), line
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += [d for d in extra if not d.startswith("zqclaims")]
    for dep in declared:
        req = Requirement(dep)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {dep}"


def test_readme_answers_the_users_questions_in_order_and_stays_short() -> None:
    headings = re.findall(r"^## (.*)$", README, flags=re.M)
    assert headings == ["What is in it", "Get it", "Load it", "Use it in …", "Check it", "Cite", "Report a correction",
                        "Documentation", "Licence"]
    assert len(README.splitlines()) <= 300, "methods and reference belong in docs/"


DOCUMENTS = ["README.md", "CONTRIBUTING.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for heading in re.findall(r"^#+ (.*)$", markdown, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
        out.add(slug.replace(" ", "-"))
    return out


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_every_relative_link_resolves_to_a_file_and_heading(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / doc).parent / path if path else ROOT / doc
        assert file.resolve().is_file(), f"{doc}: link to missing {target}"
        if anchor:
            assert anchor in _anchors(file.read_text(encoding="utf-8")), f"{doc}: no heading for #{anchor}"


def test_search_phrases_for_the_originals_are_in_the_archived_texts() -> None:
    from zqclaims.textnorm import to_simplified

    table = METHODS.split("<!-- sources:start -->")[1].split("<!-- sources:end -->")[0]
    rows = re.findall(r"^\| ([0-9a-z-]+) \| [^|]+ \| (.+) \|$", table, flags=re.M)
    articles = sorted(p.stem for p in (ROOT / "resources/articles").glob("*.txt"))
    assert sorted(a for a, _ in rows) == articles
    for article, phrase in rows:
        text = to_simplified((ROOT / f"resources/articles/{article}.txt").read_text(encoding="utf-8"))
        assert phrase.strip() in text, (article, phrase)


def _pins(name: str) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            pkg, _, version = line.partition("==")
            pins[canonicalize_name(pkg)] = version
    return pins


def test_minimum_constraints_pin_every_declared_lower_bound_exactly() -> None:
    """constraints-minimum.txt (the CI leg on declared minimums) installs each direct dependency at the
    lower bound pyproject.toml declares, so "the ranges are tested" holds at both ends."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    pins = _pins("constraints-minimum.txt")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += [d for d in extra if not d.startswith("zqclaims")]
    for dep in declared:
        req = Requirement(dep)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints-minimum.txt"
        floors = [s.version for s in req.specifier if s.operator == ">="]
        if floors:
            assert Version(pins[name]) == Version(floors[0]), f"{req.name}=={pins[name]} is not its floor {dep}"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {dep}"
    workflow = (ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert '-c constraints-minimum.txt' in workflow and '-c constraints.txt' in workflow
