from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def inbox(request: HttpRequest) -> HttpResponse:
    notifications = request.user.notifications.all()[:50]  # type: ignore[union-attr]
    return render(request, "notifications/inbox.html", {"notifications": notifications})
