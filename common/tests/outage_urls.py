"""The project's URLs and a plain Django view under /api/ that needs the database (no DRF)."""

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.urls import path

from config import urls as project


def count_users(request):
    return JsonResponse({"users": get_user_model().objects.count()})


urlpatterns = [path("api/plain-count/", count_users), *project.urlpatterns]
handler404, handler500 = project.handler404, project.handler500
