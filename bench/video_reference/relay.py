"""The reference for bench/video.py: a bare websockets relay that also serves the page.

Every message a socket sends goes to the other sockets on the same path (the "room").
No authentication, no validation, no database: the least a call can do.
"""

from __future__ import annotations

import asyncio
import http
import threading
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

HERE = Path(__file__).resolve().parent
FILES = {"/": ("index.html", "text/html"), "/ref.js": ("ref.js", "text/javascript")}
ROOMS: dict[str, set[ServerConnection]] = {}


async def relay(ws: ServerConnection) -> None:
    room = ROOMS.setdefault(ws.request.path if ws.request else "/", set())
    room.add(ws)
    try:
        async for message in ws:
            broadcast(room - {ws}, message)
    finally:
        room.discard(ws)


def files(connection: ServerConnection, request: Request) -> Response | None:
    path = request.path.split("?")[0]
    if path.startswith("/ws/"):
        return None  # a websocket: relay it
    if path not in FILES:
        return connection.respond(http.HTTPStatus.NOT_FOUND, "not found\n")
    name, kind = FILES[path]
    body = (HERE / name).read_bytes()
    headers = Headers({"Content-Type": kind, "Content-Length": str(len(body))})
    return Response(200, "OK", headers, body)


def start(host: str = "127.0.0.1") -> tuple[int, Any]:
    """Serve in a background thread; returns (port, stop)."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        async with serve(relay, host, 0, process_request=files) as server:
            state["port"] = server.sockets[0].getsockname()[1]
            state["stop"] = asyncio.get_running_loop().create_future()
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            await state["stop"]

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)

    def stop() -> None:
        state["loop"].call_soon_threadsafe(state["stop"].set_result, None)
        thread.join(5)

    return state["port"], stop
