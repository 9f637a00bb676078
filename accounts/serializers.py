"""Request validation and response shapes of the auth endpoints."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.credentials.reset import password_reset_user_check
from accounts.models import DEVICE_NAME_MAX_LENGTH, DeviceSession, User
from common.fields import OneLineCharField

RESET_LINK_INVALID = "The reset link is invalid, used or expired."


def _validate_password(password, user, field=None):
    """Return ``password`` if Django's validators accept it for ``user``; raise their messages otherwise.

    With ``field`` (from a serializer's ``validate``) the messages are raised under that
    field's name, so that the 400 names the field.
    """
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        messages = list(exc.messages)
        raise serializers.ValidationError({field: messages} if field else messages) from exc
    return password


class DeviceNameField(OneLineCharField):
    """A session's ``device_name`` as a request body gives it (API.md "Device names").

    One line of at most 100 characters; a control character, a line separator or a
    bidirectional override or isolate gets 400. The name lands in the user's security mails
    and the admin, so it is only ever shown there as the device's own, quoted, words.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", DEVICE_NAME_MAX_LENGTH)
        kwargs.setdefault(
            "help_text",
            "The device's name, as the sessions list shows it: one line of at most 100 characters, "
            "without control characters (U+0000-U+001F, U+007F-U+009F), line separators (U+2028, "
            "U+2029) or bidirectional formatting (U+202A-U+202E, U+2066-U+2069), which get 400.",
        )
        super().__init__(**kwargs)


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    device_name = DeviceNameField(required=False, allow_blank=True)
    first_name = OneLineCharField(max_length=150, required=False, allow_blank=True)
    last_name = OneLineCharField(max_length=150, required=False, allow_blank=True)

    def validate_email(self, value):
        email = User.objects.normalize_email(value)
        if User.objects.filter(email=email).exists():
            raise serializers.ValidationError("A user with this email already exists.", code="unique")
        return email

    def validate(self, attrs):
        candidate = User(
            email=attrs["email"],
            first_name=attrs.get("first_name", ""),
            last_name=attrs.get("last_name", ""),
        )
        _validate_password(attrs["password"], candidate, field="password")
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    device_name = DeviceNameField(required=False, allow_blank=True)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    device_name = DeviceNameField(
        required=False,
        allow_blank=True,
        help_text="A new name for this device's new session; left out or blank, it keeps the current "
        "session's. The same rule as at login: one line of at most 100 characters, no control or "
        "bidirectional formatting character.",
    )

    def validate_current_password(self, value):
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError("The current password is wrong.", code="wrong_password")
        return value

    def validate_new_password(self, value):
        return _validate_password(value, self.context["user"])


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetAcceptedSerializer(serializers.Serializer):
    """The answer to a reset request: the same whether or not the address has an account."""

    detail = serializers.CharField()
    console_mail = serializers.BooleanField(
        help_text="True on a development server (`DJANGO_DEBUG` with console mail): no mail is sent, "
        "it is printed where the server runs (the `make run` terminal). Depends on the configuration only."
    )


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="`uid` of the reset link.")
    token = serializers.CharField(max_length=128, help_text="`token` of the reset link.")
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)

    def validate(self, attrs):
        user = password_reset_user_check(uid=attrs["uid"], token=attrs["token"])
        if user is None:
            raise serializers.ValidationError({"token": [RESET_LINK_INVALID]}, code="invalid")
        _validate_password(attrs["new_password"], user, field="new_password")
        return attrs


class SessionRenameSerializer(serializers.Serializer):
    validated_whole = True  # for PATCH, but not partial: the OpenAPI schema keeps device_name required

    device_name = DeviceNameField(min_length=1)


class TokenPairSerializer(serializers.Serializer):
    """The refresh endpoint's response."""

    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    refresh_expires_in = serializers.IntegerField(help_text="Seconds until the refresh token expires.")


class SessionBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    device_name = serializers.CharField()


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()


class TokenResponseSerializer(TokenPairSerializer):
    """The response of login, register and password change."""

    session = SessionBriefSerializer()
    user = UserBriefSerializer()


class DeviceSessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = DeviceSession
        fields = [
            "id",
            "device_name",
            "user_agent",
            "ip_address",
            "created_at",
            "last_used_at",
            "expires_at",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return str(obj.pk) == self.context.get("session_id")
