"""Domain errors carry a sentence and an HTTP status; env variables document themselves."""

from __future__ import annotations

import pytest

from estafette.core import env
from estafette.core.errors import Conflict, DomainError, InvalidInput, NotPermitted
from estafette.handovers import messages


@pytest.mark.parametrize(
    ("error", "status"), [(Conflict, 409), (NotPermitted, 403), (InvalidInput, 400)]
)
def test_each_domain_error_answers_with_its_http_status(
    error: type[DomainError], status: int
) -> None:
    assert issubclass(error, DomainError)
    assert error("x").status == status


def test_a_domain_error_keeps_the_constant_and_fills_in_its_parameters() -> None:
    exc = Conflict(messages.ALREADY_IN_THE_AIR, receiver="Nazorg Arnhem")
    assert exc.message is messages.ALREADY_IN_THE_AIR
    assert "Nazorg Arnhem" in str(exc)
    assert exc.params == {"receiver": "Nazorg Arnhem"}


def test_a_domain_error_without_parameters_reads_as_its_sentence() -> None:
    assert str(InvalidInput(messages.MESSAGE_REQUIRED)) == str(messages.MESSAGE_REQUIRED)


@pytest.mark.parametrize(
    ("default", "raw", "expected"),
    [
        (False, "yes", True),
        (False, "On", True),
        (True, "0", False),
        (8, "12", 12),
        (["a"], "x, y,,z ", ["x", "y", "z"]),
        ("plain", "other", "other"),
    ],
)
def test_config_casts_the_environment_value_to_the_type_of_the_default(
    monkeypatch: pytest.MonkeyPatch, default: object, raw: str, expected: object
) -> None:
    monkeypatch.setenv("ESTAFETTE_TEST_VARIABLE", raw)
    assert env.config("ESTAFETTE_TEST_VARIABLE", default, help="for a test") == expected


def test_config_returns_the_default_and_registers_its_help_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ESTAFETTE_UNSET_VARIABLE", raising=False)
    assert env.config("ESTAFETTE_UNSET_VARIABLE", 3, help="explained") == 3
    assert env.REGISTRY["ESTAFETTE_UNSET_VARIABLE"] == env.EnvVar(
        "ESTAFETTE_UNSET_VARIABLE", 3, "explained"
    )
