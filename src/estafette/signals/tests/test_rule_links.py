"""A signal's link is a page to open, never the POST-only address of a form (405 on a click)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from estafette.signals.rules import REGISTRY


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_rule_links_to_a_page_that_answers_get(code: str) -> None:
    link = REGISTRY[code].link(1)
    response = Client().get(urlsplit(link).path)
    # Anonymous: a page sends the visitor to sign in; a POST-only view answers 405 first.
    assert response.status_code == 302, f"{code} links to {link}: {response.status_code}"
    assert response["Location"].startswith("/login/")
