"""python -m bench [--scale smoke|full] [--store sqlite] [--store postgresql] [--only NAME]"""

from __future__ import annotations

import click
from rich.console import Console

from bench import analytics, imports, lookups
from bench.report import Report
from bench.scale import SCALES
from bench.stores import StoreUnavailable
from licensehub.kit.large_buffers import keep_large_buffers
from licensehub.kit.logging import configure as configure_logging

FIGURES = {
    "analytics": analytics.analytics_at_scale,
    "growth": analytics.growth,
    "imports": imports.imports,
    "lookups": lookups.point_lookups,
}


@click.command()
@click.option("--scale", type=click.Choice(sorted(SCALES)), default="smoke", show_default=True)
@click.option(
    "--store",
    "stores",
    multiple=True,
    type=click.Choice(["sqlite", "postgresql"]),
    default=("sqlite", "postgresql"),
    show_default=True,
)
@click.option("--only", multiple=True, type=click.Choice(sorted(FIGURES)), help="Some figures.")
def main(scale: str, stores: tuple[str, ...], only: tuple[str, ...]) -> None:
    configure_logging("WARNING", "console")  # the in-process app's request lines are noise here
    # This process is the analytics' client: it reads the same 1-4 MB bodies the server
    # writes, and its allocator is set as the served app sets its own. It would be anyway,
    # once an in-process app has started (bench.sql_capture); set here, it is so from the
    # first figure on.
    keep_large_buffers()
    console = Console(stderr=True)
    report = Report(scale)
    for store in stores:
        for name, run in FIGURES.items():
            if only and name not in only:
                continue
            console.print(f"[bold]{name}[/] on {store} ({scale})")
            try:
                run(report, store, SCALES[scale])
            except StoreUnavailable as exc:
                console.print(f"[yellow]skipped {store}: {exc}[/]")
                break
    Console().print(report.table())
    console.print(f"written to {report.write()}")
    missed = [f for f in report.figures if not f.met]
    if missed:
        console.print(f"[yellow]{len(missed)} target(s) missed; see the README's Benchmarks[/]")


main()
