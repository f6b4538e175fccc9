// The navigation drawer (narrow screens) for keyboards. Material opens it with a <label> for
// the hidden checkbox #__drawer, which Tab never reaches and which may not be given a button's
// role; partials/header.html draws a real <button> instead, and this script makes it drive the
// checkbox:
// - a click (or Enter or Space, which a button turns into a click) toggles the drawer, and
//   opening it from the keyboard moves the focus to its first link; aria-expanded follows the
//   checkbox, however it changed;
// - Escape closes the open drawer and puts the focus back on the button;
// - focus leaving the open drawer (Tab past its last link) closes it, so the keyboard never
//   walks the page hidden under the overlay.
// paperlist.css hides the closed drawer's links from the Tab order (visibility: hidden) and
// shows the button only where Material shows its label.
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
  button.addEventListener("click", (event) => {
    set(!toggle.checked);
    // Opened from the keyboard (a click with no pointer behind it): the focus goes into the
    // drawer, to its first link. A tap leaves the focus where it is, as the theme's label did.
    if (toggle.checked && event.detail === 0) {
      drawer.querySelector("a[href], button, input, [tabindex]:not([tabindex='-1'])")?.focus();
    }
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
