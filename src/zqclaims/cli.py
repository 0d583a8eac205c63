"""Command line: parse options, call the library, render, exit. No logic here.

Exit codes: 0 valid, 1 findings, 2 usage error, 3 could not run (4: internal error in fmt).
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__, fmt, package, relations as relations_mod, render
from .findings import CouldNotRun
from .stages import STAGES, all_checks
from .validate import validate as run_validate

EXIT_VALID, EXIT_FINDINGS, EXIT_USAGE, EXIT_COULD_NOT_RUN, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _could_not_run(exc: CouldNotRun) -> None:
    click.echo(f"Error: {exc.message}", err=True)
    if exc.hint:
        click.echo(f"Hint: {exc.hint}", err=True)
    sys.exit(EXIT_COULD_NOT_RUN)


@click.group()
@click.version_option(__version__, prog_name="zqclaims")
def main() -> None:
    """Validate and maintain the zhaoqing-investment-claims data package."""


@main.command()
@click.argument("package_dir", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format; json is for machines.")
@click.option("--stage", "stages", multiple=True, type=click.Choice([s.ID for s in STAGES]),
              help="Run only this stage (repeatable).")
def validate(package_dir: str, output: str, stages: tuple[str, ...]) -> None:
    """Validate PACKAGE_DIR (default: the current directory).

    Exit codes: 0 valid, 1 findings, 2 usage error, 3 could not run.

    Example: zqclaims validate . --format json
    """
    try:
        report = run_validate(package_dir, only=list(stages) or None)
    except CouldNotRun as exc:
        _could_not_run(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence: never show a traceback
        _could_not_run(CouldNotRun(f"validation stopped on unreadable input: {type(exc).__name__}: {exc}",
                                   "restore the damaged file from version control, then run again"))
    click.echo(render.as_json(report) if output == "json" else render.as_text(report))
    sys.exit(EXIT_VALID if report.valid else EXIT_FINDINGS)


@main.command("fmt")
@click.argument("package_dir", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--check", is_flag=True, help="Write nothing; list the files fmt would change (exit 1 if any).")
@click.option("--force", is_flag=True, help="Rewrite even when validation finds damage fmt does not repair.")
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
    except CouldNotRun as exc:
        _could_not_run(exc)
    except fmt.Refused as exc:
        click.echo(f"Error: {exc.message}", err=True)
        click.echo(f"Hint: {exc.hint}", err=True)
        sys.exit(EXIT_FINDINGS)
    except Exception as exc:  # noqa: BLE001 - last line of defence: never show a traceback
        click.echo(f"Error: internal error in zqclaims fmt (a bug): {type(exc).__name__}: {exc}", err=True)
        click.echo("Please report this bug with the command you ran and the output above.", err=True)
        sys.exit(EXIT_INTERNAL)
    for path in changed:
        click.echo(f"{'would rewrite' if check else 'rewrote'} {path}")
    if not changed:
        click.echo("already canonical")
    sys.exit(EXIT_FINDINGS if check and changed else EXIT_VALID)


@main.command()
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def checks(output: str) -> None:
    """List every check id the validator can produce.

    Example: zqclaims checks --format json
    """
    items = all_checks()
    if output == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for check_id, text in items.items():
            click.echo(f"{check_id}\t{text}")


@main.command()
@click.argument("package_dir", default=".", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format; json gives exact decimal bounds.")
@click.option("--type", "types", multiple=True, type=click.Choice(sorted(relations_mod.ROLE_RULES)),
              help="Show only relations of this type (repeatable).")
def relations(package_dir: str, output: str, types: tuple[str, ...]) -> None:
    """Evaluate every relation between claims and print its interval and verdict.

    Verdicts: holds, violated (as recorded), informational, newly violated,
    no longer violated, not evaluable. Exit codes: 0 every verdict agrees with
    the record, 1 some do not, 2 usage error, 3 could not run.

    Example: zqclaims relations . --type share --format json
    """
    try:
        pkg = package.load(package_dir)
        missing = pkg.lacks(relations_mod.COLUMNS)
        if missing:
            raise CouldNotRun(f"cannot evaluate relations without {', '.join(missing)}",
                              "run 'zqclaims validate' to see what is damaged, and restore it")
        ev = relations_mod.evaluate(pkg)
    except CouldNotRun as exc:
        _could_not_run(exc)
    except Exception as exc:  # noqa: BLE001 - last line of defence: never show a traceback
        _could_not_run(CouldNotRun(f"relations stopped on unreadable input: {type(exc).__name__}: {exc}",
                                   "run 'zqclaims validate' to find the damaged file"))
    if types:
        ev = ev[ev["relation_type"].isin(types)]
    if output == "json":
        click.echo(render.relations_json(relations_mod.as_records(ev)))
    else:
        click.echo(render.relations_text(ev.to_dict("records")))
    sys.exit(EXIT_VALID if relations_mod.agrees(ev) else EXIT_FINDINGS)
