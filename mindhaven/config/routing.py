"""Every websocket route of the project, gathered from the apps' routing modules."""

from mindhaven.care.routing import websocket_urlpatterns as care_routes
from mindhaven.notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*notification_routes, *care_routes]
