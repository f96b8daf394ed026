"""Demo data for care: bob's profile and hours in London, and alice's next appointment."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from mindhaven.accounts.models import User
from mindhaven.care.models import Appointment, ClinicianProfile, Thread
from mindhaven.care.services import availability
from mindhaven.care.services.messaging import send_message

BOB_HOURS = [
    availability.WindowIn(day, start, end)
    for day in range(4)  # Monday to Thursday
    for start, end in ((time(9, 0), time(12, 0)), (time(13, 0), time(17, 0)))
]


@transaction.atomic
def create_demo_care() -> None:
    """Idempotent: bob gets a listed profile in Europe/London with weekly hours (set
    again each run), alice a past session with him (for a session note) and an upcoming
    appointment with him, each unless she has one."""
    bob = User.objects.get(username="bob")
    alice = User.objects.get(username="alice")
    availability.set_availability(
        clinician=bob,
        rules={"timezone": "Europe/London", "slot_minutes": 50, "buffer_minutes": 10},
        weekly=BOB_HOURS,
    )
    ClinicianProfile.objects.filter(clinician=bob).update(
        credentials="PsyD, licensed clinical psychologist",
        languages=["English", "Spanish"],
        specialities=["anxiety", "low mood", "sleep"],
        bio="I work with adults on anxiety, low mood and sleep, mostly with CBT and ACT.",
        listed=True,
        accepting_new_clients=False,
        office_hours_note="Monday to Thursday, UK time.",
    )
    now = timezone.now()
    _past_session(alice, bob, now)
    _welcome_message(alice, bob)
    if Appointment.objects.filter(
        member=alice, clinician=bob, status=Appointment.Status.BOOKED, start__gt=now
    ).exists():
        return
    profile = availability.get_profile(bob)
    free = availability.free_slots(
        profile, start=now + timedelta(days=2), end=now + timedelta(days=16), now=now
    )
    if free:
        slot = free[0]
        Appointment.objects.create(member=alice, clinician=bob, start=slot.start, end=slot.end)


# How far ahead `book_demo_call` starts the call: inside the member's 10 minutes.
DEMO_CALL_LEAD = timedelta(minutes=5)


@transaction.atomic
def book_demo_call(now: datetime | None = None) -> Appointment:
    """An appointment of alice with bob whose video room is open now, to try a call
    (`mindhaven demo --call-now`): the one already open, or a new one starting in five
    minutes. Made directly, like the rest of the demo: it need not be one of bob's slots."""
    now = now or timezone.now()
    alice = User.objects.get(username="alice")
    bob = User.objects.select_for_update().get(username="bob")
    open_now = (
        Appointment.objects.filter(
            member=alice,
            clinician=bob,
            status=Appointment.Status.BOOKED,
            start__lte=now + timedelta(minutes=10),
            end__gt=now,
        )
        .order_by("start")
        .first()
    )
    if open_now is not None:
        return open_now
    start = (now + DEMO_CALL_LEAD).replace(second=0, microsecond=0)
    return Appointment.objects.create(
        member=alice, clinician=bob, start=start, end=start + timedelta(minutes=50)
    )


# A fixed code: the message is sent once however often the demo runs.
WELCOME_CODE = uuid.uuid5(uuid.NAMESPACE_URL, "https://mindhaven.example/demo/welcome-message")


def _welcome_message(alice: User, bob: User) -> None:
    """bob's first message to alice, so the demo's thread is not empty."""
    thread, _created = Thread.objects.get_or_create(member=alice, clinician=bob)
    send_message(
        author=bob,
        thread=thread,
        body=(
            "Hello Alice, this is where we can write to each other between sessions. "
            "I read messages on my working days (Monday to Thursday, UK time). "
            "If you need help urgently, please use the Get help now page."
        ),
        code=WELCOME_CODE,
    )


def _past_session(alice: User, bob: User, now: datetime) -> None:
    """A session alice had with bob last week, so bob has a session note to write."""
    if Appointment.objects.filter(member=alice, clinician=bob, start__lt=now).exists():
        return
    london = ZoneInfo("Europe/London")
    day = timezone.localtime(now, london).date() - timedelta(days=7)
    while day.weekday() > 3:  # bob's hours are Monday to Thursday
        day -= timedelta(days=1)
    start = datetime.combine(day, time(10, 0), tzinfo=london)
    Appointment.objects.create(
        member=alice, clinician=bob, start=start, end=start + timedelta(minutes=50)
    )
