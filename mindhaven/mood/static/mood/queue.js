// The offline outbox: check-ins that could not reach the server wait in IndexedDB
// ("mindhaven" database, "outbox" store) and are sent through the batch API when the
// network returns: on load, on the window "online" event, and every 30 s while a page
// that loads this module is open.
//
// Exactly once: each check-in carries the UUID the page generated, and the server
// stores an id only once. An entry leaves the outbox only after the server answered
// 200 and did not list its index among the errors (so it was created, or already
// there). Entries the server rejected stay, marked, and are shown until discarded.
//
// Whose: each entry remembers the member who was signed in on this device when it was
// queued, and is only ever sent in that member's session (a shared phone where someone
// else signs in later keeps the first member's entries for them).
const DB_NAME = "mindhaven";
const STORE = "outbox";
const ENTRY_URL = "/api/v1/mood/entries";
const BATCH_URL = "/api/v1/mood/entries/batch";
const BATCH_MAX = 500;
const ME_URL = "/api/v1/me";
const SYNC_EVERY_MS = 30_000;
const MEMBER_KEY = "mindhaven.member";

let dbPromise = null;

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => {
      dbPromise = null;
      reject(request.error);
    };
  });
  return dbPromise;
}

async function run(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

function statusElement() {
  return document.querySelector("[data-outbox-status]");
}

/** The member signed in on this page, or the one last seen on this device (offline shell). */
function knownMember() {
  const onPage = statusElement()?.dataset.member;
  if (onPage) return onPage;
  try {
    return localStorage.getItem(MEMBER_KEY) || null;
  } catch {
    return null;
  }
}

function rememberMember(code) {
  try {
    localStorage.setItem(MEMBER_KEY, code);
  } catch {
    // storage blocked: entries are then kept for whoever syncs them first
  }
}

function belongsTo(record, member) {
  return !record.member || !member || record.member === member;
}

/** Every record: {id, member, entry, queuedAt, errors: null | [{field, message}]}. */
export async function records() {
  return (await run("readonly", (store) => store.getAll())) || [];
}

export async function enqueue(entry) {
  const record = {
    id: entry.id,
    member: knownMember(),
    entry,
    queuedAt: new Date().toISOString(),
    errors: null,
  };
  await run("readwrite", (store) => store.put(record));
  await render();
  registerBackgroundSync();
}

export async function discard(id) {
  await run("readwrite", (store) => store.delete(id));
  await render();
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function post(url, body) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
}

let problem = null; // "signin" when the server refused us (session ended)

/**
 * Send one check-in now. Returns {state: "saved"} (201 or 200), {state: "queued"}
 * (no network, or the server is down: kept in the outbox), or {state: "rejected",
 * status, detail} (the server answered and refused it: nothing was stored).
 */
export async function send(entry) {
  let response;
  try {
    response = await post(ENTRY_URL, entry);
  } catch {
    await enqueue(entry);
    return { state: "queued" };
  }
  if (response.status === 200 || response.status === 201) return { state: "saved" };
  if (response.status >= 500) {
    await enqueue(entry);
    return { state: "queued" };
  }
  let detail = null;
  try {
    detail = (await response.json()).detail;
  } catch {
    detail = null;
  }
  return { state: "rejected", status: response.status, detail };
}

/** The code of the member this browser is signed in as now, or null (and why). */
async function signedInMember() {
  const onPage = statusElement()?.dataset.member;
  if (onPage) return onPage;
  const response = await fetch(ME_URL, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  }); // a network error ends this sync attempt
  if (response.status === 401 || response.status === 403) {
    problem = "signin";
    return null;
  }
  if (!response.ok) return null;
  const code = (await response.json()).code;
  if (code) rememberMember(code);
  return code || null;
}

