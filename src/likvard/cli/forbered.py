"""``likvard forbered``: compile the calculation kernels once, with a progress bar.

The README's install command runs it. Before any other command, ``prepare_on_first_run`` does the
same when the kernels are not ready (first run after an install or upgrade) and a person is
watching (stderr is a terminal), so that the first command does not sit silent while numba
compiles. ``LIKVARD_FORBERED=0`` turns that off.
"""

from __future__ import annotations

import os
import sys

import typer

from likvard.cli.common import console, progress

# commands that never run a kernel, or prepare themselves
_SKIP = {"forbered"}
# commands whose first step loads every analysis: a person sees a message instead of a silent start
_LOADS_ANALYSES = {"demo", "rapport"}


def _short(kernel: str) -> str:
    """``likvard.segregation.inference._bootstrap_kernel`` -> ``inference._bootstrap_kernel``."""
    return ".".join(kernel.split(".")[-2:])


def run_prepare(first_run: bool = False) -> None:
    """Run ``likvard.compiled.prepare`` under a progress bar (one step per group of kernels)."""
    from likvard.compiled import numba_cache_dir, prepare

    where = numba_cache_dir()
    if first_run:
        console.print(
            "Första körningen efter installationen: Likvärd kompilerar sina beräkningskärnor. "
            f"Det görs en gång och sparas{f' i {where}' if where else ''} (15–30 s)."
        )
    with progress() as bar:
        task = bar.add_task("Förbereder beräkningskärnor", total=None)

        def on_step(k: int, n: int, label: str) -> None:
            bar.update(task, total=n, completed=k, description=label)

        def on_compile(kernel: str) -> None:
            label = bar.tasks[0].description.split(" – ")[0]
            bar.update(task, description=f"{label} – kompilerar {_short(kernel)}")

        result = prepare(on_step=on_step, on_compile=on_compile)
        bar.update(task, completed=len(result.steps), description="Beräkningskärnorna är klara")
    if where is None:
        console.print("Ingen cachemapp kunde skrivas: kärnorna kompileras i minnet vid varje körning.")
    elif result.compiled:
        console.print(f"Kompilerade {len(result.compiled)} beräkningskärnor på {result.seconds:.0f} s; "
                      f"sparade i {where}.")
    else:
        console.print(f"Alla beräkningskärnor fanns redan i {where} ({result.seconds:.1f} s).")


def forbered(
    tvinga: bool = typer.Option(False, "--tvinga", help="Gå igenom kärnorna även om de redan är förberedda."),
) -> None:
    """Kompilera beräkningskärnorna en gång (installationen gör det; annars görs det vid första körningen)."""
    from likvard.compiled import is_prepared

    if is_prepared() and not tvinga:
        console.print("Beräkningskärnorna är redan förberedda för den här installationen.")
        return
    run_prepare()


def prepare_on_first_run(ctx: typer.Context) -> None:
    """Prepare the kernels before a command when they are not ready and a person is watching."""
    if ctx.resilient_parsing or ctx.invoked_subcommand in _SKIP or os.environ.get("LIKVARD_FORBERED") == "0":
        return
    if any(arg in ("--help", "-h") for arg in sys.argv[1:]) or not sys.stderr.isatty():
        return
    from likvard.compiled import is_prepared

    if not is_prepared():
        run_prepare(first_run=True)
    if ctx.invoked_subcommand in _LOADS_ANALYSES:
        with console.status("Startar Likvärd och läser in analyserna …"):
            import likvard.analyses.overview  # noqa: F401  (pandas, SciPy, statsmodels: about 2 s)


def register(app: typer.Typer) -> None:
    app.command("forbered")(forbered)
