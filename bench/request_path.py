"""The hub over HTTP against a bare FastAPI app, side by side in one run.

    python bench/request_path.py             # SQLite, and PostgreSQL if reachable
    python bench/request_path.py --databases sqlite --duration 5
    python bench/request_path.py --against-tree /work/main   # this tree's hub beside another's
    HUB_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        python bench/request_path.py

For each database it seeds a demo hub in a fresh database, starts the hub (``mash-hub
serve``: one uvicorn worker, no access log) and a bare FastAPI app of the same versions
(one ``async def GET /ping`` returning ``{"ok": true}``, one worker, no access log), and
drives both with the same load generator (wrk when installed, else a Python one),
interleaved hub, bare, hub, bare, at 1 and 32 connections:

- the guarded read: ``GET /api/v1/contacts/{id}`` as a MASH social worker (token,
  firewall, decryption, audit entry);
- intake: ``POST /api/v1/contacts`` as a professional referrer.

Then a burst of 200 simultaneous mixed requests (intake, contact reads, the screening
queue, agency record reads, product reads), each on its own connection, with its status
counts. RSS of both servers is read before and after, and each server's CPU (all its
threads, from /proc) around each run, as milliseconds per request answered: on a
shared machine that figure moves far less than requests per second. Ratios are hub
req/s over bare req/s in the same run; the last line is JSON with ``read_ratio``,
``intake_ratio`` and ``burst_5xx`` per database.

With ``--against-tree DIR`` a second hub runs beside this tree's: the one built from the
checkout in DIR, with DIR's own virtualenv (``DIR/.venv``), its own database and keys,
seeded the same way. The runs interleave hub, bare, other hub, bare, so a change is
measured side by side with what it changes, under the same load on the machine; each
hub's ratio is over the bare runs of its own rounds. Its figures are under ``against``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fresh_database import database_for  # beside this file

REPO = Path(__file__).resolve().parent.parent
BARE_APP = """
import sys
import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
"""
CONTACT = {
    "channel": "web_form",
    "children": [{"given_name": "Tamsin", "family_name": "Quorley", "date_of_birth": "2016-05-04"}],
    "worries": ["neglect"],
    "concern": "The child is often collected late and seems hungry.",
    "consent": {"status": "obtained"},
}
BURST = 200


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    requests: int = 0
    cpu_ms_per_request: float = float("nan")  # the server's CPU (all threads) per answer
    rss_mb_after: float = float("nan")  # the server's RSS once the run is over


@dataclass
class Target:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return round(int(match.group(1)) / 1024, 1) if match else float("nan")

    def cpu_seconds(self) -> float:
        """User and system CPU of the process so far, all threads: unlike requests per
        second, barely moved by what else the machine is running."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(load: Any, server: Server, target: Target, connections: int, seconds: int) -> Run:
    """``load`` on ``server``, with the server's CPU per request."""
    before = server.cpu_seconds()
    run: Run = load(server.port, target, connections, seconds)
    if run.requests:
        run.cpu_ms_per_request = round((server.cpu_seconds() - before) * 1000 / run.requests, 3)
    run.rss_mb_after = server.rss_mb()
    return run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"a server exited at start ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("a server did not start")


# ---------------------------------------------------------------- load generators


def wrk_run(port: int, target: Target, connections: int, seconds: int) -> Run:
    lines = [f'wrk.method = "{target.method}"']
    for name, value in target.headers.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if target.body is not None:
        lines.append(f"wrk.body = {json.dumps(target.body.decode())}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    wrk = shutil.which("wrk")
    assert wrk is not None
    try:
        output = subprocess.run(  # noqa: S603 (wrk, our arguments)
            [
                wrk,
                f"-t{min(2, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "--latency",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{target.path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    return Run(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        requests=int(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
        p50_ms=_wrk_ms(re.search(r"50%\s+([\d.]+\w+)", output)),
        p99_ms=_wrk_ms(re.search(r"99%\s+([\d.]+\w+)", output)),
        non_2xx=int(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output))
        else 0,
        errors=sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)),
    )


def _wrk_ms(match: re.Match[str] | None) -> float:
    if match is None:
        return float("nan")
    value = match.group(1)
    number = float(re.match(r"[\d.]+", value).group(0))  # type: ignore[union-attr]
    unit = value[len(re.match(r"[\d.]+", value).group(0)) :]  # type: ignore[union-attr]
    return round(number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 2)


