"""Shared helpers: copy the shipped package to a temporary directory and run the CLI in-process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from zqclaims.cli import main

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PARTS = ["datapackage.json", "resources", "schemas", "checks"]


def copy_package(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for part in PACKAGE_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return copy_package(tmp_path / "pkg")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)
