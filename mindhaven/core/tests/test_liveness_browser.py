"""core/static/core/liveness.js in a real browser, against a stand-in socket whose
answers the test decides (the real sockets are exercised by the call, thread and
network-drop tests)."""

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A socket stand-in: open, counts the pings sent, and answers the first `answers` of
# them with a message (all of them when `answers` is -1). Runs until the watcher gives
# the socket up or `waitMs` passes, then `settleMs` more (to see it is given up once).
SCENARIO = """async ({answers, every, patience, waitMs, settleMs, online}) => {
    const { watchSocket } = await import('/static/core/liveness.js');
    const ws = new EventTarget();
    ws.readyState = WebSocket.OPEN;
    const started = Date.now();
    let pings = 0;
    let firstUnanswered = null;
    ws.send = (data) => {
        if (data !== '{"type":"ping"}') return;
        pings += 1;
        if (answers < 0 || pings <= answers) {
            setTimeout(() => ws.dispatchEvent(new Event('message')), 5);
        } else if (firstUnanswered === null) {
            firstUnanswered = Date.now() - started;
        }
    };
    let dead = 0;
    let deadAfter = null;
    const onDead = () => { dead += 1; deadAfter = Date.now() - started; };
    watchSocket(ws, {every, patience, onDead});
    if (online) setTimeout(() => window.dispatchEvent(new Event('online')), online);
    while (!dead && Date.now() - started < waitMs) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return {dead, deadAfter, pings, firstUnanswered};
}"""


def run(page: Any, **scenario: int) -> Any:
    return page.evaluate(SCENARIO, {"online": 0, "settleMs": 0, **scenario})


@pytest.fixture
def blank(page: Any, live_server_url: str) -> Any:
    page.goto(f"{live_server_url}/help/")
    return page


def test_it_keeps_a_socket_that_answers(blank: Any) -> None:
    result = run(blank, answers=-1, every=50, patience=200, waitMs=3000)
    assert result["dead"] == 0
    assert result["pings"] >= 2  # it was asking all along (timers may be slowed under load)


def test_it_gives_up_a_socket_that_stops_answering_once(blank: Any) -> None:
    # Three pings answered, then nothing comes back.
    result = run(blank, answers=3, every=100, patience=400, waitMs=10_000, settleMs=600)
    assert result["dead"] == 1, result  # once, not again at every tick
    # Not before the patience ran out after the first unanswered ping.
    assert result["deadAfter"] - result["firstUnanswered"] >= 400, result


def test_it_asks_at_once_when_the_browser_comes_back_online(blank: Any) -> None:
    # Never answers; checks so far apart (the first at 5 s, patience 10 s) that only the
    # online event can find the socket dead this early.
    result = run(blank, answers=0, every=5000, patience=10_000, waitMs=9000, online=200)
    assert result["dead"] == 1, result
    assert 3000 <= result["deadAfter"] < 9000, result


def test_it_does_not_give_up_a_quiet_socket_whose_timers_were_slowed(blank: Any) -> None:
    """A background tab's timers may run once a minute: a long gap between checks, with
    every ping answered, is not a dead socket, however short the patience."""
    result = run(blank, answers=-1, every=600, patience=100, waitMs=3000)
    assert result["dead"] == 0
    assert result["pings"] >= 2
