from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from estafette.signals.notifications.tests.smtp_server import SmtpServer, free_port


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """Settings pointing at a free port; the server is *not* started until the test says so."""
    server = SmtpServer(free_port())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Estafette <noreply@estafette.example.nl>"
    settings.ESTAFETTE_SITE_URL = "https://estafette.example.nl"
    settings.ESTAFETTE_EMAIL_RETRY_SECONDS = 60
    settings.ESTAFETTE_EMAIL_MAX_ATTEMPTS = 3
    settings.LANGUAGE_CODE = "en"
    try:
        yield server
    finally:
        server.stop()
