from __future__ import annotations

from django.urls import path

from . import views

app_name = "partners"


def _crud(prefix: str, name: str, list_view, create, detail, update, history) -> list:  # type: ignore[no-untyped-def]
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}-list"),
        path(f"{prefix}/new/", create.as_view(), name=f"{name}-create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}-detail"),
        path(f"{prefix}/<int:pk>/edit/", update.as_view(), name=f"{name}-update"),
        path(f"{prefix}/<int:pk>/history/", history.as_view(), name=f"{name}-history"),
    ]


urlpatterns = [
    *_crud(
        "places",
        "place",
        views.PlaceListView,
        views.PlaceCreateView,
        views.PlaceDetailView,
        views.PlaceUpdateView,
        views.PlaceHistoryView,
    ),
    *_crud(
        "relationships",
        "relationship",
        views.RelationshipListView,
        views.RelationshipCreateView,
        views.RelationshipDetailView,
        views.RelationshipUpdateView,
        views.RelationshipHistoryView,
    ),
    path(
        "relationships/<int:pk>/status/", views.RelationshipStatusView.as_view(), name="relationship-status"
    ),
    path(
        "relationships/<int:pk>/stakeholders/",
        views.StakeholderCreateView.as_view(),
        name="stakeholder-create",
    ),
    path("stakeholders/<int:pk>/remove/", views.StakeholderDeleteView.as_view(), name="stakeholder-delete"),
    *_crud(
        "approaches",
        "approach",
        views.ApproachListView,
        views.ApproachCreateView,
        views.ApproachDetailView,
        views.ApproachUpdateView,
        views.ApproachHistoryView,
    ),
    path("approaches/<int:pk>/score/", views.ApproachTriageView.as_view(), name="approach-triage"),
    *_crud(
        "organisations",
        "organisation",
        views.OrganisationListView,
        views.OrganisationCreateView,
        views.OrganisationDetailView,
        views.OrganisationUpdateView,
        views.OrganisationHistoryView,
    ),
    *_crud(
        "contacts",
        "contact",
        views.ContactListView,
        views.ContactCreateView,
        views.ContactDetailView,
        views.ContactUpdateView,
        views.ContactHistoryView,
    ),
    *_crud(
        "actions",
        "action",
        views.ActionListView,
        views.ActionCreateView,
        views.ActionDetailView,
        views.ActionUpdateView,
        views.ActionHistoryView,
    ),
    *_crud(
        "exchanges",
        "exchange",
        views.ExchangeListView,
        views.ExchangeCreateView,
        views.ExchangeDetailView,
        views.ExchangeUpdateView,
        views.ExchangeHistoryView,
    ),
]
