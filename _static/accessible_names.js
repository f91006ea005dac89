// Buttons whose accessible name (aria-label) leaves out the text they show: the search
// buttons say "Search" and show "Search ... Ctrl+K", the code toggles say "Toggle hidden
// content" and show "Show code cell source". Screen-reader users who speak the visible
// text (WCAG 2.5.3, "label in name"; axe-core's label-content-name-mismatch) cannot reach
// them, so the name becomes the visible text, followed by the old label when it adds to it.
document.addEventListener("DOMContentLoaded", () => {
  const selectors = ".search-button-field[aria-label], .theme-switch-button[aria-label], " +
    "details summary[aria-label]";
  document.querySelectorAll(selectors).forEach((element) => {
    const shown = (element.innerText || element.textContent || "").replace(/\s+/g, " ")
      .trim();
    const label = element.getAttribute("aria-label");
    if (!shown) return;
    element.setAttribute("aria-label",
      shown.toLowerCase().includes(label.toLowerCase()) ? shown : `${shown} (${label})`);
  });
});