def python_run(port: int, target: Target, connections: int, seconds: int) -> Run:
    """Keep-alive connections in threads, each sending its next request on an answer."""
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [0] * connections
    non_2xx = [0] * connections

    def drive(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request(target.method, target.path, target.body, target.headers)
                response = connection.getresponse()
                response.read()
            except OSError:
                failures[slot] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies[slot].append(time.perf_counter() - started)
            if not 200 <= response.status < 300:
                non_2xx[slot] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(x for slot in latencies for x in slot)
    return Run(
        requests_per_second=round(len(every) / elapsed, 1),
        requests=len(every),
        p50_ms=round(every[len(every) // 2] * 1000, 2) if every else float("nan"),
        p99_ms=round(every[int(len(every) * 0.99)] * 1000, 2) if every else float("nan"),
        non_2xx=sum(non_2xx),
        errors=sum(failures),
    )


# ---------------------------------------------------------------- the servers


@dataclass(frozen=True)
class Tree:
    """A checkout whose hub is measured: its directory and its virtualenv's interpreter."""

    name: str
    directory: Path
    python: str

    def command(self, *args: str) -> list[str]:
        return [self.python, "-c", "from hub.cli import main; main()", *args]


def tree_at(name: str, directory: Path) -> Tree:
    python = directory / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{directory} has no .venv/bin/python: run make there first")
    return Tree(name, directory.resolve(), str(python))


def start_hub(tree: Tree, env: dict[str, str]) -> Server:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (a checkout's own interpreter)
        tree.command("serve", "--port", str(port)),
        cwd=tree.directory,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_listening(port, process)
    return Server(tree.name, process, port)


def start_bare() -> Server:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", BARE_APP, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_listening(port, process)
    return Server("bare", process, port)


def token(key_dir: Path, role: str, **claims: str) -> str:
    from hub.auth.principal import Role
    from hub.auth.tokens import issue_token
    from hub.settings import DEV_ISSUER

    return issue_token(
        key_dir,
        issuer=DEV_ISSUER,
        audience="mash-hub",
        sub=f"bench-{role}",
        role=Role(role),
        ttl_seconds=3600,
        **claims,  # type: ignore[arg-type]
    )


def get_json(port: int, path: str, headers: dict[str, str]) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status}")
    return json.loads(body)


def burst(port: int, targets: list[Target]) -> Counter[str]:
    start = threading.Barrier(BURST)

    def send(target: Target) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        try:
            connection.request(target.method, target.path, target.body, target.headers)
            return str(connection.getresponse().status)
        except OSError as error:
            return type(error).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=BURST) as pool:
        return Counter(pool.map(send, [targets[i % len(targets)] for i in range(BURST)]))


@dataclass
class HubUnderTest:
    """One tree's hub, seeded and running, with the requests it is measured on."""

    tree: Tree
    server: Server
    read: Target
    intake: Target
    mix: list[Target]
    runs: dict[str, list[Run]] = field(default_factory=dict)
    bare_runs: dict[str, list[Run]] = field(default_factory=dict)
    rss_before: float = float("nan")


@contextmanager
def hub_for(
    tree: Tree, kind: str, args: argparse.Namespace, stack: ExitStack
) -> Iterator[HubUnderTest]:
    """``tree``'s hub on a fresh demo database of ``kind``, with its own keys."""
    url = stack.enter_context(database_for(kind, args.pg_url))
    key_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    env = {
        **os.environ,
        "HUB_DEV_MODE": "true",
        "HUB_DATABASE_URL": url,
        "HUB_KEY_DIR": str(key_dir),
        "HUB_PUBLIC_CONTACTS_PER_MINUTE": "1000000",
    }
    for step in (("init",), ("demo", "--contacts", str(args.contacts))):
        subprocess.run(  # noqa: S603 (a checkout's own interpreter)
            tree.command(*step), cwd=tree.directory, env=env, check=True, capture_output=True
        )
    social_worker = {"Authorization": f"Bearer {token(key_dir, 'mash_social_worker')}"}
    referrer = {
        "Authorization": f"Bearer {token(key_dir, 'referrer')}",
        "Content-Type": "application/json",
    }
    police = {"Authorization": f"Bearer {token(key_dir, 'agency_rep', agency='police')}"}
    duty = {"Authorization": f"Bearer {token(key_dir, 'operational', team='duty_a')}"}
    server = start_hub(tree, env)
    try:
        port = server.port
        contact_id = get_json(port, "/api/v1/contacts?limit=1", social_worker)["items"][0]["id"]
        records = get_json(port, "/api/v1/agencies/police/records?limit=1", police)
        read = Target("GET", f"/api/v1/contacts/{contact_id}", social_worker)
        intake = Target("POST", "/api/v1/contacts", referrer, json.dumps(CONTACT).encode())
        mix = [
            intake,
            read,
            Target("GET", "/api/v1/screening/queue", social_worker),
            Target("GET", "/api/v1/products", duty),
        ]
        if records["items"]:
            record_id = records["items"][0]["id"]
            mix.append(Target("GET", f"/api/v1/agencies/police/records/{record_id}", police))
        yield HubUnderTest(tree, server, read, intake, mix)
    finally:
        server.process.terminate()
        server.process.wait(30)


def figures_of(hub: HubUnderTest, key: str) -> dict[str, Any]:
    hub_runs, bare_runs = hub.runs[key], hub.bare_runs[key]
    hub_rps = statistics.mean(r.requests_per_second for r in hub_runs)
    bare_rps = statistics.mean(r.requests_per_second for r in bare_runs)
    return {
        "hub_rps": round(hub_rps, 1),
        "bare_rps": round(bare_rps, 1),
        "ratio": round(hub_rps / bare_rps, 3),
        "hub_cpu_ms_per_request": round(statistics.mean(r.cpu_ms_per_request for r in hub_runs), 3),
        "bare_cpu_ms_per_request": round(
            statistics.mean(r.cpu_ms_per_request for r in bare_runs), 3
        ),
        "hub_p50_ms": round(statistics.mean(r.p50_ms for r in hub_runs), 2),
        "hub_p99_ms": max(r.p99_ms for r in hub_runs),
        "bare_p99_ms": max(r.p99_ms for r in bare_runs),
        "hub_rss_mb_after": max(r.rss_mb_after for r in hub_runs),
        "hub_non_2xx": sum(r.non_2xx for r in hub_runs),
        "hub_errors": sum(r.errors for r in hub_runs),
    }


def bench_database(
    kind: str, args: argparse.Namespace, load: Any, trees: list[Tree]
) -> dict[str, Any]:
    with ExitStack() as stack:
        hubs = [stack.enter_context(hub_for(tree, kind, args, stack)) for tree in trees]
        bare = start_bare()
        stack.callback(bare.process.wait, 30)
        stack.callback(bare.process.terminate)
        ping = Target("GET", "/ping")
        # Warm all up (imports, caches, connection pools) before anything is counted.
        for hub in hubs:
            load(hub.server.port, hub.read, 4, 1)
            hub.rss_before = hub.server.rss_mb()
        load(bare.port, ping, 4, 1)
        bare_rss_before = bare.rss_mb()

        for route in ("read", "intake"):
            for connections in args.connections:
                key = f"{route}_c{connections}"
                for _ in range(args.rounds):
                    # hub A, bare, hub B, bare: each hub's ratio is over its neighbours.
                    for hub in hubs:
                        target = hub.read if route == "read" else hub.intake
                        run = measured(load, hub.server, target, connections, args.duration)
                        hub.runs.setdefault(key, []).append(run)
                        bare_run = measured(load, bare, ping, connections, args.duration)
                        hub.bare_runs.setdefault(key, []).append(bare_run)
                for hub in hubs:
                    print(
                        f"{kind:10} {hub.tree.name:8} {route:6} c={connections:<3} "
                        f"{figures_of(hub, key)}",
                        flush=True,
                    )

        results: list[dict[str, Any]] = []
        for hub in hubs:
            rss_before_burst = hub.server.rss_mb()
            statuses = burst(hub.server.port, hub.mix)
            print(
                f"{kind:10} {hub.tree.name:8} burst of {BURST}: {dict(statuses)}, "
                f"RSS {rss_before_burst} -> {hub.server.rss_mb()} MB",
                flush=True,
            )
            runs = {key: figures_of(hub, key) for key in hub.runs}
            top = max(args.connections)
            rss_after = hub.server.rss_mb()
            results.append(
                {
                    "tree": str(hub.tree.directory),
                    "read_ratio": runs[f"read_c{top}"]["ratio"],
                    "intake_ratio": runs[f"intake_c{top}"]["ratio"],
                    "burst_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
                    "burst_unanswered": sum(n for s, n in statuses.items() if not s.isdigit()),
                    "burst": dict(statuses),
                    "rss_mb": {
                        "hub_before": hub.rss_before,
                        "hub_after": rss_after,
                        "hub_growth": round(rss_after - hub.rss_before, 1),
                        "hub_before_burst": rss_before_burst,
                        "bare_before": bare_rss_before,
                        "bare_after": bare.rss_mb(),
                    },
                    "runs": runs,
                }
            )
    figures = results[0]
    if len(results) > 1:
        figures["against"] = results[1]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_BENCH_PG_URL"))
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=2, help="hub/bare pairs per figure")
    parser.add_argument("--connections", default="1,32")
    parser.add_argument("--contacts", type=int, default=50, help="demo contacts to seed")
    parser.add_argument("--python-load", action="store_true", help="skip wrk even if installed")
    parser.add_argument(
        "--against-tree",
        type=Path,
        metavar="DIR",
        help="also run the hub of the checkout in DIR (with DIR/.venv), interleaved",
    )
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.split(",")]
    use_wrk = shutil.which("wrk") is not None and not args.python_load
    load = wrk_run if use_wrk else python_run
    print(f"load generator: {'wrk' if use_wrk else 'python'}", flush=True)
    trees = [Tree("hub", REPO, sys.executable)]
    if args.against_tree is not None:
        trees.append(tree_at("against", args.against_tree))

    figures: dict[str, Any] = {"load_generator": "wrk" if use_wrk else "python"}
    for kind in args.databases.split(","):
        if kind == "postgresql" and not args.pg_url:
            args.pg_url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        figures[kind] = bench_database(kind, args, load, trees)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
