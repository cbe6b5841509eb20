"""likvard.parallel.beside: work in a forked child gives the same answer as in this process, and
its errors reach the parent. The fork cases run in a fresh interpreter (this test process may
already run numba's threads, and then beside rightly refuses to fork)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from likvard.errors import DataError, LikvardError
from likvard.parallel.beside import beside

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork används bara på Linux")


def _work():
    rng = np.random.default_rng(5)
    return os.getpid(), float(rng.normal(size=1000).sum())


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON object."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


NUMBA_THREADS = """
        import json, os
        import numpy as np
        from numba import njit, prange

        @njit(parallel=True)
        def total(x):
            s = 0.0
            for i in prange(x.shape[0]):
                s += x[i]
            return s
"""
"""A program start with a numba kernel whose first call starts numba's threads."""


def test_disabled_runs_here_and_gives_the_same_value():
    pid, value = beside(_work, enabled=False).result()
    assert pid == os.getpid()
    assert value == _work()[1]


@pytest.mark.parametrize("enabled", [True, False])
def test_errors_reach_the_caller(enabled):
    def fails():
        raise DataError("Filen elever.csv, rad 3, kolumnen skola: okänd skolenhet.")

    with pytest.raises(LikvardError, match="rad 3, kolumnen skola"):
        beside(fails, enabled=enabled).result()

    def crashes():
        raise ZeroDivisionError("delat med noll")

    with pytest.raises((RuntimeError, ZeroDivisionError), match="delat med noll"):
        beside(crashes, enabled=enabled).result()


@linux_only
def test_a_forked_child_does_the_work_with_the_parents_objects(tmp_path):
    got = _fresh(f"""
        import json, os
        from pathlib import Path
        import numpy as np
        from likvard.parallel.beside import beside, fork_available
        ready = fork_available()
        big = np.arange(1_000_000)  # in the child's memory without pickling
        marker = Path({str(tmp_path / "barn")!r})
        h = beside(lambda: (os.getpid(), int(big.sum()), marker.exists(),
                            float(np.random.default_rng(5).normal(size=1000).sum())),
                   in_child=lambda: marker.write_text(str(os.getpid())))
        pid, total, seen, value = h.result()
        print(json.dumps({{"ready": ready, "me": os.getpid(), "pid": pid, "total": total, "seen": seen,
                           "value": value, "marker": int(marker.read_text())}}))
    """)
    assert got["ready"]
    assert got["pid"] != got["me"] and got["marker"] == got["pid"]  # in_child ran in the child, first
    assert got["seen"] is True
    assert got["total"] == int(np.arange(1_000_000).sum())
    assert got["value"] == _work()[1]


@linux_only
def test_no_fork_once_numbas_threads_run():
    got = _fresh(NUMBA_THREADS + """
        from likvard.parallel.beside import beside, fork_available

        before = fork_available()
        s = total(np.ones(100))
        print(json.dumps({"before": before, "after": fork_available(), "sum": s,
                          "same_process": beside(lambda: os.getpid()).result() == os.getpid()}))
    """)
    assert got == {"before": True, "after": False, "sum": 100.0, "same_process": True}


@linux_only
def test_pure_work_forks_after_numbas_threads_and_children_fork_in_turn():
    got = _fresh(NUMBA_THREADS + """
        from likvard.parallel.beside import beside

        s = total(np.ones(100))  # numba's threads now run in this process
        pure = beside(lambda: (os.getpid(), sum(range(1000))), pure=True).result()
        # a child started before any thread pool may start a child of its own
        print(json.dumps({"me": os.getpid(), "sum": s, "pure": pure}))
    """)
    assert got["pure"][0] != got["me"] and got["pure"][1] == sum(range(1000))
    nested = _fresh("""
        import json, os
        from likvard.parallel.beside import beside

        def outer():
            inner = beside(lambda: os.getpid()).result()
            return os.getpid(), inner

        child, grandchild = beside(outer).result()
        print(json.dumps({"me": os.getpid(), "child": child, "grandchild": grandchild}))
    """)
    assert len({nested["me"], nested["child"], nested["grandchild"]}) == 3


@linux_only
@pytest.mark.parametrize("enabled", [True, False])
def test_feed_consumes_items_as_they_are_given_in_order_in_the_child(enabled):
    from likvard.parallel.beside import feed

    def consume(items):
        return os.getpid(), [x * 2 for x in items]

    f = feed(consume, enabled=enabled, pure=True)
    for k in range(50):
        f.put(k)
    pid, values = f.result()
    assert values == [2 * k for k in range(50)]
    assert (pid != os.getpid()) == enabled


@linux_only
def test_feed_error_in_the_child_reaches_the_parent_with_its_message_even_while_items_are_put():
    from likvard.parallel.beside import feed

    def consume(items):
        for x in items:
            if x[0] == 3:
                raise DataError("Tabell 3 gick inte att skriva.")
        return "klar"

    f = feed(consume, enabled=True, pure=True)
    with pytest.raises(LikvardError, match="Tabell 3 gick inte att skriva"):
        for k in range(2000):  # more than a pipe holds: a put after the child stopped sees its error
            f.put(np.zeros(1000) + k)
        f.result()


@linux_only
def test_feed_cancel_stops_the_child_and_leaves_nothing_written(tmp_path):
    from likvard.parallel.beside import feed

    target = tmp_path / "ut.txt"

    def consume(items):
        got = list(items)
        target.write_text(str(got))
        return len(got)

    f = feed(consume, enabled=True, pure=True)
    f.put(1)
    f.cancel()
    assert not target.exists()
    f.cancel()  # twice is harmless
