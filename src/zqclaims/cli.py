"""Command line: parse options, call the library, render, exit. No logic here.

Exit codes (docs/validation.md "Exit codes"): 0 valid, 1 findings, 2 usage error (including
a path that is not a package directory), 3 could not run (a missing or
unreadable file), 4 internal error (a bug in zqclaims; no traceback is shown
unless ZQCLAIMS_DEBUG=1).
"""

from __future__ import annotations

import functools
import json
import os
import sys

import click

from . import __version__, fmt, guard, limits, package, relations as relations_mod, release, render
from .findings import CouldNotRun, UsageProblem
from .stages import STAGES, all_checks
from .validate import RULES
from .validate import validate as run_validate

EXIT_VALID, EXIT_FINDINGS, EXIT_USAGE, EXIT_COULD_NOT_RUN, EXIT_INTERNAL = 0, 1, 2, 3, 4
CONTEXT = {"help_option_names": ["-h", "--help"]}


def emit(text: str, err: bool = False) -> None:
    """Write a line as UTF-8 whatever the terminal's encoding; never fails on odd characters."""
    stream = sys.stderr if err else sys.stdout
    stream.flush()
    binary = getattr(stream, "buffer", stream)  # the bytes under the text stream (a test runner's, too)
    binary.write(text.encode("utf-8", "backslashreplace") + b"\n")
    binary.flush()


def guarded(command: str):
    """Map library errors to exit codes at the edge: usage 2, could not run 3,
    internal error 4 with a short bug-report message instead of a traceback."""
    def wrap(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except UsageProblem as exc:
                _fail(exc, EXIT_USAGE)
            except CouldNotRun as exc:
                _fail(exc, EXIT_COULD_NOT_RUN)
            except (package.TooLarge, package.UnsafePath) as exc:  # e.g. fmt on a file it will not read
                _fail(CouldNotRun(str(exc), "restore the file from the release; nothing was written"),
                      EXIT_COULD_NOT_RUN)
            except (SystemExit, KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
                raise
            except Exception as exc:  # noqa: BLE001 - the last line of defence: never show a traceback
                if os.environ.get("ZQCLAIMS_DEBUG"):
                    raise
                emit(f"Error: internal error in zqclaims {command} {__version__} (a bug in zqclaims, "
                     f"not necessarily a problem in your package): {type(exc).__name__}: "
                     f"{render.clean(str(exc))[:300]}", err=True)
                emit("Hint: please report it with the command you ran (README 'Report a correction'); "
                     "ZQCLAIMS_DEBUG=1 shows the traceback", err=True)
                sys.exit(EXIT_INTERNAL)
        return inner
    return wrap


def _fail(exc: CouldNotRun, code: int) -> None:
    emit(f"Error: {render.clean(exc.message)}", err=True)
    if exc.hint:
        emit(f"Hint: {render.clean(exc.hint)}", err=True)
    sys.exit(code)


#: Set by a command that writes no file once its output is written: the console script may
#: then end the process without tearing the interpreter down (:func:`console`).
_done_reading = False


def console() -> None:
    """The ``zqclaims`` console script and ``python -m zqclaims``: :func:`main` with the
    same output and exit codes. After ``validate`` the process ends at once (``os._exit``,
    as mypy does) instead of freeing every object of Great Expectations, pandas and the
    tables one by one: that teardown costs about 0.6 s on a 2-core machine and changes
    nothing a user sees. Commands that write files exit normally."""
    try:
        main(prog_name="zqclaims")
        code: object = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
    if not (_done_reading and isinstance(code, int)):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the descriptor closed (>&-): nothing was written to it
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head) or stream: nothing more can be written
            pass
    os._exit(code)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="zqclaims")
def main() -> None:
    """Validate and maintain the zhaoqing-investment-claims data package.

    Exit codes: 0 valid, 1 findings, 2 usage error, 3 could not run, 4 internal error.
    """


@main.command(context_settings=CONTEXT)
@click.argument("package_dir", default=".", type=click.Path())
@click.option("--format", "output", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True,
              help="Output format: json is for machines, github writes GitHub Actions annotations "
                   "(::error at each finding's file and line).")
