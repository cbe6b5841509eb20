"""Compile once: the numba cache lives in the user's cache folder (a temp folder when that cannot
be written, never the package); prepare() reaches every cached kernel; after it a real analysis
compiles nothing; the stamp follows the kernel sources; ``likvard forbered``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import likvard
from likvard import compiled

PACKAGE = Path(likvard.__file__).resolve().parent


def _python(code: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "LIKVARD_CACHE_DIR")}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code, *args], check=False, env=full, capture_output=True, text=True,
                          timeout=900)


def test_every_module_with_a_cached_kernel_is_warmed_up():
    pattern = re.compile(r"@(?:numba\.)?njit\([^)]*cache\s*=\s*True")
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if pattern.search(path.read_text(encoding="utf-8")):
            found.add("likvard." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    assert found, "no kernels found: the pattern is wrong"
    assert found <= set(compiled.KERNEL_MODULES), f"not warmed up by likvard.compiled: {found - set(compiled.KERNEL_MODULES)}"


def test_numba_cache_is_in_the_user_cache_folder_not_the_package(tmp_path):
    out = _python("import os, likvard; print(os.environ['NUMBA_CACHE_DIR'])", {"LIKVARD_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == tmp_path / "numba"
    # a user's own NUMBA_CACHE_DIR is kept
    own = _python("import os, likvard; print(os.environ['NUMBA_CACHE_DIR'])", {"NUMBA_CACHE_DIR": str(tmp_path / "own")})
    assert own.stdout.strip() == str(tmp_path / "own")
    # numba imported before likvard: its config is pointed at the user cache too
    first = _python("import numba, likvard; print(numba.config.CACHE_DIR)", {"LIKVARD_CACHE_DIR": str(tmp_path)})
    assert first.stdout.strip() == str(tmp_path / "numba")


def test_unwritable_cache_folder_uses_the_temp_folder_and_never_the_package(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = (
        "import os, sys, tempfile\n"
        "tempfile.gettempdir = lambda: sys.argv[1]\n"
        "import likvard\n"
        "from likvard.segregation import indices\n"
        "import pandas as pd\n"
        "indices(pd.DataFrame({'a': [3, 5, 9], 'b': [7, 1, 4]}))\n"
        "print(os.environ.get('NUMBA_CACHE_DIR', 'in memory'))\n"
    )
    out = _python(code, {"LIKVARD_CACHE_DIR": str(blocker / "cache")}, str(tmp_path / "tmp"))
    assert out.returncode == 0, out.stderr
    folder = Path(out.stdout.strip())
    assert folder.is_relative_to(tmp_path / "tmp")
    assert list(folder.rglob("*.nbi")), "kernels were not cached in the fall-back folder"
    assert not list(PACKAGE.rglob("*.nbi")) and not list(PACKAGE.rglob("*.nbc"))
    # nothing writable at all: kernels are compiled in memory, the package stays clean
    none = _python(code, {"LIKVARD_CACHE_DIR": str(blocker / "cache")}, str(blocker))
    assert none.returncode == 0, none.stderr
    assert none.stdout.strip() == "in memory"
    assert not list(PACKAGE.rglob("*.nbi"))


@pytest.mark.slow
def test_prepare_reaches_every_kernel_and_then_a_report_compiles_nothing(tmp_path):
    env = {"LIKVARD_CACHE_DIR": str(tmp_path)}
    first = _python(
        "import json\n"
        "from likvard.compiled import prepare, kernel_dispatchers, is_prepared\n"
        "assert not is_prepared()\n"
        "r = prepare()\n"
        "missing = [k for k, d in kernel_dispatchers().items() if not d.signatures]\n"
        "print(json.dumps({'compiled': r.compiled, 'missing': missing, 'prepared': is_prepared()}))\n",
        env,
    )
    assert first.returncode == 0, first.stderr
    info = json.loads(first.stdout.strip().splitlines()[-1])
    assert info["missing"] == [] and info["prepared"]
    assert len(info["compiled"]) >= 10
    # a new process running the report on a small Exempelstad and a placement scenario file:
    # every kernel comes from the cache
    second = _python(
        "import tempfile\n"
        "from numba.core import event\n"
        "compiled = []\n"
        "class L(event.Listener):\n"
        "    def on_start(self, ev):\n"
        "        compiled.append(ev.data['dispatcher'].py_func.__qualname__)\n"
        "    def on_end(self, ev):\n"
        "        pass\n"
        "event.register('numba:compile', L())\n"
        "from likvard.demo import generate_exempelstad\n"
        "from likvard.analyses import Settings\n"
        "from likvard.report import render_authority_report\n"
        "from likvard.placement.scenario_file import read_scenario_file\n"
        "from likvard.placement.simulate import run_scenarios\n"
        "from likvard.cli.placering import EXAMPLES\n"
        "data = generate_exempelstad(n_years=2)\n"
        "render_authority_report(data, tempfile.mkdtemp(), title='t', settings=Settings(n_replications=20))\n"
        "run_scenarios(data, read_scenario_file(EXAMPLES / 'exempelstad_stang_skola.yaml'), n_replications=2)\n"
        "print('COMPILED', sorted(set(c for c in compiled)))\n",
        env,
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout.strip().splitlines()[-1] == "COMPILED []"


def test_stamp_follows_versions_and_kernel_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert not compiled.is_prepared()
    stamp = compiled._stamp_path()
    stamp.write_text(json.dumps({"fingerprint": compiled._fingerprint()}), encoding="utf-8")
    assert compiled.is_prepared()
    files = compiled._kernel_files()
    assert any(name.endswith("inference.py") for name in files)
    changed = dict(compiled._fingerprint(), numba=["elsewhere", 1, 2])
    stamp.write_text(json.dumps({"fingerprint": changed}), encoding="utf-8")
    assert not compiled.is_prepared()
    stamp.write_text("{not json", encoding="utf-8")
    assert not compiled.is_prepared()


def test_forbered_command_and_first_run_hook(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from likvard.cli.main import app

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr("likvard.cli.forbered.run_prepare", lambda first_run=False: calls.append(first_run))
    result = CliRunner().invoke(app, ["forbered"])
    assert result.exit_code == 0 and calls == [False]
    # the first-run hook only acts when a person is watching (stderr is a terminal); the console
    # it may create then thinks it writes to a terminal, so it is dropped again afterwards
    from likvard.cli.common import console

    monkeypatch.setattr(console, "_console", None)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    from likvard.cli.forbered import prepare_on_first_run

    class Ctx:
        resilient_parsing = False
        invoked_subcommand = "demo"

    monkeypatch.setattr(sys, "argv", ["likvard", "demo"])
    prepare_on_first_run(Ctx())
    assert calls == [False, True]
    monkeypatch.setattr(sys, "argv", ["likvard", "demo", "--help"])
    prepare_on_first_run(Ctx())
    monkeypatch.setenv("LIKVARD_FORBERED", "0")
    monkeypatch.setattr(sys, "argv", ["likvard", "demo"])
    prepare_on_first_run(Ctx())
    assert calls == [False, True]
    (tmp_path / compiled._stamp_path().name).write_text(json.dumps({"fingerprint": compiled._fingerprint()}))
    done = CliRunner().invoke(app, ["forbered"])
    assert "redan förberedda" in done.output and calls == [False, True]


def test_bytecode_step_writes_what_python_then_reads_for_every_module(tmp_path, monkeypatch):
    import importlib.util
    import shutil

    from likvard import compiled

    package = tmp_path / "pkg"
    shutil.copytree(Path(compiled.__file__).parent / "segregation", package)
    monkeypatch.setattr(compiled, "_package_dir", lambda: package)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as with PYTHONDONTWRITEBYTECODE=1
    compiled._step_bytecode()
    sources = sorted(package.rglob("*.py"))
    assert sources
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.is_file(), source
        # the header records the source's size and time, so the import system accepts the file
        header = cached.read_bytes()[:16]
        assert int.from_bytes(header[12:16], "little") == source.stat().st_size
