"""The system checks of the reset link and the mail settings (``manage.py check [--deploy]``)."""

import pytest
from django.core import checks

from accounts.checks import password_reset_url_check, production_mail_check

pytestmark = pytest.mark.django_db  # the shared fixtures clear the database cache

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def production(settings):
    """Settings a production start gets right: each test spoils one of them."""
    settings.DEBUG = False
    settings.PASSWORD_RESET_URL = "https://app.example.com/#/reset-password"
    settings.EMAIL_BACKEND = SMTP
    settings.DEFAULT_FROM_EMAIL = "Todos <no-reply@example.com>"
    return settings


def ids(messages):
    return [message.id for message in messages]


def test_production_settings_pass_every_check(production):
    assert production_mail_check() == []
    assert password_reset_url_check() == []


def test_the_deploy_checks_run_with_deploy_only(production):
    production.PASSWORD_RESET_URL = ""
    production.EMAIL_BACKEND = CONSOLE

    def reported(**kwargs):
        return {message.id for message in checks.run_checks(**kwargs)}

    assert {"accounts.E003", "accounts.E005"} <= reported(include_deployment_checks=True)
    assert not {"accounts.E003", "accounts.E005"} & reported()


def test_development_is_not_held_to_production_rules(production):
    production.DEBUG = True
    production.PASSWORD_RESET_URL = ""
    production.EMAIL_BACKEND = CONSOLE
    production.DEFAULT_FROM_EMAIL = "no-reply@localhost"
    assert production_mail_check() == []


def test_an_unset_password_reset_url_is_an_error(production):
    production.PASSWORD_RESET_URL = ""
    [message] = production_mail_check()
    assert (message.id, message.level) == ("accounts.E003", checks.ERROR)
    assert "PASSWORD_RESET_URL" in message.msg and "#/reset-password" in message.hint


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/#/reset-password", "https://localhost/reset", "http://[::1]/"]
)
def test_a_password_reset_url_on_this_machine_is_an_error(production, url):
    production.PASSWORD_RESET_URL = url
    assert ids(production_mail_check()) == ["accounts.E004"]


def test_a_plain_http_password_reset_url_is_a_warning(production):
    production.PASSWORD_RESET_URL = "http://app.example.com/#/reset-password"
    [message] = production_mail_check()
    assert (message.id, message.level) == ("accounts.W002", checks.WARNING)


@pytest.mark.parametrize(
    "backend",
    [
        CONSOLE,
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    ],
)
def test_mail_that_never_leaves_the_process_is_an_error(production, backend):
    production.EMAIL_BACKEND = backend
    [message] = production_mail_check()
    assert (message.id, message.level) == ("accounts.E005", checks.ERROR)
    assert backend in message.msg and "EMAIL_URL" in message.hint


@pytest.mark.parametrize("backend", [SMTP, "django.core.mail.backends.filebased.EmailBackend"])
def test_mail_handed_to_a_server_or_a_spool_passes(production, backend):
    production.EMAIL_BACKEND = backend
    assert production_mail_check() == []


@pytest.mark.parametrize(
    "address", ["no-reply@localhost", "Todos <no-reply@localhost>", "a@mail.localhost", "a@intranet", ""]
)
def test_a_from_address_no_mail_server_accepts_is_an_error(production, address):
    production.DEFAULT_FROM_EMAIL = address
    [message] = production_mail_check()
    assert (message.id, message.level) == ("accounts.E006", checks.ERROR)
    assert "DEFAULT_FROM_EMAIL" in message.msg


def test_every_production_mistake_is_reported_at_once(production):
    production.PASSWORD_RESET_URL = ""
    production.EMAIL_BACKEND = CONSOLE
    production.DEFAULT_FROM_EMAIL = "no-reply@localhost"
    assert ids(production_mail_check()) == ["accounts.E003", "accounts.E005", "accounts.E006"]


@pytest.mark.parametrize(
    "url", ["app.example.com/#/reset-password", "/#/reset-password", "ftp://app.example.com/", "https://"]
)
def test_a_password_reset_url_a_mail_cannot_link_to_is_an_error_in_every_mode(settings, url):
    settings.DEBUG = True
    settings.PASSWORD_RESET_URL = url
    [message] = password_reset_url_check()
    assert (message.id, message.level) == ("accounts.E002", checks.ERROR)
    assert url in message.msg
    assert "accounts.E002" in {message.id for message in checks.run_checks()}


@pytest.mark.parametrize(
    "url", ["", "http://127.0.0.1:8000/#/reset-password", "https://app.example.com/reset"]
)
def test_an_absolute_or_unset_password_reset_url_passes(settings, url):
    settings.PASSWORD_RESET_URL = url
    assert password_reset_url_check() == []
