// The calendar feed page: a button that copies the secret address (the field is long
// and easy to copy only in part on a phone). Without a clipboard the field is selected.
const field = document.getElementById("feed-url");
const button = document.getElementById("copy-feed");
const status = document.getElementById("copy-feed-status");

if (field && button && status) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = status.dataset.copied;
    } catch {
      field.focus();
      field.select();
      status.textContent = status.dataset.failed;
    }
  });
}
