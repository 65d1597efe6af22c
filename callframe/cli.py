"""The ``callframe`` command line. Each command lives in :mod:`callframe._cli`; this module wires
them up. Run ``callframe --help``.
"""

from __future__ import annotations

from callframe._cli import convert as _convert  # noqa: F401  (registers commands)
from callframe._cli import upload as _upload  # noqa: F401  (registers commands)
from callframe._cli import validate as _validate  # noqa: F401  (registers commands)
from callframe._cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``callframe`` script."""
    app()


if __name__ == "__main__":
    main()
