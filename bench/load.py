"""Estafette load benchmark: fifty people at work on the national dataset, on PostgreSQL.

Run with ``make bench-load`` or ``.venv/bin/python bench/load.py``; ``--help`` lists the
options and ``bench/README.md`` explains the numbers. Prints figures, never passes or
fails: exit status 0 whatever the timings say, non-zero only when the harness cannot
run (no PostgreSQL, a server that does not start).

1. The national dataset on PostgreSQL (``bench/run.py``'s, built or reused the same way),
   and one demo user per virtual user (``bench/load_users.py``).
2. The application as README tells operators to serve it: ``config.settings.production``
   under ``gunicorn config.wsgi -w 4`` on a loopback port, static files collected, and
   the task worker (``manage.py db_worker``) beside it. Production runs unchanged: the
   load generator sends what the TLS-terminating proxy would (``X-Forwarded-Proto:
   https``), so no setting is relaxed (see bench/README.md, "Serving production over
   loopback"). E-mail goes to Django's dummy backend: there is no mail server here.
3. The load (``bench/loadgen.py``): ``--users`` virtual users, each signed in (password
   and second factor), opening the caseload, a trajectory from it and the signal inbox
   with ``--think`` seconds (± half) between requests, one iteration in ``--write-every``
   also writing through a real form, for ``--duration`` seconds.
4. Saturation: the same mix without think time, at each of ``--saturation`` concurrent
   users for ``--saturation-seconds`` each; the most requests per second served.
5. gunicorn and the worker are stopped at the end, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import loadgen
import run

HOST = "127.0.0.1"
P95_TARGET_MS = 300.0
"""At fifty users, every page's 95th percentile at most this, and no error at all."""
PAGE_ORDER = (
    "caseload",
    "trajectory",
    "signals",
    "signal",
    "record contact",
    "acknowledge signal",
)
LOG_DIR = run.BENCH_DIR / "load"


