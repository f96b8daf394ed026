"""View decorators for accounts."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from mindhaven.accounts.models import User
from mindhaven.accounts.services import PRIVACY_AGREEMENT_DETAIL

View = Callable[..., HttpResponse]
Operation = TypeVar("Operation", bound=Callable[..., Any])


def privacy_agreement_required(view: View) -> View:
    """Send a member who has not agreed to the current privacy summary to read it first.

    Put it on every page that asks a member for something sensitive (consent, mood,
    journal, ...). The member comes back to the page (`?next=`) after agreeing. Other
    roles pass through; the API's equivalent is `api_privacy_agreement_required` (403).
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


def api_privacy_agreement_required(operation: Operation) -> Operation:
    """The API's privacy gate, for operations that write a member's data (mood, safety
    plan, care): a member who has not agreed to the current privacy summary gets 403,
    with a detail that says where to agree. Other roles pass, as with the page decorator.

    Put it under the router's decorator; it runs after authentication and input
    validation (so bad input is still a 422 naming the field)::

        @router.post("/mood/entries", ...)
        @api_privacy_agreement_required
        def create_entry(request, payload): ...
    """

    @functools.wraps(operation)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = getattr(request, "auth", None)
        member = isinstance(user, User) and user.role == User.Role.MEMBER
        if member and not user.has_agreed_to_privacy:  # type: ignore[union-attr]
            raise PermissionDenied(PRIVACY_AGREEMENT_DETAIL)
        return operation(request, *args, **kwargs)

    return cast(Operation, wrapper)


def sudo_mode(view: View) -> View:
    """Ask for the password again (allauth) before a change, when the last sign-in or
    confirmation is older than ACCOUNT_REAUTHENTICATION_TIMEOUT; reading (GET) passes.

    The POST is kept and replayed after the person confirms.
    """
    return cast(View, reauthentication_required(view, allow_get=True))
