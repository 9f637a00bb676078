"""The representation of a user and what a user may change about themself."""

from rest_framework import serializers

from accounts.models import User
from common.fields import OneLineCharField

# Changed through their own flows (password change, the admin), never by a profile update.
PROTECTED_FIELDS = ("email", "password", "is_staff", "is_superuser", "is_active")


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "date_joined", "is_staff"]
        read_only_fields = fields


class UserProfileUpdateSerializer(serializers.ModelSerializer):
    """A partial update of the caller's profile; a protected field in the body is a 400.

    A name is one line: a control character, a line separator or a bidirectional override gets 400.
    """

    # As for a device name (common.client_text): the admin shows these, and people read them.
    first_name = OneLineCharField(max_length=150, required=False, allow_blank=True)
    last_name = OneLineCharField(max_length=150, required=False, allow_blank=True)

    class Meta:
        model = User
        fields = ["first_name", "last_name"]

    def validate(self, attrs):
        present = [name for name in PROTECTED_FIELDS if name in self.initial_data]
        if present:
            raise serializers.ValidationError(
                {name: ["This field cannot be changed here."] for name in present}, code="read_only"
            )
        return attrs