# --- CPU: who used the two cores --------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields after "pid (comm)"


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants (Linux /proc; empty elsewhere)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                parents[int(entry.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree += children
        frontier = children
    return tree


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process in ``pids``."""
    used = {}
    for pid in pids:
        fields = _stat(pid)
        if fields:
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, all cores (/proc/stat)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0, 0
    values = [int(v) for v in first]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def pg_backends(database: str) -> list[int]:
    """PostgreSQL's server processes for ``database`` (their process title names it)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU used during one phase: this process (the load generator), the server processes
    (gunicorn and the task worker), PostgreSQL's processes serving the dataset (those
    that lived to the end of the phase), and the machine as a whole (anything else
    running on it included)."""

    def __init__(self, server_roots: list[int], database: str) -> None:
        self.server_roots, self.database = server_roots, database
        self.started = time.monotonic()
        self.own = time.process_time()
        self.server = cpu_seconds(self._server_pids())
        self.pg = cpu_seconds(pg_backends(database))
        self.machine = machine_jiffies()

    def _server_pids(self) -> list[int]:
        return [pid for root in self.server_roots for pid in process_tree(root)]

    def stop(self) -> dict[str, float]:
        wall = max(1e-9, time.monotonic() - self.started)
        own = time.process_time() - self.own
        server_now = cpu_seconds(self._server_pids())
        server = sum(v - self.server.get(pid, 0.0) for pid, v in server_now.items())
        pg_now = cpu_seconds(pg_backends(self.database))
        pg = sum(v - self.pg.get(pid, 0.0) for pid, v in pg_now.items())
        busy, total = machine_jiffies()
        busy0, total0 = self.machine
        cores = os.cpu_count() or 1
        return {
            "seconds": wall,
            "loadgen_cpu_s": own,
            "loadgen_share": own / (wall * cores),
            "server_cpu_s": server,
            "server_share": server / (wall * cores),
            "postgres_cpu_s": pg,
            "postgres_share": pg / (wall * cores),
            "machine_busy": (busy - busy0) / (total - total0) if total > total0 else float("nan"),
        }


def cpu_line(cpu: dict[str, float]) -> str:
    return (
        f"load generator {cpu['loadgen_cpu_s']:.1f} s = {cpu['loadgen_share']:.0%} of the "
        f"machine; gunicorn + task worker {cpu['server_cpu_s']:.1f} s = "
        f"{cpu['server_share']:.0%}; PostgreSQL (this database) {cpu['postgres_cpu_s']:.1f} s "
        f"= {cpu['postgres_share']:.0%}; the machine was {cpu['machine_busy']:.0%} busy "
        "(all of it, other work included)"
    )


# --- server-side times: gunicorn's access log -------------------------------------------

ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
"""Method, path, status, microseconds in the worker (from the request read to the
response written: the queue in front of the workers is not in it)."""
PAGE_OF = (
    ("GET", re.compile(r"^/caseload/$"), "caseload"),
    ("GET", re.compile(r"^/trajectories/\d+/$"), "trajectory"),
    ("GET", re.compile(r"^/signals/$"), "signals"),
    ("GET", re.compile(r"^/signals/\d+/$"), "signal"),
    ("POST", re.compile(r"^/trajectories/\d+/contacts/$"), "record contact"),
    ("POST", re.compile(r"^/signals/\d+/acknowledge/$"), "acknowledge signal"),
)


class AccessLog:
    """Reads what gunicorn logged since :meth:`mark`, as milliseconds per page."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> dict[str, list[float]]:
        times: dict[str, list[float]] = collections.defaultdict(list)
        if not self.path.exists():
            return times
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            lines = log.read().decode(errors="replace").splitlines()
        for line in lines:
            parts = line.split()
            if len(parts) != 4 or not parts[3].isdigit():
                continue
            method, path, _, micros = parts
            for want, pattern, page in PAGE_OF:
                if method == want and pattern.match(path):
                    times[page].append(int(micros) / 1000)
                    break
        return times


# --- the server -------------------------------------------------------------------------


def production_env(url: str) -> dict[str, str]:
    """run.py's environment for a Django process, with the production settings."""
    env = run.django_env(url)
    for name in ("ESTAFETTE_DEBUG", "ESTAFETTE_SSL_REDIRECT", "ESTAFETTE_REQUIRE_2FA"):
        env.pop(name, None)  # production's own defaults, whatever this shell has set
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "ESTAFETTE_SECRET_KEY": secrets.token_urlsafe(50),  # this run's sessions only
            "ESTAFETTE_ALLOWED_HOSTS": HOST,
            "ESTAFETTE_TODAY": run.TODAY,
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    if "ESTAFETTE_AUDIT_KEY" not in env:
        # The key the bench database's audit chain was built with (config.settings.dev).
        env.setdefault("ESTAFETTE_AUDIT_KEY_FILE", str(run.ROOT / "var" / "audit.key"))
    return env


class Servers:
    """gunicorn and the task worker, each in its own process group, always stopped."""

    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        # Our own fixed command line; a session of its own, so Ctrl-C reaches only us and
        # the group can be stopped as a whole.
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=run.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        for _, process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.processes = []


def static_current() -> bool:
    """Whether ``collectstatic`` ran after the last change to our static sources (it
    takes a while: the manifest storage compresses and hashes every file each time)."""
    manifest = run.ROOT / "var" / "static" / "staticfiles.json"
    if not manifest.exists():
        return False
    static_dirs = [p for p in (run.ROOT / "src").rglob("static") if p.is_dir()]
    static_dirs.append(run.ROOT / "node_modules" / "htmx.org" / "dist")
    newest = max((f.stat().st_mtime for d in static_dirs for f in d.rglob("*")), default=0.0)
    return manifest.stat().st_mtime > newest


def log_tail(name: str, lines: int = 15) -> str:
    path = LOG_DIR / f"{name}.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join("      " + line for line in text.splitlines()[-lines:])


def wait_until_serving(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    browser = loadgen.Browser(HOST, port, timeout=5, username="")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise run.HarnessError(
                f"gunicorn exited with {process.returncode}:\n{log_tail('gunicorn')}"
            )
        with contextlib.suppress(OSError):
            if browser.request("GET", "/login/").status == 200:
                return
        time.sleep(0.5)
    raise run.HarnessError(f"gunicorn did not answer within {seconds:g} s:\n{log_tail('gunicorn')}")


@contextlib.contextmanager
def terminated_on_sigterm() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C does: through the finally that stops the servers."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- running the users ------------------------------------------------------------------


def sign_in_all(
    accounts: list[loadgen.Account], port: int, timeout: float, recorder: loadgen.Recorder
) -> tuple[list[tuple[loadgen.Browser, loadgen.Account]], list[str]]:
    """Sign every account in, four at a time (Argon2 is meant to be slow)."""

    def one(account: loadgen.Account) -> tuple[loadgen.Browser, loadgen.Account]:
        browser = loadgen.Browser(HOST, port, timeout=timeout, username=account.username)
        loadgen.sign_in(browser, account, recorder)
        return browser, account

    signed_in, failures = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for account, future in [(a, pool.submit(one, a)) for a in accounts]:
            try:
                signed_in.append(future.result(timeout=timeout * 5))
            except Exception as exc:  # reported; the others still run
                failures.append(f"{account.username}: {type(exc).__name__}: {exc}")
    return signed_in, failures


def warm_up(sessions: list[tuple[loadgen.Browser, loadgen.Account]], workers: int) -> float:
    """One untimed round (caseload, trajectory, inbox; no write) by the first few users, so
    every gunicorn worker has loaded its templates and translations before the clock runs."""
    started = time.monotonic()
    plan = loadgen.Plan(stop_at=time.monotonic() + 120, think=0.0, write_every=10**9)

    def one(index: int) -> None:
        browser, account = sessions[index]
        user = loadgen.VirtualUser(
            browser, account, loadgen.Recorder(), random.Random(index), threading.Event()
        )
        user.iteration(plan)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(min(len(sessions), 2 * workers))))
    return time.monotonic() - started


