"""LongSelect writes what Django's Select writes, only faster."""

from __future__ import annotations

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from estafette.core.widgets import LongSelect

LABELS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@given(
    choices=st.lists(st.tuples(st.text(max_size=6), LABELS), max_size=8, unique_by=lambda c: c[0]),
    chosen=st.one_of(st.none(), st.text(max_size=6)),
    attrs=st.dictionaries(
        st.sampled_from(["id", "aria-describedby", "required", "disabled", "class"]),
        st.one_of(st.booleans(), st.none(), st.text(max_size=6)),
        max_size=4,
    ),
)
def test_the_markup_is_djangos(
    choices: list[tuple[str, str]], chosen: str | None, attrs: dict[str, object]
) -> None:
    expected = forms.Select(choices=choices).render("field", chosen, attrs=dict(attrs))
    assert LongSelect(choices=choices).render("field", chosen, attrs=dict(attrs)) == expected


def test_groups_and_escaping_are_djangos() -> None:
    choices = [("", "—"), ("Groep <a>", [("1", 'Eén & "twee"'), ("2", "<b>drie</b>")])]
    expected = forms.Select(choices=choices).render("x", "2", attrs={"id": "id_x"})
    assert LongSelect(choices=choices).render("x", "2", attrs={"id": "id_x"}) == expected
    assert "&lt;b&gt;drie&lt;/b&gt;" in expected and "selected" in expected
