"""The /api/users/ endpoints."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.credentials.deletion import user_delete
from accounts.passkeys.permissions import REAUTH_RESPONSE, RecentAuthentication
from common.net import client_ip
from users import selectors, services
from users.serializers import UserProfileUpdateSerializer, UserSerializer


class UserMeView(APIView):
    """The caller's own user."""

    def get_permissions(self):
        # Deleting the account needs a recent authentication (API.md "Recent authentication").
        recent = (RecentAuthentication,) if self.request.method == "DELETE" else ()
        return [permission() for permission in (IsAuthenticated, *recent)]

    @extend_schema(summary="Get the caller's user", responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        summary="Change the caller's profile",
        description="Only `first_name` and `last_name` can change here: `email`, `password`, `is_staff`, "
        "`is_superuser` and `is_active` in the body are refused with 400.",
        request=UserProfileUpdateSerializer,
        responses=UserSerializer,
    )
    def patch(self, request):
        serializer = UserProfileUpdateSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(user=request.user, data=serializer.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(
        summary="Delete the caller's account",
        description="The account goes with its sessions, passkeys and todos; every token of it is refused "
        "at once. A security event without the email stays for the admins.",
        responses={204: None, 403: REAUTH_RESPONSE},
    )
    def delete(self, request):
        user_delete(user_id=request.user.pk, ip_address=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List the users the caller may see",
        description="Staff see every user; anyone else gets a list of one: themself.",
    ),
    retrieve=extend_schema(
        summary="Get one user",
        description="Staff see every user; anyone else only themself (another id is 404).",
    ),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.user_list_visible_to(user=self.request.user)
