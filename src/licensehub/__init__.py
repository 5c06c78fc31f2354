"""licensehub: one ledger of Microsoft cloud licenses, served over four vendor license APIs."""

__version__ = "0.1.0"
