"""The relay's mechanics are tested on a returned person (``estafette.testing.fixtures``)."""

from estafette.testing.fixtures import trajectory  # noqa: F401
