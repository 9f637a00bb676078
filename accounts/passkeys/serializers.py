"""Request and response shapes of the passkey and re-authentication endpoints."""

from rest_framework import serializers

from accounts.models import PASSKEY_NAME_MAX_LENGTH, Passkey
from accounts.serializers import DeviceNameField
from common.fields import OneLineCharField


class PasskeyNameField(OneLineCharField):
    """A passkey's name: one line of at most 100 characters, shown to its user and in the admin."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", PASSKEY_NAME_MAX_LENGTH)
        kwargs.setdefault(
            "help_text", "One line of at most 100 characters, without control or bidi characters."
        )
        super().__init__(**kwargs)


class CredentialField(serializers.DictField):
    """A WebAuthn response in its JSON form (``credential.toJSON()``), checked by py_webauthn."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "The credential as `PublicKeyCredential.toJSON()` gives it (RegistrationResponseJSON or "
            "AuthenticationResponseJSON, base64url without padding).",
        )
        super().__init__(**kwargs)


class OptionsSerializer(serializers.Serializer):
    publicKey = serializers.DictField(
        help_text="PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON: pass "
        "it to `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`."
    )


class PasskeyRegisterSerializer(serializers.Serializer):
    credential = CredentialField()
    name = PasskeyNameField(required=False, allow_blank=True)


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ("id", "name", "created_at", "last_used_at")
        read_only_fields = fields


class PasskeyRenameSerializer(serializers.Serializer):
    name = PasskeyNameField()


class PasskeyLoginSerializer(serializers.Serializer):
    credential = CredentialField()
    device_name = DeviceNameField(required=False, allow_blank=True)


class ReauthenticateSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True, required=False)
    credential = CredentialField(required=False)

    def validate(self, attrs):
        if ("password" in attrs) == ("credential" in attrs):
            raise serializers.ValidationError("Send either `password` or `credential`.", code="required")
        return attrs


class AccessTokenSerializer(serializers.Serializer):
    access = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["Bearer", "DPoP"])
    expires_in = serializers.IntegerField()
