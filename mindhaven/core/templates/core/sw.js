{% autoescape off %}/* Mindhaven service worker: keeps the app shell and the help page for offline use.
   Pages are network-first; only public pages are ever cached, fetched as an
   anonymous visitor so that nothing personal ends up in the cache. A signed-in page
   that has an offline stand-in (FALLBACKS: the check-in page -> its empty shell, which
   queues check-ins in IndexedDB) gets that stand-in when the network fails. */
const CACHE = "{{ cache_name }}";
const LANGUAGE = "{{ language }}";
const STATIC_URLS = {{ static_urls }};
const PAGE_URLS = {{ page_urls }};
const OFFLINE_URL = {{ offline_url }};
const FALLBACKS = {{ fallbacks }};

function anonymous(url) {
  return new Request(url, {
    credentials: "omit",
    headers: { "Accept-Language": LANGUAGE },
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(STATIC_URLS);
      for (const url of PAGE_URLS) {
        const response = await fetch(anonymous(url));
        if (!response.ok) throw new Error(`could not cache ${url}: ${response.status}`);
        await cache.put(url, response);
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("mindhaven-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function fromCache(url) {
  const cache = await caches.open(CACHE);
  return cache.match(url, { ignoreVary: true, ignoreSearch: true });
}

async function navigate(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const path = new URL(request.url).pathname;
    const standIn = FALLBACKS[path] ? await fromCache(FALLBACKS[path]) : undefined;
    return (
      (await fromCache(path)) || standIn || (await fromCache(OFFLINE_URL)) || Response.error()
    );
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
    return;
  }
  if (STATIC_URLS.includes(url.pathname)) {
    event.respondWith(
      (async () => (await fromCache(url.pathname)) || fetch(request))(),
    );
  }
  // Everything else (API, fragments, other static files) goes to the network untouched.
});
{% endautoescape %}
