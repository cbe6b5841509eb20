"""One piece of work in a second process beside this one, sharing what is already in memory.

``beside(fn)`` starts ``fn()`` in a forked child (Linux: the child has every imported module and
every object of the parent without pickling or re-importing) and returns a handle whose
``result()`` waits for it and gives ``fn``'s return value, or raises the child's error in the
parent (a ``LikvardError`` as one with the same Swedish message). Where fork is not the platform's way
(Windows, macOS), or ``enabled`` is false, ``fn`` runs in this process when ``result()`` is
called, so the answer is the same either way.

Fork is safe here only before this process has started thread pools a child would inherit in a
broken state: numba's parallel kernels (OpenMP or workqueue) and SQLAlchemy connections.
``beside`` refuses when numba's threads are already running, and the caller gives the child its
own database connection (``Store.engine.dispose(close=False)`` in the child, per SQLAlchemy's
advice for forked processes).
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from likvard.errors import LikvardError

T = TypeVar("T")


def fork_available() -> bool:
    """True where a forked child is a safe copy of this process: Linux, before numba's threads run."""
    if not sys.platform.startswith("linux"):
        return False
    from numba.np.ufunc import parallel

    return not parallel._is_initialized


@dataclass
class Beside(Generic[T]):
    """Handle of :func:`beside`: ``result()`` waits for the work and returns its value."""

    fn: Callable[[], T]
    process: Any = None
    receiver: Any = None

    def result(self) -> T:
        if self.process is None:
            return self.fn()
        try:
            kind, payload = self.receiver.recv()
        except EOFError:
            kind, payload = "crash", None
        self.process.join()
        self.receiver.close()
        if kind == "ok":
            return payload
        if kind == "likvard":
            raise LikvardError(payload)
        if kind == "error":
            raise RuntimeError(f"Arbetet i den andra processen misslyckades:\n{payload}")
        raise RuntimeError(f"Den andra processen avslutades oväntat (kod {self.process.exitcode}).")


def _child(fn: Callable[[], Any], sender: Any, in_child: Callable[[], None] | None) -> None:
    try:
        if in_child is not None:
            in_child()
        value = fn()
    except LikvardError as exc:
        sender.send(("likvard", str(exc)))
    except BaseException:  # everything else reaches the parent with its traceback
        sender.send(("error", traceback.format_exc()))
    else:
        sender.send(("ok", value))
    finally:
        sender.close()


def beside(fn: Callable[[], T], enabled: bool = True, in_child: Callable[[], None] | None = None) -> Beside[T]:
    """Start ``fn()`` in a forked child now (see the module docstring), or later in this process;
    ``in_child()`` runs first in the child only (to let go of the parent's connections)."""
    if not (enabled and fork_available()):
        return Beside(fn)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(fn, sender, in_child), daemon=True)
    sys.stdout.flush()
    sys.stderr.flush()
    process.start()
    sender.close()
    return Beside(fn, process, receiver)
