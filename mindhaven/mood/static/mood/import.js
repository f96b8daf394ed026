// Daylio import pages: while the form is sent (reading or importing can take a few
// seconds), show the progress element and stop a second submission.
for (const form of document.querySelectorAll("form[data-import-form]")) {
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.name === "cancel") return;
    const progress = form.querySelector("[data-import-progress]");
    if (progress) progress.hidden = false;
    form.setAttribute("aria-busy", "true");
    for (const button of form.querySelectorAll("button[type=submit]")) {
      // Disabled after this tick, so that the clicked button's name is still sent.
      setTimeout(() => { button.disabled = true; }, 0);
    }
  });
}
