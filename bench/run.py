"""Estafette benchmarks: print medians and ratios, never pass or fail.

Run with ``make bench`` or ``.venv/bin/python bench/run.py``; ``--help`` lists the options
and ``bench/README.md`` explains the numbers.

Each benchmark compares two sizes in the same run (the demo's ``small`` and
``national`` datasets), because on a shared machine a ratio measured minutes apart
says far more than an absolute time measured days apart. The datasets are SQLite
files under ``var/bench/``, built once with the demo command and reused while the
demo builder and the migrations are unchanged (a fingerprint of their source is kept
in ``var/bench/<scale>.done``): building the national one takes minutes.

Exit status: 0 whatever the timings say; non-zero only when the harness itself
cannot run (a dataset fails to build, a worker crashes).
"""

from __future__ import annotations

import argparse
import datetime as dt
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

SWEEP_FLOOR_TARGET = 5.0
"""Steady sweep time ÷ floor (plain reads of the same rows the rules read)."""
ONE_TARGET_MS = 50.0
"""Median time to evaluate one trajectory after a change (the after-commit task)."""

# What a dataset depends on: when any of these change, the stored dataset is stale.
FINGERPRINT_GLOBS = (
    "src/estafette/demo/**/*.py",
    "src/estafette/*/migrations/*.py",
    "data/**/*",
)


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


def dataset_paths(scale: str) -> tuple[Path, Path]:
    return BENCH_DIR / f"{scale}.sqlite3", BENCH_DIR / f"{scale}.done"


def django_env(db: Path) -> dict[str, str]:
    """Environment for a Django subprocess on the dataset ``db``."""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{db}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    env["ESTAFETTE_TODAY"] = TODAY
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    return env


def manage(db: Path, *args: str) -> None:
    """Run ``manage.py`` on the dataset ``db``; raise HarnessError if it fails."""
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    print(f"    $ manage.py {' '.join(args)}", flush=True)
    # The command line is ours (no user input), hence no shell and no injection risk.
    done = subprocess.run(command, cwd=ROOT, env=django_env(db), check=False)  # noqa: S603
    if done.returncode != 0:
        raise HarnessError(f"manage.py {' '.join(args)} failed with exit {done.returncode}")


def dataset_ensure(scale: str, *, rebuild: bool, keep_stale: bool) -> tuple[Path, dict[str, Any]]:
    """The SQLite file for ``scale``, built now unless a complete, current one exists.

    A dataset is complete once its marker file exists: the marker is written only
    after migrate and the demo build have both succeeded.
    """
    db, marker = dataset_paths(scale)
    wanted = fingerprint()
    if db.exists() and marker.exists() and not rebuild:
        info = json.loads(marker.read_text())
        if info.get("fingerprint") == wanted and info.get("today") == TODAY:
            # Installed apps' own migrations (django-tasks-db) are not in the fingerprint.
            manage(db, "migrate", "--no-input", "-v", "0")
            return db, info
        if keep_stale:
            print(f"  {scale}: demo or migrations changed since the build; reusing it (--keep)")
            # New migrations still apply, so the code under test finds its schema.
            manage(db, "migrate", "--no-input", "-v", "0")
            return db, info
        print(f"  {scale}: demo or migrations changed since the build; rebuilding")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(f"  building the {scale} dataset in {db.relative_to(ROOT)} (national: minutes)")
    started = time.monotonic()
    manage(db, "migrate", "--no-input", "-v", "0")
    manage(db, "demo", "--scale", scale, "--seed", str(SEED), "--fresh")
    info = {
        "scale": scale,
        "seed": SEED,
        "today": TODAY,
        "fingerprint": wanted,
        "built_at": dt.datetime.now().isoformat(timespec="seconds"),
        "build_seconds": round(time.monotonic() - started, 1),
    }
    marker.write_text(json.dumps(info, indent=2) + "\n")
    return db, info


def dataset_counts(db: Path) -> dict[str, int]:
    """Row counts that say how big a dataset is (read straight from the file)."""
    tables = {
        "trajectories": "trajectories_trajectory",
        "events": "trajectories_trajectoryevent",
        "handovers": "handovers_handover",
        "organisations": "organisations_organisation",
    }
    counts = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        for label, table in tables.items():
            try:
                counts[label] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            except sqlite3.Error:
                counts[label] = -1
    return counts


# --- workers ----------------------------------------------------------------------------


