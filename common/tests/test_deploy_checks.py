"""The deploy checks of common/checks.py: what a production start would get wrong (``check --deploy``)."""

import os
import re

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings

from common.checks import (
    allowed_hosts_check,
    collected_static_check,
    cors_origins_check,
    is_loopback,
    web_client_check,
)

pytestmark = pytest.mark.django_db  # the shared fixtures clear the database cache

DEPLOY_CHECKS = (allowed_hosts_check, cors_origins_check, web_client_check, collected_static_check)
OURS = {"common.E001", "common.W001", "common.W002", "common.W003"}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A STATIC_ROOT filled by collectstatic, as the deploy guide says (once for the module)."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production(settings, tmp_path, collected):
    """Settings a production start gets right: each test spoils one of them."""
    (tmp_path / "index.html").write_text("<!doctype html><title>client</title>")
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["app.example.com"]
    settings.CORS_ALLOWED_ORIGINS = []
    settings.WHITENOISE_ROOT = tmp_path
    settings.STATIC_ROOT = collected
    return settings


def reported():
    return [message for check in DEPLOY_CHECKS for message in check()]


def test_a_production_start_passes_every_deploy_check(production):
    assert reported() == []


def test_they_run_with_deploy_only(production):
    production.ALLOWED_HOSTS = ["localhost"]
    production.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    production.WHITENOISE_ROOT = production.WHITENOISE_ROOT / "missing"
    production.STATIC_ROOT = production.WHITENOISE_ROOT / "missing-too"

    def ids(**kwargs):
        return {message.id for message in checks.run_checks(**kwargs)}

    assert ids(include_deployment_checks=True) >= OURS
    assert not ids() & OURS


def test_development_is_held_to_none_of_them(production):
    production.DEBUG = True
    production.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
    production.CORS_ALLOWED_ORIGINS = ["http://localhost:5173", "http://127.0.0.1:5173"]
    production.WHITENOISE_ROOT = production.WHITENOISE_ROOT / "missing"
    production.STATIC_ROOT = production.WHITENOISE_ROOT / "missing-too"
    assert reported() == []


@pytest.mark.parametrize(
    "hosts", [["localhost", "127.0.0.1", "[::1]"], ["localhost"], ["127.0.0.2", "::1"], ["app.localhost"], []]
)
def test_allowed_hosts_of_this_machine_only_are_an_error(production, hosts):
    production.ALLOWED_HOSTS = hosts
    [message] = allowed_hosts_check()
    assert (message.id, message.level) == ("common.E001", checks.ERROR)
    assert "DJANGO_ALLOWED_HOSTS" in message.msg and "app.example.com" in message.hint
    assert (", ".join(hosts) or "none") in message.msg


@pytest.mark.parametrize(
    "hosts", [["app.example.com", "localhost"], [".example.com"], ["203.0.113.9"], ["*"]]
)
def test_allowed_hosts_with_a_public_name_pass(production, hosts):
    production.ALLOWED_HOSTS = hosts
    assert allowed_hosts_check() == []


def test_the_development_cors_origins_are_a_warning_naming_them(production):
    production.CORS_ALLOWED_ORIGINS = [
        "https://app.example.com",
        "http://localhost:5173",
        "http://[::1]:3000",
    ]
    [message] = cors_origins_check()
    assert (message.id, message.level) == ("common.W001", checks.WARNING)
    assert "http://localhost:5173, http://[::1]:3000" in message.msg
    assert "https://app.example.com" not in message.msg


@pytest.mark.parametrize("origins", [[], ["https://app.example.com", "https://admin.example.org"]])
def test_cors_origins_elsewhere_or_none_pass(production, origins):
    production.CORS_ALLOWED_ORIGINS = origins
    assert cors_origins_check() == []


def test_an_unbuilt_web_client_is_a_warning(production):
    (production.WHITENOISE_ROOT / "index.html").unlink()
    [message] = web_client_check()
    assert (message.id, message.level) == ("common.W002", checks.WARNING)
    assert "index.html" in message.msg and "npm run build" in message.hint


def test_uncollected_static_files_are_a_warning(production, tmp_path):
    production.STATIC_ROOT = tmp_path / "never-collected"
    [message] = collected_static_check()
    assert (message.id, message.level) == ("common.W003", checks.WARNING)
    assert "collectstatic" in message.hint
    missing, total = re.search(r": (\d+) of (\d+), first ", message.msg).groups()
    assert missing == total and int(total) > 100


def test_one_missing_static_file_is_reported(production, collected):
    css = collected / "admin" / "css" / "base.css"
    kept = css.read_bytes()
    css.unlink()
    try:
        [message] = collected_static_check()
    finally:
        css.write_bytes(kept)
    assert ": 1 of " in message.msg and "first admin/css/base.css." in message.msg


def test_a_copy_older_than_its_source_is_reported(production, collected):
    """After an upgrade without collectstatic: the code's file is newer than the one served."""
    script = collected / "admin" / "js" / "core.js"
    modified = script.stat().st_mtime
    os.utime(script, (0, 0))
    try:
        [message] = collected_static_check()
    finally:
        os.utime(script, (modified, modified))
    assert ": 1 of " in message.msg and "first admin/js/core.js." in message.msg


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("app.localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("::1", True),
        ("", False),
        ("app.example.com", False),
        ("localhost.example.com", False),
        ("10.0.0.1", False),
        ("[2001:db8::1]", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback
