"""Sending text messages (SMS): a pluggable sender, named by ``ESTAFETTE_TEXT_MESSAGE_SENDER``.

The portal sends one kind of text message: a sign-in code (:mod:`portal.codes`). Which
service carries it is a deployment's choice, so the sender is a class named by a dotted
path in the settings. Two come with Estafette:

* :class:`FileSender` (the default) writes each message to a file in
  ``ESTAFETTE_TEXT_MESSAGE_DIR`` (``var/text-messages/``): development and tests;
* :class:`ConsoleSender` prints it to standard output.

To connect a real provider (docs/portal.md), write a class with the interface of
:class:`TextMessageSender` — a ``send(*, to, body)`` method that raises
:class:`TextMessageError` when the provider refuses or cannot be reached — and name it in
``ESTAFETTE_TEXT_MESSAGE_SENDER``. The sender is made anew for every message, without
arguments; it reads its own settings (credentials from the environment).

Contract for every sender: ``body`` is the whole message and already safe to send (only
the code, its lifetime and the product name); a sender adds nothing to it, and logs
neither the number nor the body anywhere but where the message goes.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from estafette.core import clock


class TextMessageError(Exception):
    """The message could not be handed to the provider (the caller audits, never retries)."""


class TextMessageSender(Protocol):
    """What ``ESTAFETTE_TEXT_MESSAGE_SENDER`` names: a class made without arguments."""

    def send(self, *, to: str, body: str) -> None:
        """Hand one message for the phone number ``to`` (as recorded) to the provider.

        Raises :class:`TextMessageError` when it was not accepted.
        """


class FileSender:
    """Writes each message to its own file in ``ESTAFETTE_TEXT_MESSAGE_DIR`` (development)."""

    def __init__(self) -> None:
        self.directory = Path(settings.ESTAFETTE_TEXT_MESSAGE_DIR)

    def send(self, *, to: str, body: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = clock.now().strftime("%Y%m%dT%H%M%S")
            path = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.txt"
            path.write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        except OSError as error:
            raise TextMessageError(str(error)) from error


class ConsoleSender:
    """Prints each message to standard output (development, ``make run`` in a terminal)."""

    def send(self, *, to: str, body: str) -> None:
        sys.stdout.write(f"--- text message to {to}\n{body}\n---\n")
        sys.stdout.flush()


def text_message_sender() -> TextMessageSender:
    """A new instance of the configured sender."""
    sender_class = import_string(settings.ESTAFETTE_TEXT_MESSAGE_SENDER)
    sender: TextMessageSender = sender_class()
    return sender


def send_text_message(*, to: str, body: str) -> None:
    """Send ``body`` to ``to`` through the configured sender (raises :class:`TextMessageError`)."""
    text_message_sender().send(to=to, body=body)
