from __future__ import annotations

from django.urls import path

from core.views import StatusChangeView

from . import services, views

app_name = "partners"

urlpatterns = [
    *views.places.urls(),
    *views.relationships.urls(),
    path(
        "relationships/<int:pk>/status/",
        StatusChangeView.as_view(record_pages=views.relationships, move=services.relationship_change_status),
        name="relationship-status",
    ),
    *views.relationships.part_urls(
        "stakeholders", "stakeholder", create=views.StakeholderAddView, delete=views.StakeholderRemoveView
    ),
    *views.approaches.urls(),
    path("approaches/<int:pk>/score/", views.ApproachTriageView.as_view(), name="approach-triage"),
    path(
        "approaches/contact-choices/",
        views.ApproachContactChoicesView.as_view(),
        name="approach-contact-choices",
    ),
    path(
        "approaches/new/organisation/",
        views.ApproachOrganisationAddView.as_view(),
        name="approach-organisation-add",
    ),
    path("approaches/new/contact/", views.ApproachContactAddView.as_view(), name="approach-contact-add"),
    *views.organisations.urls(),
    *views.contacts.urls(),
    *views.actions.urls(),
    *views.exchanges.urls(),
]
