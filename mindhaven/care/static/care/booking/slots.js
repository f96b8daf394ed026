// "Earlier dates" / "Later dates" swap only the slots section (htmx). The link that had
// focus is replaced, so focus falls to the body; move it to the new section's heading,
// so that keyboard and screen reader users continue from the dates they asked for.
document.body.addEventListener("htmx:afterSettle", () => {
  const heading = document.getElementById("slots-heading");
  if (heading && (document.activeElement === document.body || !document.activeElement)) {
    heading.focus();
  }
});
