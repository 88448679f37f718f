from __future__ import annotations

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.RetentionView.as_view(), name="retention"),
    path("reviews/<int:pk>/", views.ReviewDecisionView.as_view(), name="review-decide"),
    path("erase/<str:kind>/<int:pk>/", views.EraseView.as_view(), name="erase"),
    path("subject-access/", views.SubjectAccessView.as_view(), name="subject-access"),
]
