"""The admin: users (``users``), their device sessions (``sessions``), the security log (``security_events``) and revocation epochs (``epochs``).

Admins revoke sessions, they never edit them: every revocation goes through
accounts.sessions.revocation, like the API's, so that it is recorded the same way and reaches the
shared session cache. Lists never count a whole table (see LargeTablePaginator) and never
load every user into a filter (see UserListFilter).
"""

from django.contrib import admin

# Registers each ModelAdmin (admin.autodiscover imports this package).
from accounts.admin import epochs, security_events, sessions, users  # noqa: F401

# The app list beside every page costs a list of sessions or events about a fifth of a 1280 px
# screen; the breadcrumbs and the home page lead to the same places.
admin.site.enable_nav_sidebar = False
# The project's name, not "Django administration", in every page's header and title.
admin.site.site_header = "refresh-sessions administration"
admin.site.site_title = "refresh-sessions admin"
