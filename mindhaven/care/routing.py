from django.urls import URLPattern

# Websocket routes of care: ws/care/rooms/<code>/ (signalling) and ws/care/threads/<code>/.
websocket_urlpatterns: list[URLPattern] = []
