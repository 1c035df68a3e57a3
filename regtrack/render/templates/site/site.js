// regtrack's web report: sort the index table by a column, filter its rows.
// Shipped as a file of the site (no CDN, nothing fetched), so it works from file://;
// the pages' Content-Security-Policy allows no other script.
"use strict";

(function () {
  const table = document.getElementById("regressions");
  if (!table) {
    return;
  }
  const body = table.tBodies[0];
  const headers = Array.from(table.tHead.rows[0].cells);
  const rows = Array.from(body.rows);
  rows.forEach((row, index) => { row.dataset.index = String(index); });

  // The value a row is sorted by in a column: the cell's data-sort if it has one
  // (days as numbers, statuses in the order a regression moves through them), else its text.
  function sortKey(row, column, numeric) {
    const cell = row.cells[column];
    const value = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent;
    return numeric ? Number(value) : value.trim().toLowerCase();
  }

  function sortBy(header, column) {
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    const numeric = header.dataset.type === "number";
    const direction = ascending ? 1 : -1;
    headers.forEach((other) => other.removeAttribute("aria-sort"));
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const keyed = Array.from(body.rows).map((row) => [sortKey(row, column, numeric), row]);
    keyed.sort((a, b) => {
      if (a[0] < b[0]) { return -direction; }
      if (a[0] > b[0]) { return direction; }
      return Number(a[1].dataset.index) - Number(b[1].dataset.index);
    });
    body.append(...keyed.map((pair) => pair[1]));
  }

  headers.forEach((header, column) => {
    const button = header.querySelector("button");
    if (button) {
      button.addEventListener("click", () => sortBy(header, column));
    }
  });

  const text = document.getElementById("filter");
  const status = document.getElementById("status-filter");
  const tree = document.getElementById("tree-filter");
  const shown = document.getElementById("shown");
  const unresolved = new Set(["open", "fix-posted", "fix-queued"]);

  function statusMatches(value) {
    if (status.value === "") { return true; }
    if (status.value === "unresolved") { return unresolved.has(value); }
    return value === status.value;
  }

  // Every word typed must occur in the row (id, status, tree, culprit, title,
  // reporter, flags); the status and tree menus narrow further.
  function applyFilter() {
    const words = text.value.toLowerCase().split(/\s+/).filter((word) => word !== "");
    let count = 0;
    for (const row of rows) {
      const haystack = row.dataset.search || "";
      const visible = words.every((word) => haystack.includes(word))
        && statusMatches(row.dataset.status)
        && (tree.value === "" || row.dataset.tree === tree.value);
      row.hidden = !visible;
      count += visible ? 1 : 0;
    }
    shown.textContent = count + " of " + rows.length + " shown";
  }

  document.getElementById("filters").addEventListener("submit", (event) => event.preventDefault());
  text.addEventListener("input", applyFilter);
  status.addEventListener("change", applyFilter);
  tree.addEventListener("change", applyFilter);
  applyFilter();
})();
