"""docs/deploy.md and the files of docs/deploy/ against the code: settings, commands, checks, names."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import get_commands

from testing.servers import ROOT
from testing.site import (
    GUIDE,
    GUIDE_FILES,
    built_site,
    check_deploy,
    guide_env,
    production_process_env,
    read_env_file,
)

pytestmark = pytest.mark.django_db  # the shared fixtures clear the database cache

NO_ISSUES = "System check identified no issues (0 silenced)."


def table_names(text):
    """Return the NAMES in backquotes in the first column of the markdown tables of ``text``."""
    names = set()
    for line in text.splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


def guide_section(title):
    text = GUIDE.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


@pytest.fixture(scope="module")
def settings_env(tmp_path_factory):
    """The guide's environment file filled in as step 9 says, with the site built as steps 4 and 5 say."""
    directory = tmp_path_factory.mktemp("guide")
    return {**guide_env(directory), **built_site(directory / "site")}


def test_every_setting_of_the_env_file_is_in_the_readme_tables():
    documented = table_names((ROOT / "README.md").read_text())
    named = set(read_env_file(GUIDE_FILES / "env"))
    assert named, "docs/deploy/env names no setting"
    assert named - documented == set()


def test_the_guide_explains_every_line_of_the_env_file_and_no_other():
    explained = table_names(guide_section("9. The environment file").split("Then check it")[0])
    assert explained == set(read_env_file(GUIDE_FILES / "env"))


def code_of_the_guide():
    """Return the guide's code (its fenced blocks and inline spans) and the files' lines other than comments."""
    text = GUIDE.read_text()
    code = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    code += re.findall(r"`([^`\n]+)`", text)
    for path in sorted(GUIDE_FILES.iterdir()):
        code += [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(code)


def test_every_manage_command_the_guide_names_exists():
    named = set(re.findall(r"(?:manage\.py|refresh-sessions-manage)[ \t]+([a-z_]+)", code_of_the_guide()))
    assert {"migrate", "createsuperuser", "collectstatic", "prune_sessions", "generate_signing_key"} <= named
    assert named - set(get_commands()) == set()


def test_the_cron_lines_the_guide_shows_are_those_of_the_cron_file():
    shown = {line for line in GUIDE.read_text().splitlines() if re.match(r"\d+ \d+ \* \* \* ", line)}
    installed = {line for line in (GUIDE_FILES / "cron").read_text().splitlines() if line[:1].isdigit()}
    assert shown == installed and len(shown) == 2


def test_the_files_agree_on_the_host_name_and_the_address_of_gunicorn():
    env = read_env_file(GUIDE_FILES / "env")
    nginx = (GUIDE_FILES / "nginx.conf").read_text()
    assert set(re.findall(r"server_name (\S+);", nginx)) == {env["DJANGO_ALLOWED_HOSTS"]}
    assert urlsplit(env["PASSWORD_RESET_URL"]).hostname == env["DJANGO_ALLOWED_HOSTS"]
    assert re.findall(r"proxy_pass http://(\S+);", nginx) == [f"{env['HOST']}:{env['PORT']}"]


@pytest.mark.parametrize(
    "name", ["refresh-sessions.service", "refresh-sessions-prune.service", "refresh-sessions-manage"]
)
def test_the_units_and_the_wrapper_run_as_the_guide_says(name):
    text = (GUIDE_FILES / name).read_text()
    for part in ("/etc/refresh-sessions/env", "/srv/refresh-sessions/app", "/srv/refresh-sessions/venv/bin/"):
        assert part in text
    assert re.search(r"(User=|-u )refresh-sessions\b", text)


def test_the_env_file_filled_in_as_the_guide_says_passes_check_deploy(settings_env):
    result = check_deploy(production_process_env(settings_env), "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert NO_ISSUES in output


def test_check_deploy_fails_without_the_built_client_and_static_files(settings_env, tmp_path):
    env = {
        **settings_env,
        "SITE_WEB_CLIENT_DIR": str(tmp_path / "dist"),
        "SITE_STATIC_ROOT": str(tmp_path / "st"),
    }
    result = check_deploy(production_process_env(env), "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "common.W002" in output and "common.W003" in output
    assert "common.E001" not in output and "common.W001" not in output


def test_check_deploy_fails_with_the_development_hosts_and_origins(settings_env):
    env = {
        name: value
        for name, value in settings_env.items()
        if name not in ("DJANGO_ALLOWED_HOSTS", "CORS_ALLOWED_ORIGINS")
    }
    result = check_deploy(production_process_env(env))
    output = result.stdout + result.stderr
    assert result.returncode != 0  # an error fails at the default level
    assert "common.E001" in output and "common.W001" in output
    assert "common.W002" not in output and "common.W003" not in output