async function syncOnce() {
  const all = await records();
  if (!all.some((record) => !record.errors)) return 0;
  let member;
  try {
    member = await signedInMember();
  } catch {
    return 0; // offline, or the server is down
  }
  if (!member) return 0;
  const waiting = all.filter((record) => !record.errors && belongsTo(record, member));
  let removed = 0;
  for (let start = 0; start < waiting.length; start += BATCH_MAX) {
    const chunk = waiting.slice(start, start + BATCH_MAX);
    let response;
    try {
      response = await post(BATCH_URL, { entries: chunk.map((record) => record.entry) });
    } catch {
      return removed; // still offline, or the server is down: try again later
    }
    if (response.status === 401 || response.status === 403) {
      problem = "signin";
      return removed;
    }
    if (response.status !== 200) return removed;
    problem = null;
    const result = await response.json();
    const failed = new Map((result.errors || []).map((error) => [error.index, error.detail]));
    await run("readwrite", (store) => {
      chunk.forEach((record, index) => {
        if (failed.has(index)) {
          store.put({ ...record, errors: failed.get(index) || [] });
        } else {
          store.delete(record.id);
        }
      });
    });
    removed += chunk.length - failed.size;
  }
  return removed;
}

let syncing = null;
let announceSaved = false;

/** Send everything waiting; one sync at a time per page, and per browser with Web Locks. */
// A request to sync while one runs (the "online" event during a sync that started
// offline) is not dropped: one more sync follows, instead of waiting SYNC_EVERY_MS.
let syncAgain = false;

export function sync() {
  if (syncing) {
    syncAgain = true;
    return syncing;
  }
  const work = async () => {
    const removed =
      navigator.locks && navigator.locks.request
        ? await navigator.locks.request("mindhaven-outbox", syncOnce)
        : await syncOnce();
    if (removed > 0) announceSaved = true;
    await render();
  };
  syncing = work()
    .catch((error) => console.warn("Mindhaven: outbox sync failed", error))
    .finally(() => {
      syncing = null;
      if (syncAgain) {
        syncAgain = false;
        sync();
      }
    });
  return syncing;
}

function registerBackgroundSync() {
  // Progressive enhancement only: the pages sync by themselves when they are open.
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register("mindhaven-outbox"))
    .catch(() => {});
}

function describe(record, status) {
  const entry = record.entry;
  const when = new Date(entry.recorded_at);
  const label = Number.isNaN(when.getTime()) ? entry.recorded_at : when.toLocaleString();
  const messages = (record.errors || []).map((error) =>
    error.field ? `${error.field}: ${error.message}` : String(error.message || error),
  );
  const item = document.createElement("li");
  const text = document.createElement("span");
  text.textContent = `${label} (${entry.mood}/5): ${messages.join("; ")}`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button";
  button.textContent = status.dataset.discard;
  button.addEventListener("click", () => discard(record.id));
  item.append(text, " ", button);
  return item;
}

/** Show the count of waiting check-ins, and the rejected ones, on the page. */
export async function render() {
  const status = statusElement();
  if (!status) return;
  const member = knownMember();
  const all = (await records()).filter((record) => belongsTo(record, member));
  const waiting = all.filter((record) => !record.errors);
  const failed = all.filter((record) => record.errors);
  let text = "";
  if (waiting.length === 1) text = status.dataset.one;
  else if (waiting.length > 1) text = status.dataset.many.replace("{count}", String(waiting.length));
  else if (announceSaved) text = status.dataset.synced;
  if (waiting.length && problem === "signin") text += ` ${status.dataset.signin}`;
  if (failed.length) text += `${text ? " " : ""}${status.dataset.failed}`;
  if (status.textContent !== text) status.textContent = text;
  status.dataset.waiting = String(waiting.length);
  status.dataset.failedCount = String(failed.length);
  status.classList.toggle("is-waiting", waiting.length > 0);
  status.classList.toggle("is-empty", text === "");
  const list = document.querySelector("[data-outbox-failed]");
  if (list) {
    const items = document.createElement("ul");
    failed.forEach((record) => items.append(describe(record, status)));
    list.replaceChildren(...(failed.length ? [items] : []));
  }
}

let started = false;

export function start() {
  if (started || !("indexedDB" in window)) return;
  started = true;
  const onPage = statusElement()?.dataset.member;
  if (onPage) rememberMember(onPage);
  window.addEventListener("online", () => sync());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync();
  });
  setInterval(() => {
    if (navigator.onLine !== false) sync();
  }, SYNC_EVERY_MS);
  render().then(() => sync());
}

start();
