from django.urls import path

from accounts.passkeys import views

urlpatterns = [
    path("passkeys/", views.PasskeyListView.as_view(), name="passkeys"),
    path("passkeys/<int:pk>/", views.PasskeyDetailView.as_view(), name="passkey-detail"),
    path(
        "passkeys/register/options/", views.RegistrationOptionsView.as_view(), name="passkey-register-options"
    ),
    path("passkeys/register/", views.PasskeyRegisterView.as_view(), name="passkey-register"),
    path("passkeys/login/options/", views.LoginOptionsView.as_view(), name="passkey-login-options"),
    path("passkeys/login/", views.PasskeyLoginView.as_view(), name="passkey-login"),
    path("reauthenticate/", views.ReauthenticateView.as_view(), name="auth-reauthenticate"),
]