@click.option("-q", "--quiet", is_flag=True,
              help="Text format: print the findings only, nothing when the package is valid (the exit code "
                   "says which).")
@click.option("--stage", "stages", multiple=True, type=click.Choice([s.ID for s in STAGES]),
              help="Run only this stage (repeatable; for debugging): the descriptor and limits gates always "
                   "run, and the report says 'partial', never 'valid'.")
@click.option("--rules", type=click.Choice(RULES), default="released", show_default=True,
              help="Whose rules to validate with: the rules released with this zqclaims, or the package's own "
                   "(only for rules you trust; the report says so).")
@click.option("--max-findings", type=click.IntRange(min=0), default=limits.MAX_FINDINGS_PER_CHECK,
              show_default=True, help="Findings shown per check id (0: all); the rest are counted.")
@guarded("validate")
def validate(package_dir: str, output: str, quiet: bool, stages: tuple[str, ...], rules: str,
             max_findings: int) -> None:
    """Validate PACKAGE_DIR (default: the current directory) or its datapackage.json.

    Everything in the package is treated as untrusted: rules come from this
    zqclaims release unless --rules package is given, and nothing in the
    package is run, fetched or followed outside it.

    Exit codes: 0 valid, 1 findings, 2 usage error, 3 could not run, 4 internal error.

    Examples: zqclaims validate . --format json; in a GitHub workflow:
    zqclaims validate . --format github
    """
    report = run_validate(package_dir, only=list(stages) or None, rules=rules)
    if output == "json":
        emit(render.as_json(report, max_findings))
    elif output == "github":
        emit(render.as_github(report, max_findings))
    else:
        text = render.as_text(report, max_findings, summary=not quiet)
        if text:
            emit(text)
    global _done_reading
    _done_reading = True
    sys.exit(EXIT_VALID if report.valid else EXIT_FINDINGS)


@main.command("fmt", context_settings=CONTEXT)
@click.argument("package_dir", default=".", type=click.Path())
@click.option("--check", is_flag=True, help="Write nothing; list the files fmt would change (exit 1 if any).")
@click.option("--force", is_flag=True, help="Rewrite even when validation finds damage fmt does not repair.")
@guarded("fmt")
def fmt_command(package_dir: str, check: bool, force: bool) -> None:
    """Rewrite CSVs in canonical form and refresh derived columns, hashes and sizes.

    Refuses (exit 1) when validation finds damage that refreshed hashes would
    hide; archived texts are never rewritten. Exit codes: 0 done or nothing to
    do, 1 --check found changes or fmt refused, 2 usage error, 3 could not run,
    4 internal error.

    Example: zqclaims fmt . --check
    """
    try:
        changed = fmt.format_package(fmt.load(package_dir), force=force, check=check)
    except fmt.Refused as exc:
        emit(f"Error: {render.clean(exc.message)}", err=True)
        emit(f"Hint: {render.clean(exc.hint)}", err=True)
        sys.exit(EXIT_FINDINGS)
    for path in changed:
        emit(f"{'would rewrite' if check else 'rewrote'} {render.clean(path)}")
    if not changed:
        emit("already canonical")
    sys.exit(EXIT_FINDINGS if check and changed else EXIT_VALID)


@main.command("diff", context_settings=CONTEXT)
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--max-lines", type=click.IntRange(min=0), default=200, show_default=True,
              help="Lines shown per table in text (0: all); JSON has everything.")
@click.option("--summary", is_flag=True, help="Text: only the counts and columns per table, no records.")
@guarded("diff")
def diff_command(old: str, new: str, output: str, max_lines: int, summary: bool) -> None:
    """List what changed in the data from OLD to NEW (package directories or release zips).

    Rows are matched by primary key: added and removed keys, and each changed
    field with its old and new value; archived texts are compared by content.
    Nothing is validated (run 'zqclaims validate' for that). Exit codes: 0 no
    differences, 1 differences, 2 usage error, 3 could not run, 4 internal error.

    Example: zqclaims diff zhaoqing-investment-claims-0.4.0.zip . --format json
    """
    from . import diff as diff_mod

    doc = diff_mod.diff(old, new)
    emit(render.diff_json(doc) if output == "json" else render.diff_text(doc, max_lines, summary))
    sys.exit(EXIT_VALID if doc["identical"] else EXIT_FINDINGS)


