"""Settings for the test suite: fast hashing, same database engine choice as base."""

from .base import *  # noqa: F403
from .base import DATABASES, ESTAFETTE_AUDIT_KEY, ESTAFETTE_AUDIT_KEY_FILE

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory
# The suite runs the real sign-in: password, then the second factor (whatever the
# environment says). View tests sign in with estafette.testing.auth.login_verified.
ESTAFETTE_REQUIRE_2FA = True

# Tasks run at once, in the process that enqueues them: a change's evaluation happens
# right after its commit, so a test sees the signals without a worker. The immediate
# backend cannot defer (run_after), so the sweep's next run is not scheduled here; the
# tests of that scheduling switch to the database backend (signals/tests/test_tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# The audit chain's key: a fixed one, so no test writes a key file (docs/security.md).
if not ESTAFETTE_AUDIT_KEY and not ESTAFETTE_AUDIT_KEY_FILE:
    ESTAFETTE_AUDIT_KEY = "test-audit-key-not-secret-0123456789abcdef"
