"""Entry point of the ``likvard`` command.

Commands are loaded lazily (``COMMANDS``): ``likvard --help`` imports no analysis code (no pandas),
and a command's module is imported only when it runs or shows its help. Every error reaches the
user as a Swedish sentence with a non-zero exit code, here in one place: Likvärd's own errors
(:class:`likvard.errors.LikvardError`) with their message, usage errors translated, anything else
as an internal error; ``--debug`` (or ``LIKVARD_DEBUG=1``) shows the traceback as well.

A module listed in ``COMMANDS`` provides either ``command`` (a Typer app or a function) or
``register(app)`` (adds its command to ``app``).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer

from likvard.cli.swedish import SwedishGroup, capitalised, usage_message

COMMANDS: tuple[tuple[str, str, str, bool], ...] = (
    # name, module, short help (as in the module), hidden
    ("demo", "likvard.cli.demo", "Skapa demokommunen Exempelstad i en ny databas och skriv kvalitetsrapporten och nulägesrapporten.", False),
    ("import", "likvard.cli.import_cmd", "Importera registerfiler (skolor, elever, skolval, personal, enkät) med kontroll av varje rad.", False),
    ("segregation", "likvard.cli.segregation", "Segregation mellan skolorna: index med intervall, uppdelning, förändring och skolornas bidrag.", False),
    ("forvantat", "likvard.cli.forvantat", "Förväntade resultat, skoleffekter och behovsindex.", False),
    ("placering", "likvard.cli.placering", "Organisera: simulera skolplacering och skolval i scenarier och jämför dem.", False),
    ("fordelning", "likvard.cli.fordelning", "Förstärka: resursfördelning efter behov och lärarfördelning.", False),
    ("rapport", "likvard.cli.rapport", "Skriv nulägesrapporten (HTML som fungerar utan nät och skrivs ut på A4, och Excel).", False),
    ("effekt", "likvard.cli.effekt", "Effektutvärdering: fungerade insatsen? (och minsta upptäckbara effekt före beslut)", False),
    ("insats", "likvard.cli.uppfoljning", "Insatsregistret: registrera, visa, ändra och utvärdera insatser.", False),
    ("dialog", "likvard.cli.uppfoljning", "Kvalitetsdialoger: höst (undersökande) och vår (uppföljande) med underlag och beslut.", False),
    ("nulagesanalys", "likvard.cli.uppfoljning", "Nulägesanalys för en skolenhet (Samverkan för bästa skola), förifylld från data.", False),
    ("atgardsplan", "likvard.cli.uppfoljning", "Åtgärdsplan per skolenhet: rader som blir insatser.", False),
    ("kvalitetsrapport", "likvard.cli.uppfoljning", "Skriv huvudmannens kvalitetsrapport för ett läsår (Word och HTML).", False),
    ("katalog", "likvard.cli.katalog", "Dela: insatskatalogen med insatstyper, forskningsstöd och huvudmännens egna utvärderingar.", False),
    ("mall", "likvard.cli.mall", "Skriv en Excelmall för ett register: ett blad att fylla i och ett datalexikon.", False),
    ("nyckel", "likvard.cli.nyckel", "Nyckeln som ersätter personnummer med pseudonymer: visa var den finns och säkerhetskopiera den.", False),
    ("serve", "likvard.cli.serve", "Starta webbappen: analytiker, rektorer, skolchefer och nämnd i webbläsaren, med roller.", False),
    ("anvandare", "likvard.cli.anvandare", "Webbappens användare: skapa, lista och ta bort (lösenordet läses från standard in).", False),
    ("forbered", "likvard.cli.forbered", "Kompilera beräkningskärnorna en gång (installationen gör det; annars görs det vid första körningen).", False),
    # the English names of the first version, for one more version
    ("expected", "likvard.cli.forvantat", "Gammalt namn på 'forvantat'.", True),
    ("placement", "likvard.cli.placering", "Gammalt namn på 'placering'.", True),
)


def swedish(cmd: Any) -> Any:
    """``cmd`` (and its subcommands) with Swedish help: commands a module built with typer's own
    classes get the help methods of ``SwedishCommand``/``SwedishGroup`` bound on the instance."""
    import types

    from typer.core import TyperGroup

    from likvard.cli.swedish import OPTIONS_METAVAR, SUBCOMMAND_METAVAR, SwedishCommand

    methods = ["get_help_option", "format_usage", "format_options"]
    if isinstance(cmd, TyperGroup):
        cls: type = SwedishGroup
        methods += ["format_commands", "command_rows"]
        cmd.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in cmd.commands.values():
            swedish(sub)
    else:
        cls = SwedishCommand
    if not isinstance(cmd, cls):
        for name in methods:
            setattr(cmd, name, types.MethodType(getattr(cls, name), cmd))
    cmd.options_metavar = OPTIONS_METAVAR
    cmd.rich_markup_mode = None
    return cmd


def _load(name: str, module_name: str) -> Any:
    """The click command ``name`` from its module (``command`` or ``register``)."""
    module = importlib.import_module(module_name)
    if hasattr(module, "register"):
        holder = typer.Typer(cls=SwedishGroup, rich_markup_mode=None, add_completion=False)
        module.register(holder)
        built = typer.main.get_command(holder)
        if not hasattr(built, "commands"):  # typer returns a lone command itself
            return built
        found = built.commands.get(name)  # type: ignore[attr-defined]
        if found is None:  # the module registered its command under its own name
            found = next(iter(built.commands.values()))  # type: ignore[attr-defined]
        return found
    target = module.command
    if isinstance(target, typer.Typer):
        return typer.main.get_command(target)
    holder = typer.Typer(rich_markup_mode=None, add_completion=False)
    from likvard.cli.swedish import SwedishCommand

    holder.command(name, cls=SwedishCommand)(target)
    return typer.main.get_command(holder)


class LikvardGroup(SwedishGroup):
    """The root group: lazy commands and the one place where errors become Swedish messages."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [name for name, *_ in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        for name, module, _, hidden in COMMANDS:
            if name == cmd_name:
                cmd = swedish(_load(name, module))
                cmd.name = name
                if hidden:
                    cmd.hidden = True
                return cmd
        return None

    def command_rows(self, ctx: Any, limit: int) -> list[tuple[str, str]]:
        return [(name, short) for name, _, short, hidden in COMMANDS if not hidden]

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv[: argv.index("--")] if "--" in argv else "--debug" in argv
        debug = debug or os.environ.get("LIKVARD_DEBUG", "") not in ("", "0")
        code = run(lambda: super(LikvardGroup, self).main(argv, prog_name or "likvard", complete_var,
                                                          standalone_mode=False, **extra), debug)
        if standalone_mode:
            sys.exit(code)
        return code


