"""A URL that fails the way a bug would, for the logging tests."""

from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes


@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
def crash(request):
    raise RuntimeError(f"a bug that quotes its input: {request.headers.get('Authorization')} {request.data}")


urlpatterns = [path("api/crash/", crash)]
handler500 = "common.views.api_server_error"
