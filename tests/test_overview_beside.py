"""The overview and the report are the same whether parts run in a second process or here
(``run_overview(beside=…)``, ``render_overview(fork=True)``). The forked runs happen in a fresh
interpreter: this test process may already run numba's threads, and then nothing is forked."""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import openpyxl
import pandas as pd
import pytest

from likvard.analyses.overview import run_overview

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork används bara på Linux")
PARTS = ("segregation", "comparison", "trend", "need", "published_expected")


def equal(a: object, b: object) -> bool:
    """Same value: data frames cell by cell (NaN equal to NaN), dataclasses field by field."""
    if isinstance(a, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError:
            return False
        return True
    if isinstance(a, pd.Series):
        try:
            pd.testing.assert_series_equal(a, b, check_exact=True)
        except AssertionError:
            return False
        return True
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return bool(a == b)


def _cells(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_a_part_that_needs_another_cannot_run_beside(exempelstad):
    from likvard.analyses.dataset import dataset_from_authority

    with pytest.raises(ValueError, match="indicators"):
        run_overview(dataset_from_authority(exempelstad), parts=("need", "indicators"), beside=("indicators",))


@linux_only
def test_beside_gives_the_same_overview_and_files(real_data, tmp_path):
    code = f"""
        import json, os, pickle
        from pathlib import Path
        from likvard.analyses.dataset import dataset_from_published_folder
        from likvard.analyses.overview import run_overview
        from likvard.parallel.beside import fork_available
        from likvard.report import render_overview

        out = Path({str(tmp_path)!r})
        ready = fork_available()
        ds = dataset_from_published_folder(Path({str(real_data)!r}), "2480", None)  # Umeå
        away = run_overview(ds, beside=("segregation", "comparison", "trend"))
        here = run_overview(ds)
        parts = {PARTS!r}
        with open(out / "parts.pickle", "wb") as f:
            pickle.dump(({{p: getattr(away, p) for p in parts}}, {{p: getattr(here, p) for p in parts}},
                         [o.part for o in away.omitted], [o.part for o in here.omitted]), f)
        render_overview(away, out / "a", "x", fork=True)
        render_overview(here, out / "b", "x", fork=False)
        print(json.dumps({{"ready": ready}}))
    """
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["ready"]
    with open(tmp_path / "parts.pickle", "rb") as f:
        away, here, omitted_away, omitted_here = pickle.load(f)
    assert away["segregation"] is not None and len(away["segregation"].series) > 0
    for part in PARTS:
        assert equal(away[part], here[part]), part
    assert omitted_away == omitted_here
    assert _cells(tmp_path / "a" / "nulagesrapport.xlsx") == _cells(tmp_path / "b" / "nulagesrapport.xlsx")
    assert (tmp_path / "a" / "nulagesrapport.html").read_text() == (tmp_path / "b" / "nulagesrapport.html").read_text()
