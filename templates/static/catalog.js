// Progressive enhancement only: every control also works as a plain link or form without this file.
document.addEventListener("DOMContentLoaded", () => {
  // A sort choice applies at once instead of waiting for the Sort button.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
    const button = select.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
  }
  // The filters panel is open beside the results on wide screens and folded on phones, where it
  // sits between the result count and the results.
  const wide = window.matchMedia("(min-width: 801px)");
  const panels = document.querySelectorAll("details[data-open-wide]");
  const place = () => { for (const d of panels) d.open = wide.matches; };
  place();
  wide.addEventListener("change", place);
  // "/" jumps to the search box, as on most catalogue sites.
  const search = document.querySelector("form.search input[type=search]");
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && search && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
      event.preventDefault();
      search.focus();
    }
  });
});
