"""View decorators for accounts."""

import functools
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from mindhaven.accounts.models import User

View = Callable[..., HttpResponse]


def privacy_agreement_required(view: View) -> View:
    """Send a member who has not agreed to the current privacy summary to read it first.

    Put it on every page that asks a member for something sensitive (consent, mood,
    journal, ...). The member comes back to the page (`?next=`) after agreeing. Other
    roles pass through; the API's equivalent is `services.check_can_share` (403).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        member = isinstance(user, User) and user.role == User.Role.MEMBER
        if member and not user.has_agreed_to_privacy:  # type: ignore[union-attr]
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:privacy-agree')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def sudo_mode(view: View) -> View:
    """Ask for the password again (allauth) before a change, when the last sign-in or
    confirmation is older than ACCOUNT_REAUTHENTICATION_TIMEOUT; reading (GET) passes.

    The POST is kept and replayed after the person confirms.
    """
    return cast(View, reauthentication_required(view, allow_get=True))
