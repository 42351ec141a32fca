"""Checking an uploaded consent form: is it really a PDF or an image, and small enough?

The type is decided by the file's first bytes (its "magic"), never by its name
or the browser's claim: a program renamed ``form.pdf`` is refused. Images are
also opened with Pillow and verified, so a file that merely starts like a PNG
is refused too. Nothing here writes to disk.
"""

from __future__ import annotations

import warnings
from typing import IO, Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

from estafette.consent import messages
from estafette.core.errors import InvalidInput

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_PILLOW_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG"}


def evidence_max_bytes() -> int:
    """The upload limit: ``settings.ESTAFETTE_EVIDENCE_MAX_BYTES``, 10 MB if unset."""
    return int(getattr(settings, "ESTAFETTE_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff_content_type(head: bytes) -> str | None:
    """The accepted content type the leading bytes announce, or ``None``."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def evidence_validate(upload: Any) -> str:
    """Check an uploaded file and return its detected content type.

    Contract: raises :class:`InvalidInput` (with a sentence from
    :mod:`messages`) for an empty file, one above :func:`evidence_max_bytes`,
    one that is not a PDF, PNG or JPEG by its content, or an image Pillow cannot
    verify. Leaves the file positioned at its start.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    limit = evidence_max_bytes()
    if size == 0:
        raise InvalidInput(messages.EVIDENCE_EMPTY)
    if size > limit:
        raise InvalidInput(
            messages.EVIDENCE_TOO_LARGE, size=filesizeformat(size), limit=filesizeformat(limit)
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise InvalidInput(messages.EVIDENCE_WRONG_TYPE)
    if content_type in _PILLOW_FORMAT:
        _verify_image(upload, _PILLOW_FORMAT[content_type])
    return content_type


def _verify_image(stream: IO[bytes], expected_format: str) -> None:
    # verify() checks the structure without decoding the pixels; a decompression
    # bomb (absurd dimensions) is refused like any unreadable image.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                found = image.format
                image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InvalidInput(messages.EVIDENCE_UNREADABLE) from exc
    finally:
        stream.seek(0)
    if found != expected_format:
        raise InvalidInput(messages.EVIDENCE_WRONG_TYPE)
