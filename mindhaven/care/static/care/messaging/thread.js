// A message thread, live: messages arrive over ws/care/threads/<code>/ as they are
// sent; what you write is sent over the socket with an id made here (crypto.randomUUID),
// shown at once as "Sending…", and sent again with the same id after a reconnect until
// the server acknowledges it (the id makes a resend harmless). After a reconnect the page
// asks for every message after the last one it has, so nothing is missed.
// Without a socket the form posts as a normal form.
const MAX_DELAY_MS = 30000;
// Not final: 4429 (the page sent too many messages too fast): reconnect with backoff,
// starting a few seconds out rather than at once.
const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);
const CLOSE_TOO_MANY_MESSAGES = 4429;

const list = document.getElementById("chat-list");
// By its URL from the page: with hashed static file names a relative import would ask
// for a name that is not served.
const { watchSocket } = list?.dataset.ws ? await import(list.dataset.livenessModule) : {};
const form = document.getElementById("chat-form");
const status = document.getElementById("chat-status");
const errorsBox = document.getElementById("chat-errors");
const panelBox = document.getElementById("support-panel-live");
const strings = list ? list.dataset : {};
const pending = new Map(); // code -> body, until acknowledged
let socket = null;
let everOpen = false;
let attempt = 0;
let closedForGood = false;
let timer = null;

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

function newCode() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function announce(text) {
  if (status) status.textContent = text;
}

function lastCode() {
  const items = list.querySelectorAll("li[data-code]:not([data-pending])");
  return items.length ? items[items.length - 1].dataset.code : null;
}

function fromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html; // rendered and escaped by the server's template
  return template.content.firstElementChild;
}

function place(item) {
  const empty = document.getElementById("chat-empty");
  if (empty) empty.remove();
  const existing = document.getElementById(item.id);
  if (existing) {
    existing.replaceWith(item);
  } else {
    // Messages still being sent stay last.
    const firstPending = list.querySelector("li[data-pending]");
    list.insertBefore(item, firstPending);
  }
}

function showPending(code, body) {
  const item = document.createElement("li");
  item.className = "chat-message chat-mine chat-pending";
  item.id = `message-${code}`;
  item.dataset.code = code;
  item.dataset.pending = "true";
  const meta = document.createElement("p");
  meta.className = "chat-meta";
  meta.textContent = strings.you || "";
  const text = document.createElement("div");
  text.className = "chat-body";
  text.textContent = body;
  const receipt = document.createElement("p");
  receipt.className = "chat-receipt";
  receipt.dataset.receipt = "";
  receipt.textContent = isOpen() ? strings.sending : strings.waiting;
  item.append(meta, text, receipt);
  list.append(item);
}

function markPending(text) {
  list.querySelectorAll("li[data-pending] [data-receipt]").forEach((receipt) => {
    receipt.textContent = text;
  });
}

function showErrors(errors) {
  if (!errorsBox) return;
  errorsBox.replaceChildren();
  const intro = document.createElement("p");
  intro.textContent = strings.failed || "";
  const items = document.createElement("ul");
  for (const error of errors) {
    const line = document.createElement("li");
    line.textContent = error.message;
    items.append(line);
  }
  errorsBox.append(intro, items);
  errorsBox.hidden = false;
}

function isOpen() {
  return socket !== null && socket.readyState === WebSocket.OPEN;
}

function send(payload) {
  if (isOpen()) socket.send(JSON.stringify(payload));
}

function markRead() {
  if (document.visibilityState === "visible") send({ type: "read" });
}

function handle(message) {
  switch (message.type) {
    case "message.posted": {
      const item = fromHtml(message.html);
      if (!item) return;
      place(item);
      if (!message.mine) {
        announce(item.textContent.replace(/\s+/g, " ").trim());
        markRead();
      }
      break;
    }
    case "message.ack":
      pending.delete(message.code);
      if (message.panel && panelBox) {
        panelBox.innerHTML = message.panel; // the server's support panel
        panelBox.focus();
      }
      break;
    case "error": {
      if (message.retry && message.code && pending.has(message.code)) {
        // Sent too fast (e.g. many messages written offline): keep it and try again.
        markPending(strings.waiting);
        scheduleResend();
        break;
      }
      if (message.code && pending.has(message.code)) {
        const body = pending.get(message.code);
        pending.delete(message.code);
        const item = document.getElementById(`message-${message.code}`);
        if (item) item.remove();
        const textarea = form && form.querySelector("textarea");
        if (textarea && !textarea.value) textarea.value = body;
      }
      showErrors(message.errors || []);
      break;
    }
    case "thread.read":
      if (!message.mine) {
        for (const code of message.messages || []) {
          const receipt = document.querySelector(`#message-${CSS.escape(code)} [data-receipt]`);
          if (receipt) receipt.textContent = strings.read;
        }
      }
      break;
    default:
      break;
  }
}

