/* Paperlist: the paper tables sort by a click on a header (tablesort, vendored beside this file).
   Tables arrive newest first; the first click on Date or Upvotes sorts descending, a second reverses. */
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("table.pl-list").forEach(function (table) {
      if (table.hasAttribute("data-pl-sortable")) return;
      table.setAttribute("data-pl-sortable", "");
      new Tablesort(table, { descending: true });
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
