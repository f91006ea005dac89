// Buttons whose accessible name (aria-label) leaves out the text they show: the search
// buttons say "Search" and show "Search ... Ctrl+K", the code toggles say "Toggle hidden
// content" and show "Show code cell source", the colour-mode button says "Color mode" and
// shows the icon of the current mode, titled "Light", "Dark" or "System Settings".
// Screen-reader users who speak the visible text (WCAG 2.5.3, "label in name";
// axe-core's label-content-name-mismatch) cannot reach them, so the name becomes the
// visible text, followed by the old label when it adds to it.
(() => {
  const named = (shown, label) =>
    shown.toLowerCase().includes(label.toLowerCase()) ? shown : `${shown} (${label})`;

  const nameByText = () => {
    const selectors = ".search-button-field[aria-label], details summary[aria-label]";
    document.querySelectorAll(selectors).forEach((element) => {
      const shown = (element.innerText || "").replace(/\s+/g, " ").trim();
      const label = element.dataset.originalLabel || element.getAttribute("aria-label");
      element.dataset.originalLabel = label;
      if (shown) element.setAttribute("aria-label", named(shown, label));
    });
  };

  // The colour-mode button shows one icon at a time: name it after the visible one.
  const nameThemeButton = () => {
    document.querySelectorAll(".theme-switch-button").forEach((button) => {
      const label = button.dataset.originalLabel || button.getAttribute("aria-label") ||
        "Color mode";
      button.dataset.originalLabel = label;
      const shown = Array.from(button.querySelectorAll("svg, i"))
        .filter((icon) => getComputedStyle(icon).display !== "none")
        .map((icon) => (icon.querySelector("title") || {}).textContent ||
          icon.getAttribute("title") || "")
        .join(" ").trim();
      button.setAttribute("aria-label", shown ? named(shown, label) : label);
    });
  };

  const update = () => { nameByText(); nameThemeButton(); };
  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("load", update);
  // The theme switches modes (and Font Awesome swaps icons) after the page has loaded.
  new MutationObserver(nameThemeButton).observe(document.documentElement,
    {attributes: true, attributeFilter: ["data-mode", "data-theme"]});
  document.addEventListener("click", () => setTimeout(nameThemeButton, 0));
})();
