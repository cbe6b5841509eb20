"""The command line in Swedish: help texts (the framework's own strings too), fast --help without
pandas, and every error as one Swedish sentence with a non-zero exit code and no traceback."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from likvard.cli.main import COMMANDS, app

runner = CliRunner()
ENGLISH = re.compile(r"Usage:|Options:|Commands:|Arguments:|Show this message|\[default|\brequired\b|Error:|"
                     r"Try '|No such|Missing|Invalid value|Traceback")


def all_command_paths() -> list[list[str]]:
    """Every command and subcommand, visible or hidden, as argument lists."""
    from likvard.cli.main import LikvardGroup

    root = LikvardGroup(name="likvard")
    paths = []
    for name, *_ in COMMANDS:
        cmd = root.get_command(None, name)
        paths.append([name])
        for sub in getattr(cmd, "commands", {}):
            paths.append([name, sub])
    return paths


@pytest.mark.parametrize("path", [[], *all_command_paths()], ids=lambda p: " ".join(p) or "likvard")
def test_help_is_swedish(path):
    res = runner.invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Användning: likvard")
    assert "Visa den här hjälpen och avsluta." in res.output
    assert not ENGLISH.search(res.output), ENGLISH.search(res.output)
    assert "Flaggor:" in res.output


def test_listed_short_help_is_the_commands_own():
    """The root lists commands without importing them; the text must be the command's own."""
    from likvard.cli.main import LikvardGroup

    root = LikvardGroup(name="likvard")
    for name, _, short, hidden in COMMANDS:
        cmd = root.get_command(None, name)
        assert bool(cmd.hidden) == hidden
        if not hidden:
            assert cmd.get_short_help_str(300) == short, name


def test_old_english_names_are_hidden_aliases():
    listed = runner.invoke(app, ["--help"]).output
    assert "placering" in listed and "placement" not in listed and "expected" not in listed
    assert runner.invoke(app, ["placement", "--help"]).exit_code == 0


@pytest.mark.parametrize("args", [["--help"], ["segregation", "--help"], ["rapport", "--help"]])
def test_help_does_not_import_pandas(args):
    code = ("import sys\nfrom likvard.cli.main import app\ntry:\n    app(%r)\nexcept SystemExit:\n    pass\n"
            "print('PANDAS' if 'pandas' in sys.modules else 'NO-PANDAS', 'NUMPY' if 'numpy' in sys.modules else '')") % args
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "NO-PANDAS" in out and "NUMPY" not in out, out


@pytest.mark.parametrize("args, message", [
    (["segregation", "--lasar", "tjugo"], "--lasar: värdet är inget heltal"),
    (["segregation", "--foo"], "Flaggan --foo finns inte"),
    (["segreg"], "Kommandot 'segreg' finns inte (menade du segregation?)"),
    (["forvantat", "skolor"], "Flaggan --data måste anges"),
    (["placering", "forklara"], "Argumentet SCENARIOFIL måste anges"),
    (["rapport", "--demo", "extra"], "Oväntat argument: extra"),
    (["segregation", "--db"], "Flaggan --db behöver ett värde"),
])
def test_usage_errors_are_swedish(args, message):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert f"Fel: {message}" in res.output
    assert "för hjälp." in res.output and not ENGLISH.search(res.output), res.output


def test_likvard_errors_exit_1_and_bugs_exit_3_without_traceback(tmp_path, monkeypatch):
    res = runner.invoke(app, ["segregation", "--db", str(tmp_path / "saknas.db")])
    assert res.exit_code == 1 and res.output.startswith("Fel: Databasen") and "Traceback" not in res.output
    not_a_db = tmp_path / "text.db"
    not_a_db.write_text("det här är ingen databas", encoding="utf-8")
    res = runner.invoke(app, ["segregation", "--db", str(not_a_db)])
    assert res.exit_code == 1 and "text.db är inte en SQLite-databas" in res.output and "Traceback" not in res.output

    import likvard.analyses.segregation as seg

    def bug(*args, **kwargs):
        raise KeyError("oväntat")

    monkeypatch.setattr(seg, "analyse_segregation", bug)
    res = runner.invoke(app, ["segregation", "--demo"])
    assert res.exit_code == 3 and "internt fel" in res.output and "--debug" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(app, ["--debug", "segregation", "--demo"])
    assert res.exit_code == 3 and "Traceback" in res.output and "KeyError: 'oväntat'" in res.output


def test_no_args_shows_help():
    res = runner.invoke(app, [])
    assert res.exit_code == 0 and res.output.startswith("Användning: likvard")
    res = runner.invoke(app, ["placering"])
    assert res.exit_code == 0 and "Kommandon:" in res.output and "jamfor" in res.output


@pytest.mark.parametrize("command", [["segregation"], ["rapport"], ["forvantat", "skoleffekter"],
                                     ["forvantat", "behov"], ["placering", "valmodell"], ["fordelning", "larare"]])
@pytest.mark.parametrize("db", ["postgresql://127.0.0.1:1/likvard", "sqlite:////finns/inte/alls.db", "saknas.db",
                                "text.db"])
def test_every_analysis_command_on_a_bad_database_says_so(tmp_path, monkeypatch, command, db):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "text.db").write_text("ingen databas", encoding="utf-8")
    out = [] if command[-1] == "valmodell" else ["--ut", str(tmp_path / "ut")]
    res = runner.invoke(app, [*command, "--db", db, *out])
    assert res.exit_code == 1, res.output
    # one Swedish sentence naming the database (password-free URL, folder or file), no traceback
    named = {"postgresql://127.0.0.1:1/likvard": "127.0.0.1:1/likvard", "sqlite:////finns/inte/alls.db": "/finns/inte",
             "saknas.db": "saknas.db", "text.db": "text.db"}[db]
    assert res.output.startswith("Fel: ") and named in res.output and "Traceback" not in res.output
