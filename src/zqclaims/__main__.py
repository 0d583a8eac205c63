"""``python -m zqclaims``: the same as the ``zqclaims`` command."""

from .cli import main

main(prog_name="zqclaims")
