"""Faults stay local: background work over many records, where one bad record stops no other.

The sweep, the expiry of handovers and consents and the notifications each
handle many records. One that raises (a value the arithmetic cannot take, a
rendering error, an address the mail library refuses) is *logged with its
id*, reported, and left for the next run, which tries it again; every other
record is still handled. What is not one record's fault — the database gone,
locked or refusing to serialise (:data:`NOT_LOCAL`) — is raised as before:
the whole run fails and is tried again.

* :func:`isolated` — a ``with`` block for one record, in a savepoint, that
  swallows (and reports) the record's failure; :func:`set_aside` reports one
  the caller caught itself;
* :class:`Report` — what a run tells its caller: how many records it tried,
  and each :class:`Failure` (the record's id, the error's class and message);
* :func:`partial` — the sentence a run reports when some records failed:
  "partial: N of M could not be …".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import InterfaceError, OperationalError, transaction

logger = logging.getLogger(__name__)

NOT_LOCAL: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
"""Errors of the database itself (gone, locked, a serialisation failure): never one record's."""

ERROR_MAX = 500
"""Longest error text kept in a report (class and message)."""


@dataclass(frozen=True)
class Failure:
    """One record that could not be handled in this run: its id and the error."""

    id: int
    error: str


@dataclass
class Report:
    """Filled in by a run over many records: how many it tried, and which failed."""

    tried: int = 0
    failures: list[Failure] = field(default_factory=list)

    def partial(self, could_not: str) -> str:
        """``"partial: N of M could not be <could_not>"``, or ``""`` when none failed."""
        return partial(len(self.failures), self.tried, could_not) if self.failures else ""

    def as_result(self, could_not: str, **counts: int) -> dict[str, object]:
        """``counts`` for a task result, with ``partial`` and the failures when some failed."""
        result: dict[str, object] = {**counts, "failed": len(self.failures)}
        if self.failures:
            result["partial"] = self.partial(could_not)
            result["failures"] = [f"#{f.id}: {f.error}" for f in self.failures[:FAILURES_SHOWN]]
        return result


FAILURES_SHOWN = 100
"""At most this many failures are listed in a task result (all of them are in the log)."""


def describe(error: BaseException) -> str:
    """``"ClassName: message"``, cut to :data:`ERROR_MAX` characters."""
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


@contextmanager
def isolated(what: str, record_id: int, report: Report | None = None) -> Iterator[None]:
    """Run the block for one record in a savepoint; if it raises, log it and carry on.

    The record's writes are rolled back (the savepoint), the error is logged
    with ``what`` and ``record_id`` and added to ``report`` when given (which
    counts the record as tried either way), and the exception is swallowed, so
    the caller's loop goes on with the next record. :data:`NOT_LOCAL` errors are
    raised: they are no record's fault.
    """
    if report is not None:
        report.tried += 1
    try:
        with transaction.atomic():
            yield
    except NOT_LOCAL:
        raise
    except Exception as error:
        set_aside(what, record_id, error, report)


def set_aside(
    what: str, record_id: int, error: BaseException, report: Report | None = None
) -> None:
    """Log that ``what`` ``record_id`` could not be handled (with the traceback); report it."""
    logger.error("%s %s could not be handled: %s", what, record_id, describe(error), exc_info=error)
    if report is not None:
        report.failures.append(Failure(record_id, describe(error)))


def partial(failed: int, of: int, could_not: str) -> str:
    """E.g. ``"partial: 1 of 412 could not be evaluated"``: the report of a partial run."""
    return f"partial: {failed} of {of} could not be {could_not}"
