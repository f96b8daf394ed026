"""The Redis channel layer as configured in settings (PostgreSQL + Redis tier of CI)."""

import asyncio
import time

import pytest
from channels.layers import get_channel_layer

# channels_redis waits for a message with a blocking pop of this many seconds.
BLOCKING_POP_SECONDS = 5


@pytest.mark.multiprocess
def test_it_keeps_a_quiet_channel_waiting_past_the_blocking_pop() -> None:
    """A consumer whose channel stays quiet longer than the blocking pop still gets the
    next message. With redis-py 8's default read timeout (5 s, the pop's own length),
    receive() raised TimeoutError after 5 s of quiet and took the consumer's socket down."""

    async def quiet_then_one_message() -> tuple[dict[str, str], float]:
        layer = get_channel_layer()
        channel = await layer.new_channel()

        async def send_later() -> None:
            await asyncio.sleep(BLOCKING_POP_SECONDS + 2)
            await layer.send(channel, {"type": "test.late", "text": "still here"})

        sender = asyncio.ensure_future(send_later())
        started = time.monotonic()
        message = await asyncio.wait_for(layer.receive(channel), timeout=30)
        await sender
        return message, time.monotonic() - started

    message, waited = asyncio.run(quiet_then_one_message())
    assert message == {"type": "test.late", "text": "still here"}
    assert waited > BLOCKING_POP_SECONDS


@pytest.mark.multiprocess
def test_it_ends_a_receive_cancelled_at_any_moment() -> None:
    """A consumer whose socket closes cancels its pending receive(), which must end.
    With a socket timeout set, redis-py sends each command through asyncio.wait_for,
    which on Python 3.11 swallows a cancellation that arrives just as the send
    completes; channels_redis then pops again and again for ever, and the process
    (or the test run: CI hung here for 90 minutes) never finishes the consumer.
    Cancelling after every number of event-loop turns hits each await on the way."""

    async def cancel_after_each_turn() -> list[int]:
        layer = get_channel_layer()
        stuck = []
        for turns in range(40):
            channel = await layer.new_channel()
            receive = asyncio.ensure_future(layer.receive(channel))
            for _ in range(turns):
                await asyncio.sleep(0)
            receive.cancel()
            done, _ = await asyncio.wait([receive], timeout=BLOCKING_POP_SECONDS + 2)
            if not done:
                stuck.append(turns)
                receive.cancel()
        return stuck

    assert asyncio.run(cancel_after_each_turn()) == []