@main.command("build", context_settings=CONTEXT)
@click.argument("package_dir", default=".", type=click.Path())
@click.option("--out", default="dist", show_default=True, type=click.Path(),
              help="Folder to write into (created; site/ inside it is replaced).")
@guarded("build")
def build_command(package_dir: str, out: str) -> None:
    """Validate PACKAGE_DIR and build what users download into OUT.

    Writes the release zip, SHA256SUMS, a SQLite database with metadata.json
    for Datasette, an Excel workbook, the validation report and a static site
    (site/). The same package gives byte-identical files. Refuses (exit 1,
    nothing written) when validation finds anything. Exit codes: 0 built,
    1 the package has findings, 2 usage error, 3 could not run, 4 internal error.

    Example: zqclaims build . --out dist && (cd dist && sha256sum -c SHA256SUMS)
    """
    try:
        from . import build as build_mod
    except ImportError as exc:
        raise CouldNotRun(f"zqclaims build needs the {exc.name} library, which is not installed",
                          "install the build extra: pip install 'zqclaims[build]'") from None
    try:
        built = build_mod.build(package_dir, out)
    except build_mod.Refused as exc:
        emit(render.as_text(exc.report, limits.MAX_FINDINGS_PER_CHECK), err=True)
        emit("Error: the package has findings, so nothing was built", err=True)
        emit("Hint: fix the findings above ('zqclaims validate' lists them), then build again", err=True)
        sys.exit(EXIT_FINDINGS)
    for name, digest in sorted(built.artifacts.items()):
        emit(f"{digest}  {name}")
    emit(f"built {len(built.artifacts)} files, SHA256SUMS and site/ ({len(built.pages)} files) in "
         f"{render.clean(out)}")


@main.command(context_settings=CONTEXT)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def checks(output: str) -> None:
    """List every check id the validator can produce.

    Example: zqclaims checks --format json
    """
    items = all_checks()
    if output == "json":
        emit(json.dumps(items, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for check_id, text in items.items():
            emit(f"{check_id}\t{text}")


@main.command(context_settings=CONTEXT)
@click.argument("package_dir", default=".", type=click.Path())
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format; json gives exact decimal bounds.")
@click.option("--type", "types", multiple=True, type=click.Choice(sorted(relations_mod.ROLE_RULES)),
              help="Show only relations of this type (repeatable).")
@guarded("relations")
def relations(package_dir: str, output: str, types: tuple[str, ...]) -> None:
    """Evaluate every relation between claims and print its interval and verdict.

    Verdicts: holds, violated (as recorded), informational, newly violated,
    no longer violated, not evaluable. Exit codes: 0 every verdict agrees with
    the record, 1 some do not, 2 usage error, 3 could not run, 4 internal error.

    Example: zqclaims relations . --type share --format json
    """
    pkg = package.load(package_dir)
    with guard.sandbox(pkg.root, extra_reads=(release.root(),)):
        missing = pkg.lacks(relations_mod.COLUMNS) if not pkg.over_limit else ["(files over the limits)"]
        if missing:
            raise CouldNotRun(f"cannot evaluate relations without {', '.join(missing)}",
                              "run 'zqclaims validate' to see what is damaged, and restore it")
        ev = relations_mod.evaluate(pkg)
    if types:
        ev = ev[ev["relation_type"].isin(types)]
    if output == "json":
        emit(render.relations_json(relations_mod.as_records(ev)))
    else:
        emit(render.relations_text(ev.to_dict("records")))
    sys.exit(EXIT_VALID if relations_mod.agrees(ev) else EXIT_FINDINGS)
