"""accounts/app_settings.py: one object, checked whole, rebuilt when a setting changes, the same at start and in check."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.app_settings import SETTINGS, app_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_changed_setting_is_read_at_once(settings):
    settings.SESSION_MAX_PER_USER = 3
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=7)
    assert app_settings.SESSION_MAX_PER_USER == 3
    assert timedelta(seconds=7) == app_settings.REFRESH_REUSE_GRACE


def test_a_setting_left_unset_has_its_default(settings):
    del settings.JWKS_MAX_AGE_SECONDS
    assert SETTINGS["JWKS_MAX_AGE_SECONDS"].default == app_settings.JWKS_MAX_AGE_SECONDS


def test_choices_are_read_trimmed_and_lower_cased(settings):
    settings.SESSION_LIMIT_POLICY = " Deny "
    assert app_settings.SESSION_LIMIT_POLICY == "deny"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SESSION_MAX_PER_USER", -1, "SESSION_MAX_PER_USER must be 0 (no limit) or more, not -1."),
        ("SESSION_MAX_PER_USER", "3", "SESSION_MAX_PER_USER must be of type int, not '3'."),
        ("SESSION_MAX_PER_USER", True, "SESSION_MAX_PER_USER must be of type int, not True."),
        ("REFRESH_REUSE_GRACE", 30, "REFRESH_REUSE_GRACE_SECONDS must be of type timedelta, not 30."),
        ("AUTH_THROTTLE_RATE", "10 per minute", "AUTH_THROTTLE_RATE must look like '10/min' or be 'none'"),
        ("PASSWORD_RESET_TIMEOUT", 0, "PASSWORD_RESET_TIMEOUT_SECONDS must be more than 0, not 0."),
        ("SESSION_CACHE_SECONDS", -5, "SESSION_CACHE_SECONDS must be 0 (no cache) or more, not -5."),
        ("DPOP_REQUIRED", "yes", "DPOP_REQUIRED must be of type bool, not 'yes'."),
    ],
)
def test_a_wrong_value_is_refused_by_name_and_the_old_values_stay(settings, name, value, message):
    before = app_settings.SESSION_MAX_PER_USER
    with pytest.raises(ImproperlyConfigured) as raised:
        setattr(settings, name, value)
    assert message in str(raised.value)
    assert before == app_settings.SESSION_MAX_PER_USER


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        app_settings.NOT_A_SETTING


@pytest.mark.parametrize(
    "code", ["", "from django.core.management import call_command; call_command('check')"]
)
def test_a_wrong_value_stops_the_start_and_the_check_alike(run_settings, code):
    done = run_settings(code, SESSION_CACHE_SECONDS="-1")
    assert done.returncode != 0
    assert "ImproperlyConfigured: SESSION_CACHE_SECONDS must be 0 (no cache) or more, not -1." in done.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ARGON2_TIME_COST": "0"}, "(accounts.E007)"),
        ({"PASSWORD_HASH_WAIT_SECONDS": "0"}, "(accounts.E008)"),
        ({"WEBAUTHN_RP_ID": "https://example.com"}, "(accounts.E010)"),
        ({"WEBAUTHN_ORIGINS": "https://app.example.com"}, "(accounts.E013)"),
        ({"WEBAUTHN_CHALLENGE_SECONDS": "5"}, "(accounts.E014)"),
    ],
)
@pytest.mark.parametrize(
    "code", ["", "from django.core.management import call_command; call_command('check')"]
)
def test_a_rule_between_settings_stops_the_start_and_the_check_alike(run_settings, code, env, message):
    """The system checks' errors on settings stop gunicorn too, which runs no checks."""
    done = run_settings(code, **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


def test_warnings_of_those_rules_do_not_stop_the_start(run_settings):
    done = run_settings(
        "print('started')", ARGON2_MEMORY_KIB="8192", ARGON2_TIME_COST="1"
    )  # below OWASP: W003
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"


def test_accounts_reads_its_settings_through_the_one_object():
    scattered_read = "getattr(" + "settings"  # spelled apart, so that a grep of accounts/ finds none
    readers = [
        path.relative_to(ROOT)
        for path in (ROOT / "accounts").rglob("*.py")
        if "tests" not in path.parts and scattered_read in path.read_text()
    ]
    assert readers == []
