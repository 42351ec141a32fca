"""Estafette benchmarks: print medians and ratios, never pass or fail.

Run with ``make bench`` or ``.venv/bin/python bench/run.py``; ``--help`` lists the options
and ``bench/README.md`` explains the numbers.

Each benchmark compares two sizes in the same run (the demo's ``small`` and
``national`` datasets), because on a shared machine a ratio measured minutes apart
says far more than an absolute time measured days apart. It does so on both engines
(``--engine``): SQLite files under ``var/bench/``, and PostgreSQL databases
``estafette_bench_small``/``estafette_bench_national`` on the local server
(127.0.0.1:5432, user postgres), each built once with the demo command and reused while
the demo builder and the migrations are unchanged (a fingerprint of their source is
kept in ``var/bench/<scale>.done`` or ``var/bench/pg-<scale>.done``): building the
national one takes minutes. On PostgreSQL the pages also have an absolute target
(national median ≤ 150 ms), and a page above it gets its slowest query explained.

Exit status: 0 whatever the timings say; non-zero only when the harness itself
cannot run (a dataset fails to build, a worker crashes).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"  # gitignored: a history for whoever runs it
SCALES = ("small", "national")
SEED = 2025  # the demo's default seed, passed explicitly so the marker tells the truth
TODAY = "2025-10-06"
"""The application's frozen today, for building and timing alike (ESTAFETTE_TODAY).

The demo's dates are relative to today; freezing it makes every build of a scale the
same data, and keeps "overdue" and "due this week" the same however old the file is.
"""
SLOW_QUERY_SECONDS = 1.0  # a single query this slow is worth showing
RATIO_TARGET = 1.5
"""national/small median time per page: the page should barely notice the country's size."""
PG_TARGET_MS = 150.0
"""On PostgreSQL, the production engine: every page's national median at most this."""

SWEEP_FLOOR_TARGET = 5.0
"""Steady sweep time ÷ floor (plain reads of the same rows the rules read)."""
ONE_TARGET_MS = 50.0
"""Median time to evaluate one trajectory after a change (the after-commit task)."""

ENGINES = ("sqlite", "postgresql")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
"""The local PostgreSQL server (trust authentication), loopback only."""
PG_DATABASES = {"small": "estafette_bench_small", "national": "estafette_bench_national"}

# What a dataset depends on: when any of these change, the stored dataset is stale.
FINGERPRINT_GLOBS = (
    "src/estafette/demo/**/*.py",
    "src/estafette/*/migrations/*.py",
    "src/estafette/organisations/data/**/*",  # the reference data the demo reads
)
COUNTED_TABLES = {
    "trajectories": "trajectories_trajectory",
    "events": "trajectories_trajectoryevent",
    "handovers": "handovers_handover",
    "organisations": "organisations_organisation",
    "live signals": "signals_signal WHERE state <> 'resolved'",
}


class HarnessError(Exception):
    """The benchmark could not run at all (as opposed to running slowly)."""


# --- datasets ---------------------------------------------------------------------------


def fingerprint() -> str:
    """A hash of the demo builder, the migrations and the reference data."""
    digest = hashlib.sha256()
    for pattern in FINGERPRINT_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def pg_connect(dbname: str = "postgres") -> Any:
    """An autocommit connection to ``dbname`` on the local server (psycopg is locked)."""
    import psycopg

    try:
        return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        raise HarnessError(f"PostgreSQL at {PG_SERVER}/{dbname}: {exc}".strip()) from exc


def pg_version() -> str | None:
    """The server's version, or None when no server answers (then PostgreSQL is skipped)."""
    try:
        with pg_connect() as connection:
            return str(connection.execute("SHOW server_version").fetchone()[0])
    except HarnessError:
        return None


