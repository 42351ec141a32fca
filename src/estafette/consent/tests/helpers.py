"""Helpers for the consent tests: the frozen day, organisations, actors, uploads."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from estafette.consent.models import EvidenceKind
from estafette.core.actor import Actor
from estafette.organisations.models import Membership, Organisation

TODAY = dt.date(2025, 3, 3)
"""A Monday; the clock stands at 09:00 Amsterdam time."""

_sequence = itertools.count(1)

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def make_org(kind: str, name: str) -> Organisation:
    n = next(_sequence)
    return Organisation.objects.create(name=f"{name} {n}", code=f"consent-test-{n}", kind=kind)


def make_actor(organisation: Organisation, role: str) -> Actor:
    n = next(_sequence)
    user = get_user_model().objects.create_user(
        username=f"consent-user-{n}", password="consent-test-password", first_name=f"User {n}"
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return Actor(user=user, organisation=organisation, role=role)


def pdf_upload(name: str = "signed form.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def image_upload(fmt: str = "PNG", name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, format=fmt)
    content_type = "image/png" if fmt == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


VERBAL = {
    "evidence_kind": EvidenceKind.VERBAL,
    "verbal_by": "Joke de Vrijwilliger",
    "verbal_on": TODAY,
    "verbal_place": "Centro Penitenciario Madrid VII",
}
