"""Consent pages, included at the site root by ``config/urls.py``."""

from django.urls import path

from estafette.consent import person_views, views

urlpatterns = [
    path(
        "people/<int:person_pk>/consents/",
        views.consent_overview,
        name="consent-overview",
    ),
    path(
        "people/<int:person_pk>/consents/new/",
        views.consent_record_view,
        name="consent-record",
    ),
    path(
        "people/<int:person_pk>/consents/receipt.pdf",
        views.consent_receipt_view,
        name="consent-receipt",
    ),
    path("consents/<int:pk>/revoke/", views.consent_revoke_view, name="consent-revoke"),
    path("consents/<int:pk>/evidence/", views.consent_evidence_view, name="consent-evidence"),
    path("consents/review/", views.consent_review_list, name="consent-review"),
    path("consents/<int:pk>/review/", views.consent_review_save, name="consent-review-save"),
    path("consent-notices/", views.consent_notices_view, name="consent-notices"),
    # The person's own pages (issue 13), beside the portal's other pages under /my/.
    path("my/consents/", person_views.my_consents_view, name="my-consents"),
    path(
        "my/consents/<int:pk>/withdraw/",
        person_views.my_consent_withdraw_view,
        name="my-consent-withdraw",
    ),
    path(
        "consent-notices/<int:pk>/seen/",
        views.consent_notice_seen_view,
        name="consent-notice-seen",
    ),
]
