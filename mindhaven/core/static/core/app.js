// Site-wide module: registers the service worker that keeps the help page offline.
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
      console.warn("Mindhaven: service worker registration failed", error);
    });
  });
}
