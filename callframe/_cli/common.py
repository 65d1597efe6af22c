"""What every command shares: the typer app, exit codes, consoles and error handling.

Exit codes (documented in the README and relied on by CI users):

* ``0`` — success (no errors; warnings allowed unless ``--strict``)
* ``1`` — the data has errors, or the upload failed
* ``2`` — a file cannot be read, or the command was used wrongly
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from callframe.errors import CallframeError, UsageError

__all__ = [
    "EXIT_DATA",
    "EXIT_OK",
    "EXIT_USAGE",
    "OutputFormat",
    "app",
    "err_console",
    "guarded",
    "out_console",
]

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="callframe",
    help="Call-tracker exports into Yandex Metrica: validate, convert, upload.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def out_console() -> Console:
    return Console(soft_wrap=False, highlight=False)


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line


P = ParamSpec("P")
R = TypeVar("R")


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn callframe errors into a one-line message and exit code 2; never a traceback.

    Unexpected exceptions also end in a short message (set ``CALLFRAME_DEBUG=1`` for the
    traceback), because a CI log full of internals helps nobody.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # the reader went away (`callframe validate … | head`): stop quietly, like cat does
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(EXIT_OK) from None
        except UsageError as exc:
            err_console().print(f"error: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None
        except CallframeError as exc:
            err_console().print(f"error: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as exc:
            if os.environ.get("CALLFRAME_DEBUG"):
                raise
            name = type(exc).__name__
            err_console().print(
                f"internal error ({name}); rerun with CALLFRAME_DEBUG=1 and report it",
                markup=False,
            )
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper
