"""core/static/core/liveness.js in a real browser, against a stand-in socket whose
answers the test decides (the real sockets are exercised by the call, thread and
network-drop tests)."""

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A socket stand-in: open, counts what is sent, and answers the first `answers` pings
# with a message (all of them when `answers` is -1).
SCENARIO = """async ({answers, every, patience, waitMs, online}) => {
    const { watchSocket } = await import('/static/core/liveness.js');
    const ws = new EventTarget();
    ws.readyState = WebSocket.OPEN;
    let pings = 0;
    ws.send = (data) => {
        if (data !== '{"type":"ping"}') return;
        pings += 1;
        if (answers < 0 || pings <= answers) {
            setTimeout(() => ws.dispatchEvent(new Event('message')), 5);
        }
    };
    let dead = 0;
    let deadAfter = null;
    const started = Date.now();
    const onDead = () => { dead += 1; deadAfter = Date.now() - started; };
    watchSocket(ws, {every, patience, onDead});
    if (online) setTimeout(() => window.dispatchEvent(new Event('online')), online);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return {dead, deadAfter, pings};
}"""


def run(page: Any, **scenario: int) -> Any:
    return page.evaluate(SCENARIO, {"online": 0, **scenario})


@pytest.fixture
def blank(page: Any, live_server_url: str) -> Any:
    page.goto(f"{live_server_url}/help/")
    return page


def test_it_keeps_a_socket_that_answers(blank: Any) -> None:
    result = run(blank, answers=-1, every=50, patience=200, waitMs=1000)
    assert result["dead"] == 0
    assert result["pings"] >= 10


def test_it_gives_up_a_socket_that_stops_answering_once(blank: Any) -> None:
    # Three pings answered (at about 50, 100, 150 ms), then nothing comes back.
    result = run(blank, answers=3, every=50, patience=200, waitMs=1200)
    assert result["dead"] == 1  # once, not again at every tick
    # Not before the patience ran out after the first unanswered ping (about 200 ms).
    assert 400 <= result["deadAfter"] <= 700, result


def test_it_asks_at_once_when_the_browser_comes_back_online(blank: Any) -> None:
    # Never answers; checks so far apart that only the online event can find it dead early.
    result = run(blank, answers=0, every=5000, patience=10000, waitMs=4500, online=200)
    assert result["dead"] == 1
    assert 3000 <= result["deadAfter"] <= 4000, result


def test_it_does_not_give_up_a_quiet_socket_whose_timers_were_slowed(blank: Any) -> None:
    """A background tab's timers may run once a minute: a long gap between checks, with
    every ping answered, is not a dead socket, however short the patience."""
    result = run(blank, answers=-1, every=600, patience=100, waitMs=2000)
    assert result["dead"] == 0
    assert result["pings"] >= 2
