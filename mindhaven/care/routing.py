from django.urls import URLPattern, path

from mindhaven.care.consumers import ThreadConsumer
from mindhaven.care.signalling import SignallingConsumer

# Websocket routes of care: ws/care/rooms/<code>/ (signalling) and ws/care/threads/<code>/.
websocket_urlpatterns: list[URLPattern] = []

# Secure messaging.
websocket_urlpatterns += [
    path("ws/care/threads/<uuid:code>/", ThreadConsumer.as_asgi()),
]

# Video rooms: call signalling.
websocket_urlpatterns += [
    path("ws/care/rooms/<uuid:code>/", SignallingConsumer.as_asgi()),
]
