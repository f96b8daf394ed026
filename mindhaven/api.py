"""The public HTTP API: one NinjaAPI that mounts each app's router under /api/v1."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Mindhaven API",
    version="1",
    urls_namespace="api",
)
