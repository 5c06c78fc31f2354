"""Figure 3: imports of a large active user detail report and a large Graph export, run as a
user runs them (`licensehub import ...` in a process of its own, against a fresh ledger),
against the same rows bulk-inserted straight into the same tables (import_baseline.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from sqlalchemy import func, select

from bench.import_baseline import bulk_insert_seconds, raw_load_seconds
from bench.import_files import TENANT, activity_report, graph_export
from bench.import_ledgers import prepared_ledger
from bench.report import Figure, Report
from bench.scale import Scale
from bench.stores import WORK
from licensehub.ledger.database import make_engine
from licensehub.ledger.tables import imports as import_records
from licensehub.ledger.tables import metadata

PEAK_MB = 300  # the bound on an import's peak memory
RUNS = 3  # of each import and its baseline
LICENSEHUB = Path(sys.executable).with_name("licensehub")
MEASURED_RUN = Path(__file__).with_name("measured_run.py")
# An installed licensehub has its bytecode compiled; a run that compiled every module on start
# (PYTHONDONTWRITEBYTECODE is set in this environment) would time the compiler. The cache is
# kept in bench/.work, away from the source tree.
BYTECODE = WORK / "pycache"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    rows: int  # rows in the tables the import writes
    summary: str  # the import's own summary line


@dataclass(frozen=True)
class ImportCase:
    kind: str
    label: str
    target: float  # licensehub's rows/s over the baseline's, at least
    tables: tuple[str, ...]  # what the import writes, parents first
    needs_tenant: bool  # the activity report names no tenant: it must be in the ledger
    # The report is counted, not stored: its import writes a few dozen rows, so its figure
    # says little, and the notes add the cost of storing the report's rows as they are.
    counts_rows: bool = False


REPORT = ImportCase("activity", "active user detail", 0.5, ("license_usage",), True, True)
GRAPH = ImportCase(
    "graph",
    "Graph export",
    0.3,
    ("subscriptions", "users", "license_assignments", "assignment_disabled_plans"),
    False,
)


def imports(report: Report, store: str, scale: Scale) -> None:
    report_file = activity_report(scale.report_rows)
    measure(report, store, REPORT, [report_file], ["--period", "D30"], scale.report_rows)
    measure(report, store, GRAPH, graph_export(scale.graph_users), [], scale.graph_users)


def measure(
    report: Report, store: str, case: ImportCase, files: list[Path], options: list[str], size: int
) -> None:
    """The import and its baseline, turn about, RUNS times, each import into a fresh ledger:
    one pair alone moved by 20% on a busy machine. The figure is the ratio of the medians."""
    runs, baselines = [], []
    for _ in range(RUNS):
        url, partner = prepared_ledger(
            store, f"licensehub_bench_import_{case.kind}", case.needs_tenant
        )
        command = [
            str(LICENSEHUB), "import", case.kind, *map(str, files),
            "--tenant", str(TENANT), "--partner", str(partner), *options,
        ]  # fmt: skip
        run = run_import(command, url, case.tables)
        rows, baseline_seconds = bulk_insert_seconds(url, case.tables)
        assert rows == run.rows, f"the baseline read back {rows} rows, the import wrote {run.rows}"
        if case.counts_rows:
            # The report's import writes a few dozen counts: "the rows it finally writes"
            # would time those against a 1M-row read. Its baseline is the report's own rows,
            # loaded as they are into a table by the same driver (COPY / executemany).
            rows, baseline_seconds = raw_load_seconds(url, files[0])
        runs.append(run)
        baselines.append(baseline_seconds)
    seconds, baseline_seconds = median(r.seconds for r in runs), median(baselines)
    run = runs[-1]
    notes = {
        "input": f"{size:,} {'report rows' if case.kind == 'activity' else 'users'}",
        "files": len(files),
        "rows_written": run.rows,
        "runs": RUNS,
        "seconds": round(seconds, 2),
        "seconds_each": [round(r.seconds, 2) for r in runs],
        "baseline_seconds": round(baseline_seconds, 3),
        "baseline_seconds_each": [round(b, 3) for b in baselines],
        "peak_mb": round(max(r.peak_mb for r in runs), 1),
        "input_per_second": round(size / seconds),
        "summary": run.summary,
    }
    label = f"import {size / 1e3:,.0f}k {case.label}"
    ours, theirs, what = run.rows / seconds, rows / baseline_seconds, "rows written/s"
    if case.counts_rows:
        ours, what = size / seconds, "report rows/s"
        notes["written_rows_per_second"] = round(run.rows / seconds, 2)
        notes["baseline"] = "the report's rows loaded as they are into a table"
    report.add(
        Figure(
            figure=f"{label}: {what}",
            store=store,
            licensehub=ours,
            baseline=theirs,
            unit="rows/s",
            target=case.target,
            direction="at_least",
            notes=notes,
        )
    )
    report.add(
        Figure(
            figure=f"{label}: peak memory",
            store=store,
            licensehub=max(r.peak_mb for r in runs),
            baseline=PEAK_MB,
            unit="MB",
            target=1.0,
            direction="at_most",
            notes=notes,
        )
    )


def run_import(command: list[str], url: str, tables: tuple[str, ...]) -> Run:
    """Time the import's process and read its own peak memory (see measured_run.py for why
    a small process of its own starts it)."""
    environment = os.environ | {
        "LICENSEHUB_DATABASE_URL": url,
        "PYTHONPYCACHEPREFIX": str(BYTECODE),
    }
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as scratch:
        measured = Path(scratch) / "measured"
        finished = subprocess.run(
            [sys.executable, str(MEASURED_RUN), str(measured), *command],
            env=environment,
            cwd=WORK,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        said = finished.stdout.decode(errors="replace").strip()
        if finished.returncode != 0:
            raise RuntimeError(f"{' '.join(command[1:3])} failed ({finished.returncode}): {said}")
        seconds, peak_kib = measured.read_text().split()
    peak_mb = int(peak_kib) / 1024  # ru_maxrss is in KiB on Linux
    return Run(float(seconds), peak_mb, written_rows(url, tables), last_line(said))


def written_rows(url: str, tables: tuple[str, ...]) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            succeeded = connection.execute(
                select(func.count())
                .select_from(import_records)
                .where(import_records.c.status == "succeeded")
            ).scalar_one()
            assert succeeded == 1, "the import left no record of its success"
            return sum(
                connection.execute(
                    select(func.count()).select_from(metadata.tables[t])
                ).scalar_one()
                for t in tables
            )
    finally:
        engine.dispose()


def last_line(text: str) -> str:
    return text.splitlines()[-1] if text else ""
