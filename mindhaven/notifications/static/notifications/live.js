// Live notifications: on pages whose <body> has data-ws-notifications and that have a
// #notifications-live container (aria-live="polite"), show each new notification as it
// is created, in every open tab. Reconnects with capped exponential backoff and jitter.
const MAX_DELAY_MS = 30000;
const MAX_SHOWN = 5;
// By its URL from the page (hashed static names): see core/static/core/liveness.js.
const livenessUrl = document.body && document.body.dataset.livenessModule;
const { watchSocket } = livenessUrl ? await import(livenessUrl) : {};

function socketUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

// A count in the nav (data-badge="<name>") changed: the server sends it rendered.
function updateBadge(message) {
  if (typeof message.name !== "string" || typeof message.html !== "string") return;
  for (const badge of document.querySelectorAll("[data-badge]")) {
    if (badge.dataset.badge !== message.name) continue;
    const template = document.createElement("template");
    template.innerHTML = message.html; // rendered and escaped by the server's template
    badge.replaceChildren(template.content);
  }
}

function show(container, message) {
  if (message.type === "badge.updated") return updateBadge(message);
  if (message.type !== "notification.created" || typeof message.html !== "string") return;
  if (message.code && document.getElementById(`notification-${message.code}`)) return;
  const template = document.createElement("template");
  template.innerHTML = message.html; // rendered and escaped by the server's template
  const list = container.querySelector("ul") || container.appendChild(document.createElement("ul"));
  list.classList.add("notifications-live-list");
  list.prepend(template.content);
  while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
}

function connect(container, path, attempt = 0) {
  const socket = new WebSocket(socketUrl(path));
  let gone = false;
  const again = (code) => {
    if (gone) return;
    gone = true;
    container.dataset.state = "closed";
    // 4401/4403: not signed in (any more); reconnecting would not help.
    if (code === 4401 || code === 4403) return;
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    window.setTimeout(() => connect(container, path, attempt + 1), delay);
  };
  // A socket that died silently (the network changed under it) is given up for a new one.
  if (watchSocket) {
    watchSocket(socket, {
      every: 20000, // a notification a few seconds late is fine; a dead socket is not
      onDead: () => {
        again(4000);
        socket.close(4000);
      },
    });
  }
  socket.addEventListener("open", () => {
    attempt = 0;
    container.dataset.state = "open";
  });
  socket.addEventListener("message", (event) => {
    try {
      show(container, JSON.parse(event.data));
    } catch (error) {
      console.warn("Mindhaven: bad notification message", error);
    }
  });
  socket.addEventListener("close", (event) => again(event.code));
}

function start() {
  const path = document.body && document.body.dataset.wsNotifications;
  const container = document.getElementById("notifications-live");
  if (!path || !container || container.dataset.state) return;
  container.dataset.state = "connecting";
  connect(container, path);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start, { once: true });
} else {
  start();
}
