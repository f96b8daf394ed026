from django.urls import path

from mindhaven.care.views import booking, messaging, notes, rooms

app_name = "care"

# Booking, availability, clinician profiles and calendar feeds.
urlpatterns = [*booking.urlpatterns]

# Secure messaging.
urlpatterns += [*messaging.urlpatterns]

# Video rooms, the waiting room and the device test page.
urlpatterns += [*rooms.urlpatterns]

# Session notes.
urlpatterns += [*notes.urlpatterns]

# Keep `path` imported for the sections above that add routes here directly.
__all__ = ["app_name", "path", "urlpatterns"]
