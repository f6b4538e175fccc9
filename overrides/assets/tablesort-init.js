/* Paperlist: the paper tables sort by a click on a header (tablesort, vendored beside this file).
   Tables arrive newest first; the first click on Date or Upvotes sorts descending, a second reverses. */
(function () {
  "use strict";
  /* The Paper column sorts by the title alone. Tablesort would sort a cell without data-sort by
     its whole text, which also holds the status badge and the excerpt ("Foo Must read" would
     sort after "Foo bar"), so each title is copied into data-sort here: the pages do not carry
     every title twice, and the sort keys are the very strings they used to carry. */
  function sortTitlesByTitle(table) {
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var cell = row.cells[0];
        var title = cell && !cell.hasAttribute("data-sort") && cell.querySelector(".pl-title");
        if (title) cell.setAttribute("data-sort", title.textContent);
      });
    });
  }
  function init() {
    document.querySelectorAll("table.pl-list").forEach(function (table) {
      if (table.hasAttribute("data-pl-sortable")) return;
      table.setAttribute("data-pl-sortable", "");
      sortTitlesByTitle(table);
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
