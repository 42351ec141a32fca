"""The people search's name match can use the trigram indexes on PostgreSQL (migration 0004).

The index serves only the exact expression Django writes for ``icontains``
(``UPPER(name::text) LIKE …``); if either side changes — the lookup, the column
type, the index — the search silently falls back to reading every person. With
sequential scans priced out, the plan for the search's name sub-select must name
both indexes.
"""

from __future__ import annotations

import pytest
from django.db import connection

from estafette.people.models import Person
from estafette.people.selectors import _match_q

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"
    ),
]


def test_name_words_are_matched_through_the_trigram_indexes() -> None:
    queryset = Person.objects.filter(_match_q("Hendriks Anna", None)).values("pk")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "people_person_family_name_trgm" in plan, plan
    assert "people_person_given_names_trgm" in plan, plan
