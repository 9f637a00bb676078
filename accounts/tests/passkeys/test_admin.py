"""The user's passkeys in the admin: shown read-only, removable through the service (with its event)."""

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Passkey, SecurityEvent
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser():
    admin = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.admin = admin
    return client


def form_data(response):
    """Return the POST data of the change form as rendered (every field at its shown value)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or field.disabled:
                continue
            if isinstance(value, datetime):  # the admin's split date and time widget
                data[form.add_prefix(f"{name}_0")] = value.date().isoformat()
                data[form.add_prefix(f"{name}_1")] = value.time().strftime("%H:%M:%S")
                continue
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = (
                [str(each) for each in value] if isinstance(value, list) else str(value)
            )
    return data


def test_the_user_page_lists_passkeys_with_their_names_escaped(admin_browser, user, add_passkey):
    add_passkey(name="Laptop <b>bold</b>")
    page = admin_browser.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Laptop &lt;b&gt;bold&lt;/b&gt;" in text and "<b>bold</b>" not in text
    inline = next(i for i in page.context["inline_admin_formsets"] if i.formset.model is Passkey)
    assert len(inline.formset.forms) == 1
    assert not inline.has_change_permission and not inline.has_add_permission


def test_removing_a_passkey_in_the_admin_goes_through_the_service(admin_browser, user, add_passkey):
    passkey_id = add_passkey()["id"]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_data(admin_browser.get(url))
    [prefix] = [
        key[: -len("-id")] for key, value in data.items() if key.endswith("-id") and value == str(passkey_id)
    ]
    data[f"{prefix}-DELETE"] = "on"
    response = admin_browser.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    assert not Passkey.objects.exists()
    event = SecurityEvent.objects.get(type="passkey_removed")
    assert event.user_id == user.pk and event.actor_id == admin_browser.admin.pk and event.source == "admin"
    assert event.detail == {"passkey_id": passkey_id}