def run_users(
    sessions: list[tuple[loadgen.Browser, loadgen.Account]],
    plan: loadgen.Plan,
    seed: int,
    timeout: float,
    stop: threading.Event,
) -> tuple[loadgen.Recorder, dict[str, int]]:
    """Every session as a virtual user until ``plan.stop_at``; bounded by a hard deadline."""
    recorder = loadgen.Recorder()
    users = [
        loadgen.VirtualUser(browser, account, recorder, random.Random(seed + i), stop)
        for i, (browser, account) in enumerate(sessions)
    ]
    threads = [threading.Thread(target=u.run, args=(plan,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    deadline = plan.stop_at + timeout + 5  # in-flight requests end by their own timeout
    for thread in threads:
        while thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.5)
    stop.set()  # a thread still alive here is abandoned (a daemon), never waited for
    writes: dict[str, int] = collections.Counter()
    for user in users:
        writes.update(user.writes)
    return recorder, dict(writes)


# --- figures ----------------------------------------------------------------------------


def page_stats(samples: list[loadgen.Sample], seconds: float) -> dict[str, Any]:
    ordered = sorted(s.ms for s in samples)
    errors = collections.Counter(s.error for s in samples if s.error)
    answered = len(samples) - sum(errors.values())
    return {
        "n": len(samples),
        "per_second": answered / seconds if seconds else float("nan"),
        "median": statistics.median(ordered) if ordered else float("nan"),
        "p95": run.percentile(ordered, 0.95) if ordered else float("nan"),
        "p99": run.percentile(ordered, 0.99) if ordered else float("nan"),
        "max": ordered[-1] if ordered else float("nan"),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def print_load(
    samples: list[loadgen.Sample],
    seconds: float,
    server: dict[str, list[float]],
    *,
    target: bool,
) -> dict[str, Any]:
    """The table per page (and all together); errors by kind. Returns it for the record.

    ``server``: milliseconds per page in the gunicorn worker (its access log); the client's
    time minus this is the wait for a free worker (and the network, nil on loopback).
    """
    by_page: dict[str, list[loadgen.Sample]] = collections.defaultdict(list)
    for sample in samples:
        by_page[sample.page].append(sample)
    pages = [p for p in PAGE_ORDER if p in by_page] + sorted(set(by_page) - set(PAGE_ORDER))
    header = (
        f"  {'page':<20} {'n':>6} {'req/s':>7} {'median':>8} {'p95':>8} {'p99':>8} {'max':>8}"
        f" {'errors':>7} {'in worker':>10}" + ("  target" if target else "")
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    table: dict[str, Any] = {}
    for page in [*pages, "all"]:
        rows = samples if page == "all" else by_page[page]
        s = page_stats(rows, seconds)
        in_worker = sorted(
            [ms for times in server.values() for ms in times] if page == "all" else server[page]
        )
        s["worker_median"] = statistics.median(in_worker) if in_worker else float("nan")
        s["worker_p95"] = run.percentile(in_worker, 0.95) if in_worker else float("nan")
        table[page] = s
        mark = ""
        if target and page != "all":
            above = s["p95"] > P95_TARGET_MS or s["errors"] > 0
            mark = f"  p95 ≤ {P95_TARGET_MS:g} ms, 0 errors" + ("  (above target)" if above else "")
        print(
            f"  {page:<20} {s['n']:>6} {s['per_second']:>7.2f} {run.fmt_ms(s['median']):>8} "
            f"{run.fmt_ms(s['p95']):>8} {run.fmt_ms(s['p99']):>8} {run.fmt_ms(s['max']):>8} "
            f"{s['errors']:>7} {run.fmt_ms(s['worker_median']):>10}{mark}"
        )
    kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for sample in samples:
        if sample.error:
            kinds[sample.error][sample.page] += 1
    if kinds:
        print("  errors by kind:")
        for kind, pages_hit in sorted(kinds.items(), key=lambda kv: -sum(kv[1].values())):
            where = ", ".join(f"{page} {count}" for page, count in pages_hit.most_common())
            print(f"    {kind}: {sum(pages_hit.values())} ({where})")
    else:
        print("  errors: none")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="virtual users (default 50)")
    parser.add_argument(
        "--duration", type=float, default=120.0, help="seconds of load (default 120)"
    )
    parser.add_argument(
        "--think", type=float, default=5.0, help="mean think time in seconds, ± half (default 5)"
    )
    parser.add_argument(
        "--write-every",
        type=int,
        default=10,
        help="one iteration in this many also records a contact or acknowledges a signal "
        "(default 10)",
    )
    parser.add_argument(
        "--saturation",
        default="4,8,16",
        help="concurrent users without think time, one step each; '' skips (default 4,8,16)",
    )
    parser.add_argument(
        "--saturation-seconds", type=float, default=20.0, help="seconds per step (default 20)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before a request counts as a timeout"
    )
    parser.add_argument("--no-worker", action="store_true", help="no task worker beside gunicorn")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the dataset even if the demo or migrations changed",
    )
    parser.add_argument("--seed", type=int, default=2025, help="random seed of the users' choices")
    args = parser.parse_args()
    levels = [int(x) for x in args.saturation.split(",") if x.strip()]

    info = run.machine_info()
    print("Estafette load benchmark — fifty people at work; figures, never pass/fail")
    print(
        f"  machine: {info['cores']} cores, load average {info['load_average']}, "
        f"{info['platform']}, Python {info['python']}"
    )
    print(
        "  note: gunicorn, PostgreSQL and this load generator share the machine's cores (and\n"
        "  other work may run beside them): the CPU lines below say who used what."
    )
    record: dict[str, Any] = {"machine": info, "options": vars(args)}
    servers = Servers()
    stop = threading.Event()
    try:
        with terminated_on_sigterm():
            version = run.pg_version()
            if version is None:
                raise run.HarnessError(f"no PostgreSQL server answers at {run.PG_SERVER}")
            info["postgresql"] = version
            print(f"  PostgreSQL {version} at {run.PG_SERVER}")
            print("\ndataset")
            dataset, built = run.dataset_ensure(
                "national", rebuild=False, keep_stale=args.keep, engine="postgresql"
            )
            counts = dataset.counts()
            record["dataset"] = {**built, "counts": counts}
            print(
                f"  national  {dataset.label}  "
                + "  ".join(f"{k} {v:,}" for k, v in counts.items())
                + f"  (built {built.get('built_at', '?')})"
            )
            made = run.run_worker("load_users.py", dataset, "--users", str(args.users))
            accounts = [
                loadgen.Account(a["username"], made["password"], a["role"], a["key"])
                for a in made["accounts"]
            ]
            roles = collections.Counter(a["account"] for a in made["accounts"])
            print(
                f"  {len(accounts)} users, one per virtual user, as the demo accounts "
                + ", ".join(f"{name} ×{n}" for name, n in roles.items())
            )

            env = production_env(dataset.url)
            port = args.port or loadgen.free_port(HOST)
            print("\nserver")
            if static_current():
                print("    static files collected already (var/static/ is newer than the sources)")
            else:
                run.manage(dataset.url, "collectstatic", "--no-input", "-v", "0", env=env)
            gunicorn = [
                sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(args.workers),
                "-b", f"{HOST}:{port}", "--timeout", "60", "--graceful-timeout", "5",
                "--no-control-socket",
                "--access-logfile", str(LOG_DIR / "access.log"),
                "--access-logformat", ACCESS_FORMAT,
            ]  # fmt: skip
            (LOG_DIR / "access.log").unlink(missing_ok=True)
            access = AccessLog(LOG_DIR / "access.log")
            print(
                f"    $ DJANGO_SETTINGS_MODULE=config.settings.production {' '.join(gunicorn[2:])}"
            )
            server = servers.start("gunicorn", gunicorn, env)
            roots = [server.pid]
            if not args.no_worker:
                worker = servers.start(
                    "worker", [sys.executable, str(run.ROOT / "manage.py"), "db_worker"], env
                )
                roots.append(worker.pid)
                print("    $ manage.py db_worker  (the task worker, beside it)")
            wait_until_serving(port, server, 60)
            print(f"  serving on http://{HOST}:{port}/ (logs in {LOG_DIR.relative_to(run.ROOT)}/)")

            sign_ins = loadgen.Recorder()
            started = time.monotonic()
            sessions, failures = sign_in_all(accounts, port, args.timeout, sign_ins)
            took = time.monotonic() - started
            print(
                f"  signed in {len(sessions)} of {len(accounts)} users in {took:.1f} s "
                "(password, then the authenticator code)"
            )
            for failure in failures:
                print(f"    sign-in failed: {failure}")
            if not sessions:
                raise run.HarnessError("no virtual user could sign in")

            took = warm_up(sessions, args.workers)
            print(f"  warmed up in {took:.1f} s (one untimed round by {2 * args.workers} users)")

            # 3. the load
            print(
                f"\nload — {len(sessions)} users, {args.duration:g} s, think {args.think:g} s "
                f"± 50 %, one iteration in {args.write_every} writes; gunicorn -w {args.workers},"
                " national dataset on PostgreSQL"
            )
            print(
                "  ms per request, wall time at the client (connection, waiting for a free\n"
                "  worker, the request, transfer); n = requests (errors included); req/s =\n"
                "  requests answered without error per second of the run; in worker = median ms\n"
                "  inside the gunicorn worker (its access log): without the wait for a worker"
            )
            plan = loadgen.Plan(
                stop_at=time.monotonic() + args.duration,
                think=args.think,
                write_every=args.write_every,
                start_spread=args.think,
            )
            meter = CpuMeter(roots, dataset.pg_name)
            access.mark()
            recorder, writes = run_users(sessions, plan, args.seed, args.timeout, stop)
            cpu = meter.stop()
            in_worker = access.since_mark()
            load_table = print_load(recorder.samples, args.duration, in_worker, target=True)
            sign_in_ms = statistics.median(s.ms for s in sign_ins.samples)
            print(f"  sign-in steps: {run.fmt_ms(sign_in_ms)} ms median (not in the table)")
            print(
                "  writes: " + (", ".join(f"{k} {v}" for k, v in sorted(writes.items())) or "none")
            )
            print(f"  CPU: {cpu_line(cpu)}")
            record["load"] = {
                "table": load_table,
                "writes": writes,
                "cpu": cpu,
                "sign_in_failures": failures,
                "samples": [s.__dict__ for s in recorder.samples],
            }

            # 4. saturation
            record["saturation"] = []
            best = (0.0, 0)
            if levels:
                print(
                    f"\nsaturation — the same mix without think time, {args.saturation_seconds:g}"
                    " s per step:\n  how many requests per second (answered without error)"
                    " the machine serves"
                )
                print(
                    "  CPU columns are shares of the whole machine: the load generator, gunicorn +"
                    "\n  the task worker, PostgreSQL's processes for this database, everything"
                )
                header = (
                    f"  {'users':>5} {'req/s':>7} {'median':>8} {'p95':>8} {'errors':>7}"
                    f" {'in worker':>10} {'loadgen':>8} {'server':>7} {'postgres':>9}"
                    f" {'machine':>8}"
                )
                print(header)
                print("  " + "-" * (len(header) - 2))
            for level in levels:
                users = sessions[: min(level, len(sessions))]
                stop = threading.Event()
                step_plan = loadgen.Plan(
                    stop_at=time.monotonic() + args.saturation_seconds,
                    think=0.0,
                    write_every=args.write_every,
                )
                meter = CpuMeter(roots, dataset.pg_name)
                access.mark()
                recorder, _ = run_users(users, step_plan, args.seed + level, args.timeout, stop)
                cpu = meter.stop()
                s = page_stats(recorder.samples, args.saturation_seconds)
                worker_ms = sorted(ms for t in access.since_mark().values() for ms in t)
                s["worker_median"] = statistics.median(worker_ms) if worker_ms else float("nan")
                best = max(best, (s["per_second"], len(users)))
                print(
                    f"  {len(users):>5} {s['per_second']:>7.1f} {run.fmt_ms(s['median']):>8} "
                    f"{run.fmt_ms(s['p95']):>8} {s['errors']:>7} "
                    f"{run.fmt_ms(s['worker_median']):>10} {cpu['loadgen_share']:>8.0%} "
                    f"{cpu['server_share']:>7.0%} {cpu['postgres_share']:>9.0%} "
                    f"{cpu['machine_busy']:>8.0%}"
                )
                record["saturation"].append({"users": len(users), **s, "cpu": cpu})
            if levels:
                print(
                    f"  most: {best[0]:.1f} requests per second, at {best[1]} users "
                    f"({info['cores']} cores)"
                )
    except run.HarnessError as exc:
        print(f"\nload benchmark could not run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; stopping gunicorn and the worker", file=sys.stderr)
        return 130
    finally:
        stop.set()
        servers.stop()

    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\n  load average after: {info['load_average_after']}")
    path = run.record_write(record, "load-")
    print(f"  full record: {path.relative_to(run.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
