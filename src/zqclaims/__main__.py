"""``python -m zqclaims``: the same as the ``zqclaims`` command."""

from .cli import console

console()
