"""A site built and configured as docs/deploy.md says, for tests that check the guide against the code.

Production serves ``frontend/dist`` and ``staticfiles/`` (``npm run build``, ``collectstatic``); a
test that runs ``check --deploy`` or a server as production would gets its own under a directory
of its own (``built_site``), read through ``testing/site_settings.py``. ``guide_env`` is the
guide's environment file with its placeholders filled as the guide says.
"""

import os
import secrets
from pathlib import Path

from testing.servers import ROOT, manage

SETTINGS = "testing.site_settings"
WEB_CLIENT_PAGE = "<!doctype html><title>refresh-sessions</title><div id=root>web client stand-in</div>"
GUIDE = ROOT / "docs" / "deploy.md"
GUIDE_FILES = ROOT / "docs" / "deploy"
PLACEHOLDER = "CHANGE-ME"


def built_site(directory: Path) -> dict[str, str]:
    """Build a site under ``directory``; return the environment that points the settings at it."""
    client = Path(directory) / "dist"
    client.mkdir(parents=True)
    (client / "index.html").write_text(WEB_CLIENT_PAGE)
    env = {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "SITE_WEB_CLIENT_DIR": str(client),
        "SITE_STATIC_ROOT": str(Path(directory) / "staticfiles"),
    }
    manage({**os.environ, **env}, "collectstatic", "--noinput", "-v", "0")
    return env


def read_env_file(path: Path) -> dict[str, str]:
    """Return the ``NAME=value`` lines of an environment file, as systemd's EnvironmentFile reads them."""
    names = {}
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            names[name] = value
    return names


def guide_env(directory: Path) -> dict[str, str]:
    """Return the guide's environment file with its secret set and its signing key made, as the guide says.

    The key is made under ``directory`` by the guide's command, with the guide's file mode. The
    database password stays a placeholder: ``check --deploy`` never connects.
    """
    env = read_env_file(GUIDE_FILES / "env")
    assert env["DJANGO_SECRET_KEY"] == PLACEHOLDER
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    key = Path(directory) / "jwt-1.pem"
    manage({**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}, "generate_signing_key",
           "--algorithm", env["JWT_ALGORITHM"], "--out", str(key))  # fmt: skip
    key.chmod(0o640)
    env["JWT_PRIVATE_KEY_FILE"] = str(key)
    return env


def production_process_env(settings_env: dict[str, str]) -> dict[str, str]:
    """Return this process's environment without any setting, plus ``settings_env``."""
    setting_names = read_env_file(GUIDE_FILES / "env").keys() | {"DJANGO_SETTINGS_MODULE"}
    base = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "JWT_", "SITE_")) and name not in setting_names
    }
    return {**base, **settings_env}


def check_deploy(env, *options):
    """Run ``manage.py check --deploy`` with exactly ``env``; return the completed process."""
    return manage(env, "check", "--deploy", *options, check=False)
