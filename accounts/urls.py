from django.urls import include, path

from accounts import views

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("logout-others/", views.LogoutOthersView.as_view(), name="auth-logout-others"),
    path("password/change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("sessions/", views.SessionListView.as_view(), name="auth-sessions"),
    path("sessions/<uuid:pk>/", views.SessionDetailView.as_view(), name="auth-session-detail"),
    path("", include("accounts.passkeys.urls")),
]
