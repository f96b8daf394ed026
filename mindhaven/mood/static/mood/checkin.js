// The check-in page: saving stays one press away from the mood scale.
// - Enter on a mood option saves, as it does in a text field.
// - A time left as it was means "now": it is sent empty and the server uses the time
//   of saving, not the time the page was opened.
const form = document.querySelector("form[data-checkin]");

if (form) {
  const when = form.elements.namedItem("recorded_at");
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.key === "Enter" && target instanceof HTMLInputElement && target.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", () => {
    if (when instanceof HTMLInputElement && when.value === when.defaultValue) when.value = "";
  });
}
