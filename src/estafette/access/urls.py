"""Emergency access, its review, and a person's access log; included at the site root."""

from django.urls import path

from estafette.access import person_views, views

urlpatterns = [
    path("emergency-access/", views.emergency_access_view, name="emergency-access"),
    path(
        "emergency-access/review/",
        views.emergency_access_review_list,
        name="emergency-access-review",
    ),
    path(
        "emergency-access/<int:pk>/review/",
        views.emergency_access_review_save,
        name="emergency-access-review-save",
    ),
    path("part-requests/", views.part_request_list, name="part-requests"),
    path(
        "part-requests/<int:pk>/answer/",
        views.part_request_answer_view,
        name="part-request-answer",
    ),
    path("people/<int:person_pk>/access-log/", views.access_log_view, name="access-log"),
    path(
        "people/<int:person_pk>/access-log.csv",
        views.access_log_export,
        name="access-log-export",
    ),
    # The person's own pages (issue 13), beside the portal's other pages under /my/.
    path("my/who-looked/", person_views.my_access_log_view, name="my-access-log"),
    path("my/who-looked.pdf", person_views.my_access_log_pdf_view, name="my-access-log-pdf"),
]
