from __future__ import annotations

import django_filters

from core.filters import SearchFilterSet, SortFilter

from .models import Report, ReportStatus


class ReportFilter(SearchFilterSet):
    search_fields = ("title", "committee", "report_of")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    ordering = SortFilter(fields=(("meeting_date", "meeting"), "title", "status"))

    class Meta(SearchFilterSet.Meta):
        model = Report
