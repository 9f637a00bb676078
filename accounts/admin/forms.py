"""Admin forms for the email-based user."""

from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import User


class UserCreationForm(AdminUserCreationForm):
    # The admin's add form: with Django's "usable password" choice, which UserAdmin.add_fieldsets shows.
    class Meta:
        model = User
        fields = ("email",)


class UserUpdateForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
