"""How a command ends: the documented exit codes, and the one error line a refused command prints.

Every front door on the command line (``extract``, ``serve``, ``eval``, ``gold``, ``diff``,
``review``, ``claimants``, ``table``) refuses bad input or setup the same way: one line on
standard error, ``error: …``, and exit status 2, with nothing touched. The README's exit-code
paragraph lists what each command returns.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

EXIT_OK = 0
EXIT_ARTICLE_ERRORS = 1  # extract: some articles failed (their lines say why)
EXIT_GATE_FAILED = 1  # eval: the gate failed, or nothing to score
EXIT_USAGE = 2  # bad invocation, input or setup: nothing touched
EXIT_BUDGET_SPENT = 3  # extract: stopped at --token-budget (finished lines kept)
EXIT_INTERRUPTED = 130  # Ctrl-C (finished lines kept)
# Standard output closed under us (`-o - | head`): 128 + SIGPIPE, what a shell reports for a filter killed by it.
EXIT_CLOSED_PIPE = 141

# soft_wrap: a path in a message stays whole, so it can be copied.
_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: message`` on standard error and return the ``typer.Exit`` to raise."""
    _stderr.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)
