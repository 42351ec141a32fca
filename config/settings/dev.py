"""Local development: what `make run` uses."""

from .base import *  # noqa: F403

DEBUG = True
