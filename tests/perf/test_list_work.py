"""Work a list page does that should not grow with the register.

The benchmark (make bench) found these; each test builds a few dozen rows in
bulk and looks at what the page asked the database for, not at any time.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import Place


def test_the_country_filter_reads_one_row_per_country_not_per_place(officer_client) -> None:
    Place.objects.bulk_create(
        Place(name=f"Town {n:02d}", country="China" if n % 2 else "Japan") for n in range(40)
    )
    with CaptureQueriesContext(connection) as captured:
        response = officer_client.get(reverse("partners:place-list"))
    assert response.status_code == 200
    distinct_countries = [
        query["sql"]
        for query in captured
        if query["sql"].startswith("SELECT DISTINCT") and "country" in query["sql"]
    ]
    assert distinct_countries, "the place list offers the countries to filter by"
    with connection.cursor() as cursor:
        cursor.execute(distinct_countries[0])
        rows = cursor.fetchall()
    assert len(rows) == 2