def run_worker(script: str, db: Path, *args: str) -> dict[str, Any]:
    """Run a benchmark worker in its own Django process on ``db``; return its JSON result.

    One process per dataset, so no connection, cache or import state leaks from one
    dataset's measurement into the other's.
    """
    command = [sys.executable, str(ROOT / "bench" / script), "--db", str(db), *args]
    # Our own fixed command line, as in manage(). The worker's progress and warnings go
    # to stderr, straight through to the console; its result comes on stdout.
    done = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=django_env(db), stdout=subprocess.PIPE, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise HarnessError(f"{script} on {db.name} failed with exit {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- statistics and printing ------------------------------------------------------------


def summarise(samples: list[float]) -> dict[str, float]:
    """Median, 90th percentile (nearest rank) and spread of timings in milliseconds."""
    ordered = sorted(samples)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return {
        "median": statistics.median(ordered),
        "p90": p90,
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
    """Milliseconds, readable from 2.5 to 110,000."""
    return f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def print_pages(results: dict[str, dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """Print the page-timing table and return its rows (for the JSON record)."""
    small, national = results["small"], results["national"]
    print(f"\npage timings — ms per GET through Django's test client, up to N={n} per cell")
    print(
        "  median / p90 (n = samples taken, fewer when a page outran the time budget);\n"
        "  q = SQL queries per request; ratio = national median / small median"
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
        flag = "" if ratio <= RATIO_TARGET else "  (above target)"
        cell_s = f"{fmt_ms(ss['median'])} / {fmt_ms(ss['p90'])} ({ss['n']})"
        cell_n = f"{fmt_ms(ns['median'])} / {fmt_ms(ns['p90'])} ({ns['n']})"
        print(
            f"  {user:<12} {page:<18} {cell_s:>19} {s['queries']:>3}  {cell_n:>21} "
            f"{nat['queries']:>3}  {ratio:6.2f}  ≤ {RATIO_TARGET}{flag}"
        )
        rows.append(
            {
                "user": user,
                "page": page,
                "small": {**ss, "queries": s["queries"], "detail": s.get("detail", {})},
                "national": {**ns, "queries": nat["queries"], "detail": nat.get("detail", {})},
                "ratio": ratio,
                "target": RATIO_TARGET,
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
    return rows


def print_sweep(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Print the sweep table and return it (for the JSON record)."""
    print("\nsignal sweep — ms, median (n); bench/sweep.py")
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
    try:
        print("\ndatasets")
        datasets = {}
        for scale in SCALES:
            db, built = dataset_ensure(scale, rebuild=args.rebuild, keep_stale=args.keep)
            counts = dataset_counts(db)
            datasets[scale] = {"path": str(db.relative_to(ROOT)), **built, "counts": counts}
            print(
                f"  {scale:<9} {db.relative_to(ROOT)!s:<28} "
                + "  ".join(f"{k} {v:,}" for k, v in counts.items())
                + f"  (built {built.get('built_at', '?')})"
            )

        pooled: dict[str, dict[str, Any]] = {}
        for round_no in range(args.rounds if args.only != "sweep" else 0):
            for scale in SCALES if round_no % 2 == 0 else tuple(reversed(SCALES)):
                db = ROOT / datasets[scale]["path"]
                print(f"  timing pages on {scale} (round {round_no + 1}/{args.rounds})", flush=True)
                result = run_worker(
                    "pages.py", db, "--n", str(args.n), "--budget", str(args.budget)
                )
                merged = pooled.setdefault(scale, {"cells": {}})
                for key, cell in result["cells"].items():
                    if key in merged["cells"]:
                        merged["cells"][key]["samples"].extend(cell.get("samples", []))
                    else:
                        merged["cells"][key] = cell
        rows = print_pages(pooled, args.n * args.rounds) if pooled else []
        sweeps: dict[str, Any] = {}
        if args.only != "pages":
            for scale in SCALES:
                db = ROOT / datasets[scale]["path"]
                print(f"  timing the signal sweep on {scale}", flush=True)
                sweeps[scale] = run_worker(
                    "sweep.py", db, "--n", str(args.n), "--sweeps", str(args.sweeps)
                )
            sweep_record = print_sweep(sweeps)
        else:
            sweep_record = {}
    except HarnessError as exc:
        print(f"\nbench could not run: {exc}", file=sys.stderr)
        return 1

    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\n  load average after: {info['load_average_after']}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = RESULTS_DIR / f"{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    record.write_text(
        json.dumps(
            {"machine": info, "datasets": datasets, "pages": rows, "sweep": sweep_record},
            indent=2,
        )
        + "\n"
    )
    print(f"  full record: {record.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
