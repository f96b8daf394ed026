// A websocket can die without a close event: when the network changes under it (a phone
// moving from Wi-Fi to mobile data, a laptop's address renewed), the old connection's
// packets go nowhere and the browser may take many minutes to notice. So a live page
// sends {"type": "ping"} every few seconds, and the server answers {"type": "pong"}.
// A ping that nothing has answered after `patience` ms means the socket is dead:
// `onDead` is called once, and the page connects afresh.
//
// What counts is a ping left unanswered, not time without messages: a background tab's
// timers may run once a minute, and a quiet minute is not a dead socket.

const PING = JSON.stringify({ type: 'ping' });

export function watchSocket(ws, { onDead, every = 5000, patience = 10000 }) {
  let heard = Date.now();
  let askedAt = 0; // when the oldest unanswered ping went out; 0 when none is
  let deadline = 0; // by when it must be answered; 0 when none is waiting
  let timer = null;

  const hear = () => {
    heard = Date.now();
    askedAt = 0;
    deadline = 0;
  };
  const ask = (within) => {
    const now = Date.now();
    if (!askedAt) askedAt = now;
    deadline = deadline ? Math.min(deadline, now + within) : now + within;
    ws.send(PING);
  };
  const check = () => {
    if (timer === null || ws.readyState !== WebSocket.OPEN) return;
    if (askedAt && heard < askedAt && Date.now() > deadline) {
      stop();
      onDead();
      return;
    }
    ask(patience);
  };
  // The network changed: ask at once, and give the answer a short while only.
  const online = () => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ask(3000);
    setTimeout(check, 3100);
  };
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    window.removeEventListener('online', online);
    ws.removeEventListener('message', hear);
  }

  ws.addEventListener('message', hear);
  ws.addEventListener('close', stop);
  window.addEventListener('online', online);
  timer = setInterval(check, every);
  return { stop };
}
