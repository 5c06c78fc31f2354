"""Importers: one module per file format partners really have, on one machinery (runner.py).

Each module has a KIND and an IMPORTER (see base.Importer); REGISTRY maps kinds to modules,
imported on first use so that the CLI starts fast.
"""

from __future__ import annotations

import importlib

from licensehub.importers.base import Importer

REGISTRY = {
    "catalog": "licensehub.importers.catalog",
    "graph": "licensehub.importers.graph",
    "activity": "licensehub.importers.activity",
    "usage": "licensehub.importers.usage",
    "teams-numbers": "licensehub.importers.teams_numbers",
    "veeam": "licensehub.importers.veeam",
}


def importer_for(kind: str) -> Importer:
    module = importlib.import_module(REGISTRY[kind])
    importer: Importer = module.IMPORTER
    return importer
