"""The project's settings with the web client and the static files where a test built them.

``SITE_WEB_CLIENT_DIR`` and ``SITE_STATIC_ROOT`` (environment) stand for ``frontend/dist`` and
``staticfiles/``, so that ``check --deploy`` or a server under test sees a built site without the
checkout's own being built or touched (``testing.site.built_site``). Nothing else differs.
"""

import os
from pathlib import Path

from config.settings import *  # noqa: F403

WHITENOISE_ROOT = Path(os.environ["SITE_WEB_CLIENT_DIR"])
STATIC_ROOT = Path(os.environ["SITE_STATIC_ROOT"])
