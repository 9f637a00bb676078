"""The page a reset link opens at ``/reset-password``: on to the web client, never passing the secrets on."""

from django.http import HttpResponseRedirect
from django.urls import reverse

# Where an old-style link (mailed with its uid and token in the query) lands: a page saying so.
OUTDATED_RESET_LINK_PAGE = "#/reset-password?outdated"


def password_reset_link_redirect(request):
    """Send ``/reset-password`` to the web client's page; never read, move or keep a reset link's secrets.

    Reset links carry ``uid`` and ``token`` after a ``#``, which the browser keeps to itself: a
    link at this path (``PASSWORD_RESET_URL`` set to it, as before its default changed) gets a
    redirect to the client at ``/``, and as the target names no fragment, the browser carries the
    link's own ``#uid=...&token=...`` over (RFC 9110, 10.2.2), where the client picks it up.

    A link mailed before the secrets moved into the fragment has them in its query: they reached
    this server, and are not passed on. Its visitor lands on the client's page that says the link
    is outdated and offers a new one (such links expired within PASSWORD_RESET_TIMEOUT_SECONDS
    anyway). Only the parameters' names are looked at; the target is fixed: no open redirect.
    """
    target = reverse("web-client")
    if "uid" in request.GET or "token" in request.GET:
        target += OUTDATED_RESET_LINK_PAGE
    return HttpResponseRedirect(target)
