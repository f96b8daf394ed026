// The check-in page, and its offline shell: saving stays one press away from the scale,
// and a check-in is never lost to a bad connection.
// - Enter on a mood option saves, as it does in a text field.
// - On submit the page gives the check-in a new UUID and posts it to the API. Without
//   a network (or with the server down) it goes to the outbox in IndexedDB (queue.js)
//   and the page says so; the outbox sends it, once, when the network returns.
// - On the full page, a check-in the API stored is then submitted as the form with the
//   same id: the server finds it already stored (ids are idempotent), shows its
//   confirmation and moves on, as without JavaScript. Input the API refuses goes the
//   same way, so that the server's own messages explain it.
// - A time left as it was means "now": the time of saving, with this device's offset.
const form = document.querySelector("form[data-checkin]");

function pad(number, width = 2) {
  return String(Math.trunc(Math.abs(number))).padStart(width, "0");
}

/** ISO 8601 with this device's UTC offset at that moment, e.g. 2025-03-01T08:30:00+01:00. */
export function isoWithOffset(date) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

function localInputValue(date) {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function field(name) {
  const element = form.elements.namedItem(name);
  return element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement
    ? element
    : null;
}

function checkedValues(name) {
  return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (input) => input.value);
}

/** The check-in as the API takes it, or {errors} when it cannot be sent as it is. */
function readEntry() {
  const errors = [];
  const chosen = form.querySelector('input[name="mood"]:checked');
  if (!chosen) errors.push(form.dataset.noMood);
  const entry = {
    id: newId(),
    recorded_at: isoWithOffset(new Date()),
    mood: chosen ? Number.parseInt(chosen.value, 10) : 0,
    emotions: checkedValues("emotions"),
    activities: checkedValues("activities"),
    note: field("note")?.value || "",
  };
  const typed = field("new_activities")?.value || "";
  for (const name of typed.split(",")) {
    if (name.trim() && !entry.activities.includes(name.trim())) entry.activities.push(name.trim());
  }
  const sleep = (field("sleep_hours")?.value || "").trim().replace(",", ".");
  if (sleep) {
    const hours = Number(sleep);
    if (Number.isNaN(hours) || hours < 0 || hours > 24) errors.push(form.dataset.badSleep);
    else entry.sleep_hours = hours;
  }
  const when = field("recorded_at");
  if (when && when.value && when.value !== when.defaultValue) {
    const chosenTime = new Date(when.value); // a datetime-local value is read as local time
    if (!Number.isNaN(chosenTime.getTime())) entry.recorded_at = isoWithOffset(chosenTime);
  }
  return errors.length ? { errors } : { entry };
}

function setTimeToNow() {
  const when = field("recorded_at");
  if (!when) return;
  const now = localInputValue(new Date());
  when.defaultValue = now;
  when.value = now;
}

function showErrors(messages) {
  const box = form.querySelector("[data-checkin-errors]");
  if (!box) return;
  const list = document.createElement("ul");
  for (const message of messages) {
    const item = document.createElement("li");
    item.textContent = message;
    list.append(item);
  }
  box.replaceChildren(list);
  box.hidden = messages.length === 0;
}

function announce(message) {
  const note = document.querySelector("[data-checkin-result]") || createResultNote();
  note.textContent = message;
}

function createResultNote() {
  const note = document.createElement("p");
  note.className = "mood-result";
  note.setAttribute("role", "status");
  note.dataset.checkinResult = "";
  form.before(note);
  return note;
}

function resetForm() {
  form.reset();
  setTimeToNow();
  const idField = form.elements.namedItem("id");
  if (idField instanceof HTMLInputElement) idField.value = newId();
  form.querySelector('input[name="mood"]')?.focus();
}

if (form) {
  const shell = form.hasAttribute("data-shell");
  const status = document.querySelector("[data-outbox-status]");
  const outbox = status ? import(status.dataset.src) : Promise.reject(new Error("no outbox"));
  outbox.catch(() => {});
  let busy = false;
  setTimeToNow();

  form.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Enter" && target instanceof HTMLInputElement && target.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  const submitNatively = (entry) => {
    const idField = form.elements.namedItem("id");
    if (idField instanceof HTMLInputElement && entry) idField.value = entry.id;
    const when = field("recorded_at");
    if (when && when.value === when.defaultValue) when.value = "";
    form.submit(); // does not fire "submit" again
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const { entry, errors } = readEntry();
    if (errors) {
      showErrors(errors);
      return;
    }
    showErrors([]);
    busy = true;
    let queue;
    try {
      queue = await outbox;
    } catch {
      busy = false;
      if (!shell) submitNatively(entry);
      return;
    }
    const result = await queue.send(entry);
    busy = false;
    if (result.state === "queued") {
      announce(form.dataset.queued);
      resetForm();
    } else if (result.state === "saved") {
      if (shell) {
        announce(form.dataset.saved);
        resetForm();
      } else {
        submitNatively(entry);
      }
    } else if (shell) {
      const detail = Array.isArray(result.detail)
        ? result.detail.map((error) => `${error.field}: ${error.message}`)
        : [String(result.detail || result.status)];
      showErrors(detail);
    } else {
      submitNatively(entry);
    }
  });
}
