"""Entry point of the ``likvard`` command."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="likvard",
    help=(
        "Likvärd: nulägesbild av skolsegregation, förväntade resultat, skolplacering "
        "och resursfördelning för huvudmän."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its own commands; order is the order shown in --help.
COMMAND_MODULES = (
    "demo",
    "import_cmd",
    "segregation",
    "expected",
    "placement",
    "placering_svep",  # after the placement group: adds 'svep' to it
    "fordelning",
    "rapport",
    "nyckel",
    "mall",
    "effekt",
    "forbered",
)

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"likvard.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command whose module is not written yet
        if exc.name != f"likvard.cli.{_name}":
            raise
        continue
    _module.register(app)


@app.callback()
def _main(ctx: typer.Context) -> None:
    """Likvärd: se, planera och följ upp arbetet mot skolsegregation."""
    from likvard.files import use_private_umask

    use_private_umask()  # every file Likvärd writes (database, reports, exports) is its user's only

    from likvard.cli.forbered import prepare_on_first_run

    prepare_on_first_run(ctx)
