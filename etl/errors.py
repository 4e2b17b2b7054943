"""The ETL's errors: each one ends a run with a message that says what went wrong and where,
and leaves the previous store as it was. The CLI prints them as "ETL failed: …"."""

from __future__ import annotations


class EtlError(RuntimeError):
    """Any failure that ends an ETL run. ``hints`` are printed after the message (what to
    do next: which cached files are suspect, how to refresh them)."""

    def __init__(self, message: str, hints: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.hints: list[str] = list(hints)

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *self.hints])


class SourceDataError(EtlError):
    """A source table holds something the ETL cannot use as it is (a unit that is not the
    catalogue's, two different values for one region and period, …)."""

    def __init__(self, message: str, tables: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.tables = tables  # the source tables at fault (their cached replies are suspect)


class StoreError(EtlError):
    """The new store could not be written (disk full, a DuckDB error, another run)."""
