"""The ``likvard`` program ends at once after its exit handlers (likvard.cli.entry): the exit code,
buffered output, exit handlers and temporary folders are kept; Python's module teardown is skipped."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A stand-in for the command line: it leaves what Python's exit would still have to do.
FAKE_COMMAND = textwrap.dedent("""
    import atexit, sys, tempfile
    import likvard.cli.main
    from likvard.cli.entry import main

    out, wanted = sys.argv[1], int(sys.argv[2])
    class Teardown:
        def __init__(self, path):
            self.path = path

        def __del__(self, _open=open):  # module globals and builtins may be gone by then
            _open(self.path, "w").close()

    def command():
        kept = Teardown(out + "/teardown")
        sys.modules["__main__"].kept = kept        # freed only by module teardown
        folder = tempfile.TemporaryDirectory()     # removed by its finaliser at exit
        open(out + "/folder", "w").write(folder.name)
        sys.modules["__main__"].folder = folder
        atexit.register(lambda: open(out + "/handler", "w").write("körd"))
        sys.stdout.write("rad\\n" * 50_000)        # still buffered: stdout is a pipe
        raise SystemExit(wanted)

    likvard.cli.main.app = command
    sys.argv = ["likvard"]
    main()
""")


@pytest.mark.parametrize("code", [0, 4])
def test_exit_keeps_code_output_handlers_and_cleanup(tmp_path: Path, code: int) -> None:
    res = subprocess.run([sys.executable, "-c", FAKE_COMMAND, str(tmp_path), str(code)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == code, res.stderr
    assert res.stdout == "rad\n" * 50_000  # every buffered line reached the pipe
    assert (tmp_path / "handler").read_text() == "körd"  # a handler the command registered ran
    assert not Path((tmp_path / "folder").read_text()).exists()  # its temporary folder is gone
    assert not (tmp_path / "teardown").exists()  # module teardown was skipped


def test_program_exit_codes_and_messages(tmp_path: Path) -> None:
    """The installed program (python -m likvard) keeps the command line's exit codes."""
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "likvard", *args], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)

    helped = run("--help")
    assert helped.returncode == 0 and "segregation" in helped.stdout and helped.stdout.endswith("\n")
    unknown = run("segreg")
    assert unknown.returncode == 2 and "Kommandot 'segreg' finns inte" in unknown.stderr
    missing = run("segregation", "--db", str(tmp_path / "saknas.db"))
    assert missing.returncode == 1 and missing.stderr.startswith("Fel: Databasen")
