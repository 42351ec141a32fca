"""Django's admin, on :class:`estafette.core.admin_site.EstafetteAdminSite`.

Listed in ``INSTALLED_APPS`` instead of ``django.contrib.admin``, so every
``admin.site.register`` (ours, django-otp's, django-axes') lands on the site
that also asks for the second factor.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "estafette.core.admin_site.EstafetteAdminSite"
