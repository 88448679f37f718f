from __future__ import annotations

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report-pdf"),
    path("reports/feed.atom", views.report_feed, name="report-feed"),
    *views.dataset_urls(),
]
