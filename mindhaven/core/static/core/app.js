// Site-wide module: registers the service worker that keeps the help page offline,
// and takes the reader to a form's error summary when a page comes back with one.
// The worker caches pages in the reader's language, so a language change asks for
// a fresh worker (its script differs per language) instead of waiting a day.
const LANGUAGE_KEY = "mindhaven.sw-language";

async function register() {
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const language = document.documentElement.lang;
  let previous = null;
  try {
    previous = localStorage.getItem(LANGUAGE_KEY);
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    return; // storage blocked: the browser's own daily update check still applies
  }
  if (previous !== null && previous !== language) await registration.update();
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    register().catch((error) => {
      console.warn("Mindhaven: service worker registration failed", error);
    });
  });
}

// A form sent back with errors: its summary (core/form_errors.html) gets the focus, so
// the reader starts at the list of what to fix, however long the page.
const summary = document.querySelector("[data-error-summary]");
if (summary) summary.focus();
