"""One table of figures, printed and written as JSON under bench/results/."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"

# "at_most": licensehub / baseline must stay under the target (times);
# "at_least": licensehub / baseline must reach it (throughputs).
Direction = Literal["at_most", "at_least"]


@dataclass
class Figure:
    figure: str
    store: str
    licensehub: float
    baseline: float
    unit: str
    target: float
    direction: Direction
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.licensehub / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        if self.direction == "at_most":
            return self.ratio <= self.target
        return self.ratio >= self.target

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": round(self.ratio, 3), "met": self.met}


@dataclass
class Report:
    scale: str
    figures: list[Figure] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        Console(stderr=True, width=200).print(
            f"  {figure.store:<10} {figure.figure:<60} {figure.licensehub:10.2f} "
            f"{figure.baseline:10.2f} {figure.unit:<5} ratio {figure.ratio:6.2f} "
            f"({'met' if figure.met else 'MISSED'})"
        )

    def table(self) -> Table:
        table = Table(title=f"licensehub benchmarks ({self.scale})")
        for column in ("figure", "store", "licensehub", "baseline", "ratio", "target", "met"):
            table.add_column(column, justify="right" if column != "figure" else "left")
        for f in self.figures:
            sign = "≤" if f.direction == "at_most" else "≥"
            table.add_row(
                f.figure,
                f.store,
                f"{f.licensehub:,.2f} {f.unit}",
                f"{f.baseline:,.2f} {f.unit}",
                f"{f.ratio:.2f}",
                f"{sign} {f.target}",
                "yes" if f.met else "[red]no[/]",
            )
        return table

    def write(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.scale}-{self.started:%Y%m%dT%H%M%SZ}.json"
        body = {
            "scale": self.scale,
            "started": self.started.isoformat(),
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "figures": [f.as_dict() for f in self.figures],
        }
        path.write_text(json.dumps(body, indent=2, default=str) + "\n")
        return path
