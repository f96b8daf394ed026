"""API operations for telehealth, one module per part, mounted on one router."""

from ninja import Router

from mindhaven.care.api import booking, messaging, notes, rooms

router = Router(tags=["care"])
router.add_router("", booking.router)
router.add_router("", messaging.router)
router.add_router("", rooms.router)
router.add_router("", notes.router)
