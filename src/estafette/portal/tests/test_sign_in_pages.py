"""The portal's base page renders for anyone, with no staff navigation."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders_on_the_portal_base(client):
    response = client.get(reverse("portal:sign-in"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="main"' in body
    assert "skip-link" in body
    assert "portal/css/portal.css" in body
    assert "site-nav" not in body


def test_home_without_a_subject_goes_to_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign-in")
