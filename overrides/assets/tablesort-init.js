/* Paperlist: the paper tables sort by a click on a header (tablesort, vendored beside this file;
   overrides/main.html loads the three files only on pages with a sortable table).
   Tables arrive newest first; the first click on Date or Upvotes sorts descending, a second reverses.
   Nothing is sorted while the page loads: the rows already arrive in the order of the header
   marked data-sort-default, so that header is only marked sorted (what Tablesort's own first
   sort would leave), and the rows are re-appended at the reader's first click, not before
   (a sort on load cost the topic pages a long task on a phone, Lighthouse's blocking time). */
(function () {
  "use strict";
  /* The Paper column sorts by the title alone. Tablesort would sort a cell without data-sort by
     its whole text, which also holds the status badge and the excerpt ("Foo Must read" would
     sort after "Foo bar"), so each title is copied into data-sort before the first sort: the
     pages do not carry every title twice, and the sort keys are the very strings they used to carry. */
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
      table.addEventListener("beforeSort", function () { sortTitlesByTitle(table); });
      var sorted = table.querySelector("thead th[data-sort-default]");
      if (sorted) sorted.removeAttribute("data-sort-default"); // no sort in the constructor
      var sort = new Tablesort(table, { descending: true });
      if (sorted) {
        sorted.setAttribute("aria-sort", "descending");
        sort.current = sorted;
      }
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
