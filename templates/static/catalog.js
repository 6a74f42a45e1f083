// Progressive enhancement only: every control also works as a plain link or form without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A sort choice applies at once instead of waiting for the Sort button.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
    const button = select.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
  }
  // "/" jumps to the search box, as on most catalogue sites.
  const search = document.querySelector("form.search input[type=search]");
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && search && document.activeElement.tagName !== "INPUT" &&
        document.activeElement.tagName !== "TEXTAREA") {
      event.preventDefault();
      search.focus();
    }
  });
});
