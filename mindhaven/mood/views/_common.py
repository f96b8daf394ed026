"""What the mood pages share."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mindhaven.accounts.models import User
from mindhaven.mood.forms import CheckinForm

RECENT = 5
PAGE_SIZE = 50
# Service errors on these names are shown next to the matching form field.
FORM_FIELDS = {"mood", "emotions", "activities", "sleep_hours", "note", "recorded_at"}


def signed_in_user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in person here.
    assert isinstance(request.user, User)
    return request.user


def add_service_errors(form: CheckinForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in FORM_FIELDS else None, errors)
