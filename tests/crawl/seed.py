"""The crawl's seed: ``ESTAFETTE_CRAWL_SEED``, or one chosen at the start of the run.

The main pytest process chooses it (``conftest.pytest_configure``) and puts it in the
environment, so pytest-xdist workers, started after, draw the same samples.
"""

from __future__ import annotations

import os
import random

SEED_VARIABLE = "ESTAFETTE_CRAWL_SEED"


def seed_choose() -> int:
    """The seed given in the environment, or a new one, which is then put there."""
    value = os.environ.get(SEED_VARIABLE, "").strip()
    if not value:
        value = str(random.SystemRandom().randrange(1, 10**6))
        os.environ[SEED_VARIABLE] = value
    return int(value)


def crawl_seed() -> int:
    """Which trajectory pages each role samples; printed in the header and in every failure."""
    return seed_choose()
