from django.urls import path

app_name = "mood"

urlpatterns: list[object] = []
