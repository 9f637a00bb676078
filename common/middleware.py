"""django-csp's middleware, with the settings' policy built once rather than for every response."""

import http.client
from functools import cache

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def settings_policy(report_only):
    """Return the header value of the policy in settings (empty when none is set)."""
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget_policy(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        settings_policy.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """Set the settings' policy from a cache; defer to django-csp for anything else.

    Building the header cost about 30 µs on every response (more than the whole check of
    an access token's session), though it only changes when a view customises it with
    django-csp's decorators or a template asks for a nonce: those go through django-csp.
    """

    _CUSTOMISED = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) or hasattr(response, f"{name}_ro") for name in self._CUSTOMISED
        ):
            return super().process_response(request, response)
        debug_page = response.status_code in (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if debug_page and settings.DEBUG:
            return response  # as django-csp: Django's debug pages use inline styles
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            policy = settings_policy(report_only)
            if policy and header not in response and not request.path_info.startswith(tuple(excluded)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a no-op.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response
