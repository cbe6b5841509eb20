"""The ``likvard`` program: the console script and ``python -m likvard``.

It runs the command line (:data:`likvard.cli.main.app`) and then ends the process as soon as
Python's own exit work is done: threads joined, every exit handler run (files flushed, temporary
folders removed, a Dask cluster stopped). After that Python tears down every imported module
(numba, pandas, SQLAlchemy …) and frees each object one by one. That changes nothing on disk,
and after a report it takes 0.5–1 s once the last line has been printed. ``os._exit`` skips it
(the way ``multiprocessing`` ends its children).

The handler that does this is registered before the command line is imported, so it runs after
every other exit handler. Code that calls ``app`` itself (the tests, through typer's runner)
exits as usual.
"""

from __future__ import annotations

import atexit
import os
import sys

_exit_code = 0


def _finish() -> None:
    """Last exit handler: flush what is still buffered, then end the process with its exit code."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be shown there
            pass
    os._exit(_exit_code)


def exit_code(code: object) -> int:
    """The process exit code Python gives ``SystemExit(code)``: 0 for None, the number itself,
    1 for anything else (a message, which Python prints)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def main() -> None:
    """Run ``likvard`` with the arguments in ``sys.argv``."""
    global _exit_code
    atexit.register(_finish)
    from likvard.cli.main import app

    try:
        app()
    except SystemExit as exc:
        _exit_code = exit_code(exc.code)
        raise
    except KeyboardInterrupt:
        _exit_code = 130
        raise
    except BaseException:
        _exit_code = 1
        raise
