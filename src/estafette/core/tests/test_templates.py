"""No template passes a dotted lookup as a filter's argument.

``{{ a.b|default:x.user.name }}`` looks harmless, but where the value of a filter
that fails to resolve renders as empty, an *argument* that fails to resolve raises
``VariableDoesNotExist``: an HTTP 500, with DEBUG off too. Rows recorded by nobody
(imported, or by the system) make ``x.user`` empty, and the page falls over — as the
trajectory page did for basic conditions (issue 9). Name a user with ``|user_name``;
for anything else, resolve it first (``{% with %}``, the view) or use ``{% if %}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.template import engines
from django.template.base import FilterExpression, Node, Template, Variable

SRC = Path(__file__).resolve().parents[2]


def _filter_expressions(obj: Any, depth: int = 0) -> Iterator[FilterExpression]:
    """Every filter expression inside a node: its own, its tags' arguments, nested nodes."""
    if depth > 8:
        return
    if isinstance(obj, FilterExpression):
        yield obj
    elif isinstance(obj, list | tuple):
        for item in obj:
            yield from _filter_expressions(item, depth + 1)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _filter_expressions(item, depth + 1)
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith(
        ("django.template", "django.templatetags", "template_partials", "estafette")
    ):
        for name, value in vars(obj).items():
            if name not in ("origin", "token", "source", "engine", "nodelist"):
                yield from _filter_expressions(value, depth + 1)


def dotted_filter_arguments(template: Template) -> list[str]:
    found = []
    for node in template.nodelist.get_nodes_by_type(Node):
        for expression in _filter_expressions(node):
            for _func, args in expression.filters:
                for is_variable, arg in args:
                    if is_variable and isinstance(arg, Variable) and len(arg.lookups or ()) > 1:
                        found.append(expression.token)
    return sorted(set(found))


def test_the_check_finds_a_dotted_argument() -> None:
    engine = engines["django"]
    bad = engine.from_string(
        "{% load i18n %}{% blocktranslate with name=x.user.a|default:x.user.b %}"
        "{{ name }}{% endblocktranslate %}{% if y|default:z.w %}{% endif %}"
    )
    assert dotted_filter_arguments(bad.template) == ["x.user.a|default:x.user.b", "y|default:z.w"]
    good = engine.from_string("{% load estafette_tags %}{{ x.user|user_name|default:'—' }}")
    assert dotted_filter_arguments(good.template) == []


def test_no_template_passes_a_dotted_lookup_as_a_filter_argument() -> None:
    engine = engines["django"]
    offenders = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        name = path.as_posix().split("/templates/", 1)[1]
        template = engine.get_template(name).template
        offenders += [f"{name}: {token}" for token in dotted_filter_arguments(template)]
    assert offenders == [], "\n".join(offenders)