def _error(message: str) -> None:
    typer.echo(f"Fel: {message}", err=True)


def _with_suggestion(message: str, ctx: Any) -> str:
    """Add the nearest command name to "No such command" (lazy groups list names, not objects)."""
    import difflib
    import re

    m = re.match(r"^No such command '([^']*)'\.$", message)
    if m is None or ctx is None or not hasattr(ctx.command, "list_commands"):
        return message
    names = [n for n in ctx.command.list_commands(ctx)
             if not any(n == name and hidden for name, _, _, hidden in COMMANDS)]
    typed = m.group(1)
    # a command the typed word begins (an abbreviation) before the closest spelling
    close = [n for n in names if typed and n.startswith(typed)][:1] or difflib.get_close_matches(
        typed, names, n=1, cutoff=0.5)
    return f"{message} Did you mean {close[0]}?" if close else message


def run(invoke: Any, debug: bool = False) -> int:
    """Run ``invoke`` (the parsed command line) and return the exit code, reporting every error."""
    from likvard.errors import LikvardError

    try:
        rv = invoke()
        return rv if isinstance(rv, int) else 0
    except LikvardError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc))
        return 1
    except typer.Abort:
        _error("avbrutet.")
        return 1
    except typer.TyperException as exc:  # the framework's usage errors
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help())
            return 0
        if debug:
            traceback.print_exc()
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = _with_suggestion(message, ctx)
        hint = f"\nSe '{ctx.command_path if ctx is not None else 'likvard'} --help' för hjälp."
        _error(capitalised(usage_message(message)) + hint)
        return int(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        _error("avbrutet.")
        return 130
    except MemoryError:
        _error("minnet tog slut. Välj färre läsår eller färre replikat (--replikat).")
        return 1
    except OSError as exc:
        if debug:
            traceback.print_exc()
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        reason = {"FileNotFoundError": "finns inte", "PermissionError": "saknar behörighet",
                  "IsADirectoryError": "är en mapp", "NotADirectoryError": "en del av sökvägen är ingen mapp"}
        _error(f"filen eller mappen{where} kunde inte läsas eller skrivas ({reason.get(type(exc).__name__, exc.strerror or type(exc).__name__)}).")
        return 1
    except Exception as exc:  # a bug: never a traceback unless asked for
        if debug:
            traceback.print_exc()
        _error(f"ett internt fel inträffade i Likvärd ({type(exc).__name__}). Detta är ett programfel; kör "
               "kommandot igen med --debug och skicka utskriften till den som förvaltar Likvärd.")
        return 3


app = typer.Typer(
    name="likvard",
    help="Likvärd: nulägesbild av skolsegregation, förväntade resultat, skolplacering och resursfördelning för huvudmän.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=LikvardGroup,
)


@app.callback()
def _main(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Visa hela felutskriften (traceback) när något går fel."),
) -> None:
    """Likvärd: se, planera och följ upp arbetet mot skolsegregation."""
    from likvard.files import use_private_umask

    use_private_umask()  # every file Likvärd writes (database, reports, exports) is its user's only

    from likvard.cli.forbered import prepare_on_first_run

    prepare_on_first_run(ctx)


def main() -> None:
    """Console entry point."""
    app()
