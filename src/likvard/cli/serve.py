"""``likvard serve``: the web app on the store (binds 127.0.0.1 unless --host is given)."""

from __future__ import annotations

import typer

from likvard.cli.common import DbOption, console, fail


def serve_store(db: str, host: str, port: int, warm: bool = True, app: object | None = None) -> None:
    """Open the store, start computing the analyses and serve until interrupted."""
    import uvicorn

    from likvard.errors import LikvardError
    from likvard.store import mask_url
    from likvard.web.app import create_app

    if app is None:
        try:
            app = create_app(str(db))
        except LikvardError as exc:
            fail(str(exc))
    if warm:
        app.state.cache.get()  # type: ignore[attr-defined]  # the overview is computed in the background from the start
    console.print(f"Likvärd på [bold]http://{host}:{port}/[/] (databas {mask_url(str(db))}). Avsluta med Ctrl+C.")
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print("[bold yellow]Obs:[/] servern nås från andra datorer. Använd HTTPS framför den "
                      "(t.ex. en omvänd proxy) så att lösenord och sessioner inte går okrypterat.")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True,  # type: ignore[arg-type]
                server_header=False)


def command(
    db: str = DbOption,
    host: str = typer.Option("127.0.0.1", "--host", show_default=False, help="Adress att lyssna på (förval 127.0.0.1: bara den egna datorn)."),
    port: int = typer.Option(8000, "--port", help="Port att lyssna på."),
) -> None:
    """Starta webbappen: analytiker, rektorer, skolchefer och nämnd i webbläsaren, med roller."""
    serve_store(db, host, port)
