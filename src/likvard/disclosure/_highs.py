"""A quiet HiGHS solver object for the attacker's linear programs (``likvard.disclosure.cells``).

HiGHS writes its banner ("Running HiGHS …") to the process's standard output the first time a
solver object is made, before any option can turn output off. That would land in the middle of
a command's output (a CSV written to stdout, a JSON answer), so the first object is made here, at
import, with file descriptor 1 pointed at ``os.devnull``; later objects print nothing.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy

_lock = threading.Lock()
_quiet = False


def _make_first_quietly() -> None:
    global _quiet
    with _lock:
        if _quiet:
            return
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _quiet = True


def new_highs() -> highspy.Highs:
    """A HiGHS solver with output off and presolve off (the programs are small and solved many
    times with a changed objective, from the last basis)."""
    _make_first_quietly()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    return h


_make_first_quietly()