@dataclass(frozen=True)
class Dataset:
    """One demo dataset: a scale on an engine (a SQLite file or a PostgreSQL database)."""

    engine: str
    scale: str

    @property
    def path(self) -> Path:
        """The SQLite file (SQLite only)."""
        return BENCH_DIR / f"{self.scale}.sqlite3"

    @property
    def pg_name(self) -> str:
        return PG_DATABASES[self.scale]

    @property
    def url(self) -> str:
        """The DATABASE_URL a Django process on this dataset gets."""
        if self.engine == "sqlite":
            return f"sqlite:///{self.path}"
        return f"{PG_SERVER}/{self.pg_name}"

    @property
    def marker(self) -> Path:
        """Written only after a complete build; see :func:`dataset_ensure`."""
        prefix = "" if self.engine == "sqlite" else "pg-"
        return BENCH_DIR / f"{prefix}{self.scale}.done"

    @property
    def label(self) -> str:
        if self.engine == "sqlite":
            return str(self.path.relative_to(ROOT))
        return f"postgresql/{self.pg_name}"

    def exists(self) -> bool:
        if self.engine == "sqlite":
            return self.path.exists()
        with pg_connect() as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.pg_name,)
            ).fetchone()
        return found is not None

    def create_empty(self) -> None:
        """Remove what is there and start from an empty database (or no file)."""
        if self.engine == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg
        from psycopg import sql

        name = sql.Identifier(self.pg_name)
        with pg_connect() as connection:
            try:
                # No FORCE: a database someone is connected to is not ours to pull away.
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
            except psycopg.Error as exc:
                raise HarnessError(
                    f"cannot drop {self.pg_name} to rebuild it ({exc}); is it in use?"
                ) from exc
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))

    def analyze(self, *, vacuum: bool = False) -> None:
        """Fresh planner statistics (PostgreSQL), as autovacuum would leave them in time.

        After a build, VACUUM too: a bulk-loaded table has no visibility map yet, which
        makes index-only scans visit the heap, unlike a database in steady use.
        """
        if self.engine != "postgresql":
            return
        started = time.monotonic()
        with pg_connect(self.pg_name) as connection:
            connection.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
        what = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        print(f"    {what} {self.pg_name}: {time.monotonic() - started:.1f} s", flush=True)

    def counts(self) -> dict[str, int]:
        """Row counts that say how big a dataset is (read straight from the database)."""
        counts = {}
        if self.engine == "sqlite":
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as connection:
                for label, table in COUNTED_TABLES.items():
                    try:
                        query = f"SELECT count(*) FROM {table}"  # noqa: S608 (our constants)
                        counts[label] = connection.execute(query).fetchone()[0]
                    except sqlite3.Error:
                        counts[label] = -1
            return counts
        import psycopg

        with pg_connect(self.pg_name) as connection:
            for label, table in COUNTED_TABLES.items():
                try:
                    query = f"SELECT count(*) FROM {table}"  # noqa: S608 (our constants)
                    counts[label] = connection.execute(query).fetchone()[0]
                except psycopg.Error:
                    counts[label] = -1
        return counts


def django_env(url: str) -> dict[str, str]:
    """Environment for a Django subprocess on the database ``url`` (a DATABASE_URL)."""
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    env["ESTAFETTE_TODAY"] = TODAY
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    return env


def manage(url: str, *args: str, env: dict[str, str] | None = None) -> None:
    """Run ``manage.py`` on the database ``url``; raise HarnessError if it fails.

    ``env``: the whole environment instead of :func:`django_env` (other settings).
    """
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    print(f"    $ manage.py {' '.join(args)}", flush=True)
    # The command line is ours (no user input), hence no shell and no injection risk.
    env = env or django_env(url)
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    if done.returncode != 0:
        raise HarnessError(f"manage.py {' '.join(args)} failed with exit {done.returncode}")