// Resend what is still pending a little later, one message a second (the server
// accepts bursts of 10, then one a second).
let resendTimer = null;
function scheduleResend() {
  if (resendTimer !== null) return;
  resendTimer = window.setTimeout(() => {
    resendTimer = null;
    let delay = 0;
    for (const [code, body] of pending) {
      window.setTimeout(() => {
        if (pending.has(code)) send({ type: "message.send", code, body });
      }, delay);
      delay += 1100;
    }
  }, 2000);
}

function connect() {
  const ws = new WebSocket(socketUrl(list.dataset.ws));
  socket = ws;
  // A socket that died silently (the network changed under it) is given up for a new one.
  watchSocket(ws, {
    every: 10000,
    onDead: () => {
      if (socket !== ws) return;
      lost(4000);
      ws.close(4000);
    },
  });
  ws.addEventListener("open", () => {
    attempt = 0;
    everOpen = true;
    list.dataset.state = "open";
    send({ type: "replay", after: lastCode() });
    // A few at once; the rest paced, so that a long offline queue is not refused.
    let sent = 0;
    for (const [code, body] of pending) {
      if (sent++ < 8) send({ type: "message.send", code, body });
    }
    if (pending.size > 8) scheduleResend();
    markPending(strings.sending);
    markRead();
  });
  ws.addEventListener("message", (event) => {
    try {
      handle(JSON.parse(event.data));
    } catch (error) {
      console.warn("Mindhaven: bad message event", error);
    }
  });
  ws.addEventListener("close", (event) => {
    if (socket === ws) lost(event.code);
  });
}

// The current socket is gone (closed with `code`, or given up as dead).
function lost(code) {
  socket = null;
  list.dataset.state = "closed";
  markPending(strings.waiting);
  if (FINAL_CLOSE_CODES.has(code)) {
    closedForGood = true;
    if (code === 4403 && form) {
      form.hidden = true;
      announce(strings.revoked);
      const note = document.createElement("p");
      note.className = "notice";
      note.textContent = strings.revoked;
      form.after(note);
    }
    return;
  }
  if (code === CLOSE_TOO_MANY_MESSAGES) attempt = Math.max(attempt, 3);
  const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt += 1;
  timer = window.setTimeout(() => {
    timer = null;
    connect();
  }, delay);
}

function onSubmit(event) {
  // Only once the socket has worked: otherwise the plain form post is the safer path.
  if (!everOpen || closedForGood) return;
  event.preventDefault();
  const textarea = form.querySelector("textarea");
  const body = textarea.value;
  if (!body.trim()) {
    showErrors([{ message: textarea.dataset.empty || strings.failed }]);
    return;
  }
  if (errorsBox) errorsBox.hidden = true;
  const code = newCode();
  pending.set(code, body);
  showPending(code, body);
  textarea.value = "";
  send({ type: "message.send", code, body });
}

function start() {
  if (!list || !list.dataset.ws || list.dataset.state) return;
  list.dataset.state = "connecting";
  if (form) form.addEventListener("submit", onSubmit);
  document.addEventListener("visibilitychange", markRead);
  // Offline: give the socket up at once, so that what is written now waits visibly for
  // the network. Not by waiting for its close event: closing a connection the network
  // has gone from can take the browser a minute, and the page would wait with it.
  window.addEventListener("offline", () => {
    if (!isOpen()) return;
    const ws = socket;
    lost(4000);
    ws.close();
  });
  window.addEventListener("online", () => {
    // Back online: try now rather than at the end of the backoff.
    if (closedForGood || isOpen()) return;
    attempt = 0;
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
      connect();
    } else if (socket && socket.readyState === WebSocket.CONNECTING) {
      // Started while offline, so it will fail: its close retries at once (attempt 0).
      socket.close();
    }
  });
  connect();
}

start();
