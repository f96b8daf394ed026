"""Choosing a language from the footer: for this browser, and for a signed-in person
their saved language too, so that emails and notifications follow the choice."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language

from mindhaven.accounts.models import User

LANGUAGES = {code for code, _name in settings.LANGUAGES}


@login_not_required
def choose_language(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    user = request.user
    if isinstance(user, User) and language in LANGUAGES and user.locale != language:
        User.objects.filter(pk=user.pk).update(locale=language)
    return response
