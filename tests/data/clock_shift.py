"""Run the corpus-builder CLI with the clock moved: ``python tests/data/clock_shift.py DAYS ARGS...``.

Used by tests/test_reproducible.py to build the same release "on another day" in a subprocess:
``time.time``, ``datetime.datetime.now/utcnow/today`` and ``datetime.date.today`` are moved
forward by DAYS days, so any wall-clock date or time that reaches an output file makes the two
builds differ. The compiled dependencies (pyarrow, pandas, spaCy...) are imported first: they
check the size of the datetime classes when they load, and crash on the subclasses below;
corpus-builder is imported after the patch, so a ``from datetime import datetime`` in it sees it.
"""

from __future__ import annotations

import datetime as _dt
import sys
import time

import datasets  # noqa: F401
import pandas  # noqa: F401
import pyarrow  # noqa: F401
import spacy  # noqa: F401

SHIFT = _dt.timedelta(days=float(sys.argv[1]))
_real_time = time.time
time.time = lambda: _real_time() + SHIFT.total_seconds()


class _Date(_dt.date):
    @classmethod
    def today(cls):
        d = _dt.date.fromtimestamp(time.time())
        return cls(d.year, d.month, d.day)


class _DateTime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(time.time(), tz)

    @classmethod
    def utcnow(cls):
        return cls.fromtimestamp(time.time(), _dt.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls):
        return cls.now()


_dt.date = _Date
_dt.datetime = _DateTime
from corpus_builder import cli  # noqa: E402  (after the patch: its `from datetime import ...` see it)

sys.argv = ["corpus-builder", *sys.argv[2:]]
cli.app()
