"""Access functions for care objects: each returns the object or raises Http404.

Sections: appointments (shared by booking, rooms and notes), threads (messaging),
notes. One condition per line; a 404 never reveals whether the object exists.
"""

from uuid import UUID

from django.http import Http404

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment


def as_uuid(code: UUID | str) -> UUID:
    """`code` as a UUID; a malformed code is a 404, like an unknown one."""
    try:
        return code if isinstance(code, UUID) else UUID(str(code))
    except ValueError:
        raise Http404 from None


# --- appointments ---------------------------------------------------------------


def get_appointment_for_participant(user: User, code: UUID | str) -> Appointment:
    """The appointment with this code when `user` is its member or its clinician.

    Anyone else, and a code that does not exist, gets 404. Cancelled appointments are
    returned too: callers that need a booked one check `is_booked`.
    """
    if not user.is_authenticated:
        raise Http404
    appointment = (
        Appointment.objects.filter(code=as_uuid(code)).select_related("member", "clinician").first()
    )
    if appointment is None:
        raise Http404
    if user.pk not in (appointment.member_id, appointment.clinician_id):
        raise Http404
    if not user.is_active:
        raise Http404
    return appointment


# --- threads (messaging) ----------------------------------------------------------


# --- session notes --------------------------------------------------------------
