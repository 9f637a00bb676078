"""The JWK Set, at the site root's ``/.well-known/`` where verifiers look for it."""

from django.urls import path

from accounts.keys.views import JWKSView

urlpatterns = [
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
]