@contextlib.contextmanager
def build_lock(dataset: Dataset) -> Iterator[None]:
    """One run at a time checks or builds a dataset; a second one waits for the first."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with open(f"{dataset.marker}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"  {dataset.label}: another run is building or checking it; waiting")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def marker_info(dataset: Dataset, *, built_at: str, build_seconds: float) -> dict[str, Any]:
    return {
        "engine": dataset.engine,
        "scale": dataset.scale,
        "database": dataset.label,
        "seed": SEED,
        "today": TODAY,
        "fingerprint": fingerprint(),
        "built_at": built_at,
        "build_seconds": build_seconds,
    }


def dataset_ready(dataset: Dataset) -> None:
    """Bring a complete dataset up to date before timing it (idempotent, seconds).

    New migrations apply (installed apps' own, django-tasks-db, are not in the
    fingerprint); the signal sweep leaves the signals the daily sweep would, so the
    signal inbox shows what it would in use, whatever ran before; PostgreSQL gets
    fresh statistics.
    """
    manage(dataset.url, "migrate", "--no-input", "-v", "0")
    manage(dataset.url, "sweep")
    dataset.analyze()


def dataset_ensure(
    scale: str, *, rebuild: bool, keep_stale: bool, engine: str = "sqlite"
) -> tuple[Dataset, dict[str, Any]]:
    """The dataset for ``scale`` on ``engine``, built now unless a complete, current one exists.

    A dataset is complete once its marker file exists *and* its database does: the
    marker is written only after migrate and the demo build have both succeeded (a
    PostgreSQL database dropped by hand leaves a marker that no longer counts).
    """
    dataset = Dataset(engine, scale)
    with build_lock(dataset):
        return dataset, _dataset_ensure(dataset, rebuild=rebuild, keep_stale=keep_stale)


def _dataset_ensure(dataset: Dataset, *, rebuild: bool, keep_stale: bool) -> dict[str, Any]:
    scale, marker = dataset.scale, dataset.marker
    wanted = fingerprint()
    if marker.exists() and not rebuild and dataset.exists():
        info: dict[str, Any] = json.loads(marker.read_text())
        if info.get("fingerprint") == wanted and info.get("today") == TODAY:
            dataset_ready(dataset)
            return info
        if keep_stale:
            print(f"  {dataset.label}: demo or migrations changed since the build; kept (--keep)")
            # New migrations still apply, so the code under test finds its schema.
            dataset_ready(dataset)
            return info
        print(f"  {dataset.label}: demo or migrations changed since the build; rebuilding")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    dataset.create_empty()
    print(f"  building the {scale} dataset in {dataset.label} (national: minutes)")
    started = time.monotonic()
    manage(dataset.url, "migrate", "--no-input", "-v", "0")
    manage(dataset.url, "demo", "--scale", scale, "--seed", str(SEED), "--fresh")
    manage(dataset.url, "sweep")
    dataset.analyze(vacuum=True)
    info = marker_info(
        dataset,
        built_at=dt.datetime.now().isoformat(timespec="seconds"),
        build_seconds=round(time.monotonic() - started, 1),
    )
    marker.write_text(json.dumps(info, indent=2) + "\n")
    return info


# --- workers ----------------------------------------------------------------------------


def run_worker(script: str, dataset: Dataset, *args: str) -> dict[str, Any]:
    """Run a benchmark worker in its own Django process on ``dataset``; return its JSON result.

    One process per dataset, so no connection, cache or import state leaks from one
    dataset's measurement into the other's.
    """
    command = [sys.executable, str(ROOT / "bench" / script), "--db", dataset.url, *args]
    # Our own fixed command line, as in manage(). The worker's progress and warnings go
    # to stderr, straight through to the console; its result comes on stdout.
    done = subprocess.run(  # noqa: S603
        command,
        cwd=ROOT,
        env=django_env(dataset.url),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise HarnessError(f"{script} on {dataset.label} failed with exit {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- statistics and printing ------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (``fraction`` 0.9 for p90)."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarise(samples: list[float]) -> dict[str, float]:
    """Median, 90th percentile (nearest rank) and spread of timings in milliseconds."""
    ordered = sorted(samples)
    return {
        "median": statistics.median(ordered),
        "p90": percentile(ordered, 0.9),
        "min": ordered[0],
        "n": len(ordered),
    }


def machine_info() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in load],
    }


def fmt_ms(ms: float) -> str:
    """Milliseconds, readable from 2.5 to 110,000 (a dash for none)."""
    if math.isnan(ms):
        return "—"
    return f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


ABOVE = "  (above target)"


def print_pages(results: dict[str, dict[str, Any]], n: int, engine: str) -> list[dict[str, Any]]:
    """Print the page-timing table of one engine and return its rows (for the JSON record)."""
    small, national = results["small"], results["national"]
    pg = engine == "postgresql"
    print(
        f"\npage timings on {engine} — ms per GET through Django's test client, "
        f"up to N={n} per cell"
    )
    print(
        "  median / p90 (n = samples taken, fewer when a page outran the time budget);\n"
        "  q = SQL queries per request; ratio = national median / small median"
        + (f";\n  on PostgreSQL also: national median ≤ {PG_TARGET_MS:g} ms" if pg else "")
    )
    header = (
        f"  {'user':<12} {'page':<18} {'small':>19} {'q':>3}  {'national':>21} {'q':>3}"
        f"  {'ratio':>6}  target"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    rows = []
    for key, s in small["cells"].items():
        nat = national["cells"].get(key)
        if nat is None:
            continue
        user, page = key.split("|")
        if s.get("error") or nat.get("error"):
            print(f"  {user:<12} {page:<18} error: {s.get('error') or nat.get('error')}")
            continue
        ss, ns = summarise(s["samples"]), summarise(nat["samples"])
        ratio = ns["median"] / ss["median"] if ss["median"] else float("nan")
        target = f"≤ {RATIO_TARGET}" + ("" if ratio <= RATIO_TARGET else ABOVE)
        if pg:
            target += f";  national ≤ {PG_TARGET_MS:g} ms" + (
                "" if ns["median"] <= PG_TARGET_MS else ABOVE
            )
        cell_s = f"{fmt_ms(ss['median'])} / {fmt_ms(ss['p90'])} ({ss['n']})"
        cell_n = f"{fmt_ms(ns['median'])} / {fmt_ms(ns['p90'])} ({ns['n']})"
        print(
            f"  {user:<12} {page:<18} {cell_s:>19} {s['queries']:>3}  {cell_n:>21} "
            f"{nat['queries']:>3}  {ratio:6.2f}  {target}"
        )
        rows.append(
            {
                "user": user,
                "page": page,
                "small": {**ss, "queries": s["queries"], "detail": s.get("detail", {})},
                "national": {**ns, "queries": nat["queries"], "detail": nat.get("detail", {})},
                "ratio": ratio,
                "target": RATIO_TARGET,
                **({"target_ms": PG_TARGET_MS} if pg else {}),
            }
        )
    print("\n  what was timed")
    for key, s in small["cells"].items():
        nat = national["cells"].get(key, {})
        user, page = key.split("|")
        for scale, cell in (("small", s), ("national", nat)):
            facts = [f"{k.replace('_', ' ')} {v:,}" for k, v in cell.get("detail", {}).items()]
            if "sql_ms" in cell:
                facts.append(f"SQL {fmt_ms(cell['sql_ms'])} ms of the first request")
            slowest = cell.get("slowest_query")
            if slowest:
                facts.append(f"slowest query {fmt_ms(slowest['seconds'] * 1000)} ms")
            print(f"  {user:<12} {page:<18} {scale:<9} {cell.get('url', '?')}  {', '.join(facts)}")
            if slowest and slowest["seconds"] >= SLOW_QUERY_SECONDS:
                print(f"    slow query: {slowest['sql'][:700]}…")
    if pg:
        print_plans(results)
    return rows


def print_plans(results: dict[str, dict[str, Any]]) -> None:
    """The slowest query of each page above the PostgreSQL target, with its plan."""
    explained = [
        (scale, key, cell)
        for scale, result in results.items()
        for key, cell in result["cells"].items()
        if cell.get("explain")
    ]
    if not explained:
        return
    print(
        f"\n  query plans — pages whose median is above {PG_TARGET_MS:g} ms: the slowest query"
        "\n  of one more (warm) request, and EXPLAIN (ANALYZE, BUFFERS) of it"
    )
    for scale, key, cell in explained:
        user, page = key.split("|")
        plan = cell["explain"]
        median = statistics.median(cell["samples"])
        share = plan["sql_ms"] / plan["request_ms"] if plan["request_ms"] else float("nan")
        print(
            f"\n  --- {user} {page} on {scale}: median {fmt_ms(median)} ms; the explained "
            f"request took {fmt_ms(plan['request_ms'])} ms with {plan['queries']} queries, "
            f"SQL {fmt_ms(plan['sql_ms'])} ms ({share:.0%}; the rest is Python: middleware, "
            f"view, template); slowest query {fmt_ms(plan['ms'])} ms:"
        )
        sql = plan["sql"]
        print("    " + (sql if len(sql) <= 1500 else sql[:1500] + " … (whole in the record)"))
        print("    plan:")
        for line in plan["plan"]:
            print(f"      {line}")


def print_sweep(results: dict[str, dict[str, Any]], engine: str = "sqlite") -> dict[str, Any]:
    """Print the sweep table of one engine and return it (for the JSON record)."""
    print(f"\nsignal sweep on {engine} — ms, median (n); bench/sweep.py")
    print(
        "  first = every signal raised from none (rolled back); steady = the daily sweep once\n"
        "  the signals exist; floor = plain reads of the rows the rules read; one = the\n"
        "  evaluate_trajectory task for one trajectory after its release date moved"
    )
    header = (
        f"  {'dataset':<9} {'live':>7} {'signals':>8} {'first':>10} {'steady':>10} "
        f"{'per live':>9} {'floor':>8} {'ratio':>6}  {'one':>7} {'one p90':>8} {'q':>5}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    record: dict[str, Any] = {}
    for scale, r in results.items():
        first = statistics.median(r["first"]) if r["first"] else float("nan")
        steady, floor = summarise(r["steady"]), summarise(r["floor"])
        one = summarise(r["one"])
        ratio = steady["median"] / floor["median"] if floor["median"] else float("nan")
        per_live = steady["median"] / r["live"] if r["live"] else float("nan")
        queries = f"{min(r['one_queries'])}-{max(r['one_queries'])}"
        print(
            f"  {scale:<9} {r['live']:>7,} {r['live_signals']:>8,} {fmt_ms(first):>10} "
            f"{fmt_ms(steady['median']):>10} {per_live:>9.3f} {fmt_ms(floor['median']):>8} "
            f"{ratio:>6.1f}  {fmt_ms(one['median']):>7} {fmt_ms(one['p90']):>8} {queries:>5}"
        )
        record[scale] = {
            **r,
            "ratio": ratio,
            "per_live_ms": per_live,
            "one_median": one["median"],
        }
    print(
        f"  targets: steady / floor ≤ {SWEEP_FLOOR_TARGET:g}; one ≤ {ONE_TARGET_MS:g} ms "
        "(median); q = queries of one evaluation (min-max), the same on both datasets"
    )
    for scale, r in record.items():
        notes = []
        if r["ratio"] > SWEEP_FLOOR_TARGET:
            notes.append(f"sweep ratio {r['ratio']:.1f} above target")
        if r["one_median"] > ONE_TARGET_MS:
            notes.append(f"one evaluation {fmt_ms(r['one_median'])} ms above target")
        if notes:
            print(f"  {scale}: " + "; ".join(notes))
        print(
            f"  {scale}: {r['sweep_queries']} queries per sweep; first sweep raised "
            f"{r.get('first_raised', 0):,} signals; floor read {r['floor_rows']:,} rows"
        )
    return record


# --- main -------------------------------------------------------------------------------


def record_write(record: dict[str, Any], prefix: str = "") -> Path:
    """Write a run's full record, raw timings included, to bench/results/ (gitignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{prefix}{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def engines_available(choice: str, info: dict[str, Any]) -> tuple[str, ...]:
    """The engines to run: PostgreSQL is skipped with a message if no server answers,
    unless it was asked for by name (then the harness cannot run)."""
    engines = ENGINES if choice == "both" else (choice,)
    if "postgresql" not in engines:
        return engines
    version = pg_version()
    if version is None:
        if choice == "postgresql":
            raise HarnessError(f"no PostgreSQL server answers at {PG_SERVER}")
        print(
            f"  PostgreSQL: no server answers at {PG_SERVER}; skipped (SQLite only). "
            "Start it, or pass --engine sqlite to say so."
        )
        return tuple(e for e in engines if e != "postgresql")
    info["postgresql"] = version
    print(f"  PostgreSQL {version} at {PG_SERVER}")
    return engines


