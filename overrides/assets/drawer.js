// The navigation drawer (narrow screens) for keyboards. Material opens it with a <label> for
// the hidden checkbox #__drawer, which Tab never reaches; partials/header.html makes that label
// a focusable button, and this script gives it a button's keys and state:
// - Enter or Space toggles the drawer (a click on the label), and opening it moves the focus
//   to its first link; aria-expanded follows the checkbox, however it changed;
// - Escape closes the open drawer and puts the focus back on the button;
// - focus leaving the open drawer (Tab past its last link) closes it, so the keyboard never
//   walks the page hidden under the overlay.
// paperlist.css hides the closed drawer's links from the Tab order (visibility: hidden).
(() => {
  const toggle = document.getElementById("__drawer");
  const button = document.querySelector("[data-pl-drawer]");
  const drawer = document.querySelector(".md-sidebar--primary");
  if (!toggle || !button || !drawer) return;

  const sync = () => button.setAttribute("aria-expanded", String(toggle.checked));
  const set = (open) => {
    if (toggle.checked === open) return;
    toggle.checked = open;
    toggle.dispatchEvent(new Event("change", { bubbles: true })); // Material watches "change"
    sync();
  };

  toggle.addEventListener("change", sync);
  sync();
  button.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    // A click on the label toggles the checkbox as a pointer does. Kept from the window:
    // Material's own key handler clicks a focused label on Enter too, which would undo this.
    event.preventDefault(); // Space would scroll the page
    event.stopPropagation();
    button.click();
    // Opened from the keyboard: the focus goes into the drawer, to its first link.
    if (toggle.checked) drawer.querySelector("a[href], button, input, [tabindex]:not([tabindex='-1'])")?.focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !toggle.checked) return;
    set(false);
    button.focus();
  });
  drawer.addEventListener("focusout", (event) => {
    const next = event.relatedTarget;
    if (toggle.checked && next && !drawer.contains(next) && next !== button) set(false);
  });
})();
