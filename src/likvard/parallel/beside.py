"""One piece of work in a second process beside this one, sharing what is already in memory.

``beside(fn)`` starts ``fn()`` in a forked child (Linux: the child has every imported module and
every object of the parent without pickling or re-importing) and returns a handle whose
``result()`` waits for it and gives ``fn``'s return value, or raises the child's error in the
parent (a ``LikvardError`` as one with the same Swedish message). Where fork is not the platform's way
(Windows, macOS), or ``enabled`` is false, ``fn`` runs in this process when ``result()`` is
called, so the answer is the same either way.

Fork is safe here only before this process has started thread pools a child would inherit in a
broken state: numba's parallel kernels (OpenMP or workqueue) and SQLAlchemy connections.
``beside`` refuses when numba's threads are already running, unless the caller says the work is
``pure`` Python (it runs no numba parallel kernel, e.g. writing a workbook: the child then never
touches the inherited thread pool); and the caller gives the child its own database connection
(``Store.engine.dispose(close=False)`` in the child, per SQLAlchemy's advice for forked processes).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from likvard.errors import LikvardError

T = TypeVar("T")
X = TypeVar("X")


def fork_available(pure: bool = False) -> bool:
    """True where a forked child is a safe copy of this process: Linux, before numba's threads run
    (or at any time for ``pure`` work, which starts no numba parallel kernel)."""
    if not sys.platform.startswith("linux"):
        return False
    if pure:
        return True
    from numba.np.ufunc import parallel

    return not parallel._is_initialized


def _outcome(receiver: Any, pid: int) -> Any:
    """Wait for the child's answer on ``receiver`` and for the child itself; its value, or its error."""
    try:
        kind, payload = receiver.recv()
    except EOFError:
        kind, payload = "crash", None
    finally:
        receiver.close()
    _, status = os.waitpid(pid, 0)
    if kind == "ok":
        return payload
    if kind == "likvard":
        raise LikvardError(payload)
    if kind == "error":
        raise RuntimeError(f"Arbetet i den andra processen misslyckades:\n{payload}")
    raise RuntimeError(f"Den andra processen avslutades oväntat (status {status}).")


@dataclass
class Beside(Generic[T]):
    """Handle of :func:`beside`: ``result()`` waits for the work and returns its value."""

    fn: Callable[[], T]
    pid: int | None = None
    receiver: Any = None

    def result(self) -> T:
        if self.pid is None:
            return self.fn()
        return _outcome(self.receiver, self.pid)


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


def beside(fn: Callable[[], T], enabled: bool = True, in_child: Callable[[], None] | None = None,
           pure: bool = False) -> Beside[T]:
    """Start ``fn()`` in a forked child now (see the module docstring), or later in this process;
    ``in_child()`` runs first in the child only (to let go of the parent's connections); ``pure``:
    ``fn`` runs no numba parallel kernel, so it may fork after numba's threads started.

    The child is a plain ``os.fork`` (not a ``multiprocessing`` daemon), so work beside can start
    work beside in turn; it leaves with ``os._exit`` and never runs the parent's exit handlers."""
    if not (enabled and fork_available(pure)):
        return Beside(fn)
    receiver, sender = multiprocessing.Pipe(duplex=False)

    def in_the_child() -> None:
        receiver.close()
        _child(fn, sender, in_child)

    pid = _fork(in_the_child)
    sender.close()
    return Beside(fn, pid, receiver)


def _fork(run: Callable[[], None]) -> int:
    """Fork; the child runs ``run()`` and leaves with ``os._exit`` (0, or 1 if ``run`` raised); the
    parent gets the child's pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            run()
        except BaseException:  # noqa: BLE001 - the parent learns of it from the closed pipe
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    return pid


class _Ended(Exception):
    """The parent stopped feeding (``Feed.cancel`` or the parent's end) before the last item."""


@dataclass
class Feed(Generic[X, T]):
    """Handle of :func:`feed`: ``put(item)`` hands the next item to the work, ``result()`` says
    there are no more, waits and returns the work's value; ``cancel()`` stops the work."""

    consume: Callable[[Iterator[X]], T]
    pid: int | None = None
    sender: Any = None
    receiver: Any = None
    items: list[X] = field(default_factory=list)

    done: bool = False

    def put(self, item: X) -> None:
        if self.pid is None:
            self.items.append(item)
            return
        try:
            self.sender.send(("item", item))
        except (BrokenPipeError, ConnectionResetError):  # the work stopped early: its own error is the one to see
            self.done = True
            self.sender.close()
            _outcome(self.receiver, self.pid)
            raise RuntimeError("Arbetet i den andra processen slutade innan allt var lämnat.") from None

    def result(self) -> T:
        if self.pid is None:
            return self.consume(iter(self.items))
        self.done = True
        try:
            self.sender.send(("end", None))
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped early: its answer says why
        self.sender.close()
        return _outcome(self.receiver, self.pid)

    def cancel(self) -> None:
        """Stop the work without a result (nothing it writes is kept: it sees the items end early)."""
        if self.pid is None:
            self.items.clear()
            return
        if self.done:
            return
        self.done = True
        self.sender.close()  # the child's next read fails: it stops without a result
        try:
            _outcome(self.receiver, self.pid)
        except (RuntimeError, LikvardError):
            pass  # the work was stopped on purpose; its error is the expected one


def _items(receiver: Any) -> Iterator[Any]:
    while True:
        try:
            kind, item = receiver.recv()
        except EOFError:
            raise _Ended from None
        if kind == "end":
            return
        yield item


def feed(consume: Callable[[Iterator[X]], T], enabled: bool = True, pure: bool = False) -> Feed[X, T]:
    """Start ``consume(items)`` in a forked child now, to be given its items one by one with
    ``Feed.put`` while this process makes them (e.g. writing each table of a workbook as soon as it
    is built); ``result()`` ends the items and returns ``consume``'s value. Without fork (or with
    ``enabled`` false) the items are kept and ``consume`` runs in this process at ``result()``, so
    the answer is the same either way. ``pure``: as for :func:`beside`."""
    if not (enabled and fork_available(pure)):
        return Feed(consume)
    items_out, items_in = multiprocessing.Pipe(duplex=False)  # (receiving end, sending end)
    answer_in, answer_out = multiprocessing.Pipe(duplex=False)

    def in_the_child() -> None:
        items_in.close()
        answer_in.close()
        _child(lambda: consume(_items(items_out)), answer_out, None)

    pid = _fork(in_the_child)
    items_out.close()
    answer_out.close()
    return Feed(consume, pid, items_in, answer_in)
