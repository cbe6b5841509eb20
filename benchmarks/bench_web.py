"""Benchmark: the web app under 20 concurrent clients (target: p95 latency < 300 ms, no errors).

Data: Exempelstad generated at a larger size (``--scale`` sets the schools, default 150 school
units; ``--population-scale`` the students, default about 100,000 in the latest school year; over
``--years`` school years) saved in a fresh SQLite store; the counts are printed first. The app runs
in its own process (uvicorn, one worker, as ``likvard serve``), the analyses computed before the
clock starts. ``--clients`` concurrent clients (httpx, async, each signed in as the analyst with
its own session) request the main pages round robin for ``--seconds``: the overview, the
segregation page, the list of schools and school pages (every school in turn). Every answer must
be 200.

Reference, in the same run: the very same pages' HTML (fetched once from the app) served from
memory by a minimal Starlette route in a uvicorn process of its own, under the same load. That is
the floor of HTTP, uvicorn and the clients on this machine; the ratio says what the app adds (the
session lookup, the scope check, the template rendering of cached analyses).

Printed: requests, errors, requests per second, median and p95 latency of each, their ratio, and
the peak resident memory (VmHWM) of each server process.

    python benchmarks/bench_web.py [--scale 6.3] [--population-scale 8.32] [--years 3] [--clients 20] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "benchmark-lösenord-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of process ``pid`` (VmHWM, Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the two servers (run as subprocesses of this script) -----------------------------------------

def serve_likvard(db: str, port: int) -> None:
    import uvicorn

    from likvard.store import open_store
    from likvard.web.app import create_app

    store = open_store(db)
    app = create_app(db, store=store)
    if app.state.cache.wait(1800) is None:
        raise SystemExit(f"Analyserna kunde inte beräknas: {app.state.cache.error}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False)


def serve_reference(folder: str, port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    pages: dict[str, bytes] = {}
    for f in Path(folder).glob("*.html"):
        pages[bytes.fromhex(f.stem).decode()] = f.read_bytes()

    async def page(request):  # type: ignore[no-untyped-def]
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body = pages.get(path)
        if body is None:
            return Response(status_code=404)
        return Response(body, media_type="text/html; charset=utf-8")

    app = Starlette(routes=[Route("/{rest:path}", page)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False)


def start(args: list[str], port: int, timeout: float = 1800) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, *args, str(port)])
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"servern avslutades ({proc.returncode})")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/halsa", timeout=2).status_code in (200, 404):
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("servern startade inte i tid")


# --- the clients --------------------------------------------------------------------------------

async def sign_in(client) -> None:  # type: ignore[no-untyped-def]
    form = (await client.get("/logga-in")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    r = await client.post("/logga-in", data={"anvandarnamn": "bench", "losenord": PASSWORD, "csrf_token": token})
    if r.status_code not in (200, 303) or "likvard_session" not in client.cookies:
        raise SystemExit(f"inloggningen misslyckades ({r.status_code})")


async def load(base: str, paths: list[str], clients: int, seconds: float, login: bool) -> dict:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    signed_in = 0
    everyone = asyncio.Event()

    async def one(k: int) -> None:
        nonlocal signed_in
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, follow_redirects=False) as client:
            if login:
                await sign_in(client)
            signed_in += 1
            if signed_in == clients:
                everyone.set()
            await everyone.wait()  # the clock starts when every client has signed in (argon2 is slow on purpose)
            i = k * 7
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                path = paths[i % len(paths)]
                i += 1
                t0 = time.perf_counter()
                r = await client.get(path)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"{path}: {r.status_code}")

    await asyncio.gather(*(one(k) for k in range(clients)))
    wall = seconds
    ms = sorted(x * 1000 for x in latencies)
    return {"n": len(ms), "errors": errors, "rps": len(ms) / wall, "p50": statistics.median(ms),
            "p95": ms[int(0.95 * (len(ms) - 1))], "p99": ms[int(0.99 * (len(ms) - 1))], "max": ms[-1]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=6.3, help="skolornas skala (6,3: 150 skolenheter)")
    ap.add_argument("--population-scale", type=float, default=8.32,
                    help="elevernas skala (8,32: omkring 100 000 elever senaste läsåret)")
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()

    import httpx

    from likvard.demo import generate_exempelstad
    from likvard.store import open_store
    from likvard.web.accounts import create_user

    with tempfile.TemporaryDirectory(prefix="likvard-bench-web-") as tmp:
        t0 = time.perf_counter()
        data = generate_exempelstad(seed=11, n_years=args.years, scale=args.scale,
                                    population_scale=args.population_scale)
        last = data.students[data.students["school_year"] == data.students["school_year"].max()]
        n_schools = data.schools["school_id"].nunique()
        db = str(Path(tmp) / "stad.db")
        store = open_store(db)
        store.save_authority_data(data, "benchmark")
        create_user(store, "bench", "analytiker", PASSWORD, actor="benchmark")
        store.close()
        print(f"Stad: {n_schools} skolenheter, {len(last)} elever senaste läsåret, {args.years} läsår "
              f"({time.perf_counter() - t0:.0f} s att skapa och spara)", flush=True)

        port = free_port()
        t0 = time.perf_counter()
        app_proc = start(["--serve-likvard", db], port)
        print(f"Webbappen startad och analyserna beräknade på {time.perf_counter() - t0:.0f} s", flush=True)
        base = f"http://127.0.0.1:{port}"
        ids = sorted(data.schools["school_id"].astype(str).unique())
        paths = ["/", "/segregation", "/skolor"] + [f"/skolor/{s}" for s in ids]
        pages_dir = Path(tmp) / "sidor"
        pages_dir.mkdir()
        try:
            with httpx.Client(base_url=base, timeout=600) as c:
                form = c.get("/logga-in").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
                c.post("/logga-in", data={"anvandarnamn": "bench", "losenord": PASSWORD, "csrf_token": token})
                for p in paths:  # the first request of each page also fills the app's display cache
                    r = c.get(p)
                    if r.status_code != 200:
                        raise SystemExit(f"{p} svarade {r.status_code}")
                    (pages_dir / f"{p.encode().hex()}.html").write_bytes(r.content)
            app = asyncio.run(load(base, paths, args.clients, args.seconds, login=True))
            app_peak = peak_rss_mb(app_proc.pid)
        finally:
            app_proc.terminate()
            app_proc.wait(30)

        port = free_port()
        ref_proc = start(["--serve-reference", str(pages_dir)], port, timeout=60)
        try:
            ref = asyncio.run(load(f"http://127.0.0.1:{port}", paths, args.clients, args.seconds, login=False))
            ref_peak = peak_rss_mb(ref_proc.pid)
        finally:
            ref_proc.terminate()
            ref_proc.wait(30)

    print(f"\n{args.clients} klienter i {args.seconds:.0f} s över {len(paths)} sidor (översikt, segregation, "
          f"skollista, {len(ids)} skolsidor); belastning {os.getloadavg()[0]:.1f}")
    print(f"{'':<34}{'förfr.':>8}{'fel':>6}{'förfr./s':>10}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'topp RSS MB':>13}")
    for name, r, peak in (("Likvärd (webbappen)", app, app_peak), ("Referens (samma HTML, Starlette)", ref, ref_peak)):
        print(f"{name:<34}{r['n']:>8}{len(r['errors']):>6}{r['rps']:>10.0f}{r['p50']:>11.1f}{r['p95']:>9.1f}"
              f"{r['p99']:>9.0f}{r['max']:>9.0f}{peak:>13.0f}")
    print(f"Kvot Likvärd/referens: median {app['p50'] / ref['p50']:.1f}×, p95 {app['p95'] / ref['p95']:.1f}×")
    ok = not app["errors"] and app["p95"] < 300
    print(("Mål nått" if ok else "Mål INTE nått") + ": p95 under 300 ms och inga fel"
          + ("" if not app["errors"] else f" (fel: {app['errors'][:5]})"))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-likvard":
        serve_likvard(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--serve-reference":
        serve_reference(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(main())
