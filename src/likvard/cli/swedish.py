"""Swedish help texts and error messages for the command line, including the framework's own
strings ("Usage", "Options", "Show this message and exit", "Missing option" …).

``SwedishGroup`` and ``SwedishCommand`` are typer's group and command classes with Swedish help
formatting; ``usage_message`` turns the framework's usage errors into Swedish sentences.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

HELP_TEXT = "Visa den här hjälpen och avsluta."
OPTIONS_METAVAR = "[FLAGGOR]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARG]..."

_METAVARS = {
    "INTEGER": "HELTAL", "FLOAT": "TAL", "TEXT": "TEXT", "PATH": "SÖKVÄG", "FILE": "FIL", "DIRECTORY": "MAPP",
    "BOOLEAN": "JA/NEJ", "FILENAME": "FILNAMN",
}
_METAVARS.update({"<int>": "<heltal>", "<str>": "<text>", "<path>": "<sökväg>", "<float>": "<tal>",
                  "<bool>": "<ja/nej>", "<file>": "<fil>"})
_METAVARS["<list[Path]>"] = "<sökvägar>"
_METAVARS["<list[str]>"] = "<texter>"
_METAVAR_RE = re.compile(r"(<list\[Path\]>|<list\[str\]>|<int>|<str>|<path>|<float>|<bool>|<file>|\b(?:" + "|".join(
    k for k in _METAVARS if not k.startswith("<")) + r")\b)")
_EXTRA_RE = re.compile(r"\[([^\[\]]*)\]\s*$")


def _extras(text: str) -> str:
    """Translate the bracketed extras typer appends to option help ('[default: 1; required]')."""
    def swap(m: re.Match) -> str:
        inner = m.group(1)
        inner = inner.replace("env var: ", "miljövariabel: ").replace("default: ", "förval: ")
        inner = re.sub(r"\brequired\b", "krävs", inner)
        inner = re.sub(r"(?<=\d)\.(?=\d)", ",", inner)  # decimal comma in defaults
        return f"[{inner}]"

    return _EXTRA_RE.sub(swap, text)


def translate_record(record: tuple[str, str]) -> tuple[str, str]:
    """A help record (option names + metavar, help text) with Swedish metavars and extras."""
    opts, text = record
    return _METAVAR_RE.sub(lambda m: _METAVARS[m.group(1)], opts), _extras(text or "")


class _SwedishHelp:
    """Shared overrides of the help output (mixed into typer's command and group classes)."""

    __slots__ = ()

    def get_help_option(self, ctx: Any) -> Any:
        option = TyperCommand.get_help_option(self, ctx)  # type: ignore[arg-type]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Användning: ")

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            record = param.get_help_record(ctx)
            if record is None:
                continue
            (arguments if param.param_type_name == "argument" else options).append(translate_record(record))
        if arguments:
            with formatter.section("Argument"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Flaggor"):
                formatter.write_dl(options)


class SwedishCommand(_SwedishHelp, TyperCommand):
    """A command whose help is in Swedish."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = OPTIONS_METAVAR
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)


class SwedishGroup(_SwedishHelp, TyperGroup):
    """A command group whose help is in Swedish; commands listed under "Kommandon"."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["options_metavar"] = OPTIONS_METAVAR
        kwargs["subcommand_metavar"] = SUBCOMMAND_METAVAR
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)

    def command_rows(self, ctx: Any, limit: int) -> list[tuple[str, str]]:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit)))
        return rows

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _SwedishHelp.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = self.command_rows(ctx, 300)
        if rows:
            with formatter.section("Kommandon"):
                formatter.write_dl(rows)


def app(help: str) -> typer.Typer:
    """A command group with Swedish help (``no_args_is_help``)."""
    return typer.Typer(help=help, no_args_is_help=True, cls=SwedishGroup, add_completion=False,
                       rich_markup_mode=None, pretty_exceptions_enable=False)


_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), s) for p, s in (
    (r"^No such option: (\S+)(?: Did you mean (\S+)\?)?.*$", "flaggan {0} finns inte{1}."),
    (r"^No such command '([^']*)'\.?(?: Did you mean '?([^'?]+)'?\?)?$", "kommandot '{0}' finns inte{1}."),
    (r"^Missing command\.$", "ange ett kommando."),
    (r"^Missing option '([^']+)'.*$", "flaggan {0} måste anges."),
    (r"^Missing argument '([^']+)'.*$", "argumentet {0} måste anges."),
    (r"^Missing parameter: (\S+)$", "{0} måste anges."),
    (r"^Option '([^']+)' requires an argument\.$", "flaggan {0} behöver ett värde."),
    (r"^Option '([^']+)' requires (\d+) arguments\.$", "flaggan {0} behöver {1} värden."),
    (r"^Option '([^']+)' does not take a value\.$", "flaggan {0} tar inget värde."),
    (r"^Got unexpected extra arguments?(?:\(s\))? \((.*)\)$", "oväntat argument: {0}."),
    (r"^Invalid value for '([^']+)': '(.*)' is not a valid integer.*$", "{0}: '{1}' är inget heltal."),
    (r"^Invalid value for '([^']+)': '(.*)' is not a valid float.*$", "{0}: '{1}' är inget tal."),
    (r"^Invalid value for '([^']+)': '(.*)' is not one of (.*)\.$", "{0}: '{1}' är inget av {2}."),
    (r"^Invalid value for '([^']+)': (?:File|Path|Directory) '(.*)' does not exist\.$", "{0}: '{1}' finns inte."),
    (r"^Invalid value for '([^']+)': (?:File|Path) '(.*)' is a directory\.$", "{0}: '{1}' är en mapp, inte en fil."),
    (r"^Invalid value for '([^']+)': (?:Directory|Path) '(.*)' is a file\.$", "{0}: '{1}' är en fil, inte en mapp."),
    (r"^Invalid value for '([^']+)': .*(?:valid integer|int_parsing).*$", "{0}: värdet är inget heltal."),
    (r"^Invalid value for '([^']+)': .*(?:valid number|float_parsing).*$", "{0}: värdet är inget tal."),
    (r"^Invalid value for '([^']+)': .*$", "{0}: ogiltigt värde."),
))


def usage_message(message: str) -> str:
    """The framework's English usage error as a Swedish sentence (a generic one when unknown)."""
    text = message.strip()
    for pattern, swedish in _PATTERNS:
        m = pattern.match(text)
        if m:
            groups = [g or "" for g in m.groups()]
            if "finns inte{1}" in swedish:
                groups[1] = f" (menade du {groups[1]}?)" if groups[1] else ""
            return swedish.format(*groups)
    return "kommandot kunde inte tolkas."


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
