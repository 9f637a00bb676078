"""The system checks of the passkey settings."""

import pytest

from accounts.passkeys.checks import passkey_settings_check

pytestmark = pytest.mark.django_db  # the shared fixtures clear the database cache


def ids(settings):
    return [message.id for message in passkey_settings_check()]


def test_the_defaults_pass(settings):
    assert ids(settings) == []


@pytest.mark.parametrize(
    "rp_id", ["", "https://example.com", "example.com:443", "example.com/x", ".example.com"]
)
def test_an_rp_id_that_is_no_host_name_is_an_error(settings, rp_id):
    settings.WEBAUTHN_RP_ID = rp_id
    assert "accounts.E010" in ids(settings)


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        ([], "accounts.E011"),
        (["localhost:8000"], "accounts.E012"),
        (["http://localhost:8000/app"], "accounts.E012"),
        (["https://evil.example"], "accounts.E013"),
        (["https://notlocalhost"], "accounts.E013"),
    ],
)
def test_bad_origins_are_errors(settings, origins, expected):
    settings.WEBAUTHN_ORIGINS = origins
    assert expected in ids(settings)


def test_several_origins_under_a_parent_rp_id_pass(settings):
    settings.WEBAUTHN_RP_ID = "example.com"
    settings.WEBAUTHN_ORIGINS = [
        "https://example.com",
        "https://app.example.com",
        "https://login.example.com:8443",
    ]
    assert ids(settings) == []


def test_plain_http_beyond_localhost_is_a_warning(settings):
    settings.WEBAUTHN_RP_ID = "example.com"
    settings.WEBAUTHN_ORIGINS = ["http://app.example.com"]
    assert ids(settings) == ["accounts.W010"]


@pytest.mark.parametrize(
    ("name", "value"), [("WEBAUTHN_CHALLENGE_SECONDS", 5), ("REAUTH_MAX_AGE_SECONDS", -1)]
)
def test_durations_out_of_range_are_errors(settings, name, value):
    setattr(settings, name, value)
    assert ids(settings) == ["accounts.E014"]
