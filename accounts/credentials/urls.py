"""Reset links at ``/reset-password`` (the site root's, where mails of old pointed): see ``views``."""

from django.urls import re_path

from accounts.credentials.views import password_reset_link_redirect

urlpatterns = [
    # Reset links at this path (an explicit PASSWORD_RESET_URL, or mailed before the secrets moved
    # into the fragment): on to the client's page, without the secrets.
    re_path(r"^reset-password/?$", password_reset_link_redirect, name="password-reset-link"),
]
