"""Pages of this part of care; `urlpatterns` is included by care/urls.py."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