def datasets_ensure(engine: str, *, rebuild: bool, keep: bool) -> dict[str, Any]:
    """Both scales on ``engine``, built or brought up to date; printed with their sizes."""
    print(f"\ndatasets on {engine}")
    datasets: dict[str, Any] = {}
    for scale in SCALES:
        dataset, built = dataset_ensure(scale, rebuild=rebuild, keep_stale=keep, engine=engine)
        counts = dataset.counts()
        datasets[scale] = {"dataset": dataset, "record": {**built, "counts": counts}}
        print(
            f"  {scale:<9} {dataset.label:<34} "
            + "  ".join(f"{k} {v:,}" for k, v in counts.items())
            + f"  (built {built.get('built_at', '?')})"
        )
    return datasets


def pages_time(engine: str, datasets: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Run the page worker on both scales, ``--rounds`` times alternating; pool the samples."""
    pooled: dict[str, dict[str, Any]] = {}
    extra = ["--explain-above", str(PG_TARGET_MS)] if engine == "postgresql" else []
    for round_no in range(args.rounds):
        for scale in SCALES if round_no % 2 == 0 else tuple(reversed(SCALES)):
            print(
                f"  timing pages on {engine} {scale} (round {round_no + 1}/{args.rounds})",
                flush=True,
            )
            result = run_worker(
                "pages.py",
                datasets[scale]["dataset"],
                "--n",
                str(args.n),
                "--budget",
                str(args.budget),
                *extra,
            )
            merged = pooled.setdefault(scale, {"cells": {}})
            for key, cell in result["cells"].items():
                if key in merged["cells"]:
                    merged["cells"][key]["samples"].extend(cell.get("samples", []))
                    if cell.get("explain") and not merged["cells"][key].get("explain"):
                        merged["cells"][key]["explain"] = cell["explain"]
                else:
                    merged["cells"][key] = cell
    return pooled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="timed GETs per page (default 30)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds per page and dataset after which no more samples are taken "
        "(at least one is; default 60)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate small and national this many times and pool the samples "
        "(spreads slow phases of a noisy machine over both; default 1)",
    )
    parser.add_argument(
        "--only",
        choices=("pages", "sweep"),
        help="run only the page timings or only the signal sweep (default: both)",
    )
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help="SQLite files, PostgreSQL databases on 127.0.0.1:5432, or both (default; "
        "PostgreSQL is skipped with a message when no server answers)",
    )
    parser.add_argument(
        "--sweeps", type=int, default=3, help="steady sweeps timed per dataset (default 3)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the datasets afresh")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse complete datasets even if the demo or migrations changed since",
    )
    args = parser.parse_args()

    info = machine_info()
    print("Estafette benchmarks — medians and ratios, never pass/fail")
    print(
        f"  machine: {info['cores']} cores, load average {info['load_average']}, "
        f"{info['platform']}, Python {info['python']}, SQLite {info['sqlite']}"
    )
    print(
        "  note: this machine is shared and noisy; trust ratios within one run more than\n"
        "  absolute times across runs, and p90 far above the median means interference."
    )
    record: dict[str, Any] = {"machine": info, "datasets": {}, "pages": {}, "sweep": {}}
    try:
        for engine in engines_available(args.engine, info):
            datasets = datasets_ensure(engine, rebuild=args.rebuild, keep=args.keep)
            record["datasets"][engine] = {s: d["record"] for s, d in datasets.items()}
            if args.only != "sweep":
                pooled = pages_time(engine, datasets, args)
                record["pages"][engine] = print_pages(pooled, args.n * args.rounds, engine)
                record["plans"] = {
                    **record.get("plans", {}),
                    **{
                        f"{engine}|{scale}|{key}": cell["explain"]
                        for scale, result in pooled.items()
                        for key, cell in result["cells"].items()
                        if cell.get("explain")
                    },
                }
            if args.only != "pages":
                sweeps: dict[str, Any] = {}
                for scale in SCALES:
                    print(f"  timing the signal sweep on {engine} {scale}", flush=True)
                    sweeps[scale] = run_worker(
                        "sweep.py",
                        datasets[scale]["dataset"],
                        "--n",
                        str(args.n),
                        "--sweeps",
                        str(args.sweeps),
                    )
                record["sweep"][engine] = print_sweep(sweeps, engine)
    except HarnessError as exc:
        print(f"\nbench could not run: {exc}", file=sys.stderr)
        return 1

    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\n  load average after: {info['load_average_after']}")
    path = record_write(record)
    print(f"  full record: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
