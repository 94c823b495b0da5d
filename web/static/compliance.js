// stdsearch compliance pages: click a column header of a .sortable table to sort by it
// (again to reverse). The table is complete without this file.
(function () {
  "use strict";
  function cellValue(row, index) {
    return row.cells[index].textContent.trim();
  }
  function compare(a, b, numeric) {
    if (numeric) return Number(a) - Number(b);
    return a.localeCompare(b, "zh-CN");
  }
  document.addEventListener("click", function (event) {
    var header = event.target.closest("table.sortable th");
    if (!header) return;
    var table = header.closest("table");
    var body = table.tBodies[0];
    var index = header.cellIndex;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var numeric = header.getAttribute("data-sort") === "number";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var order = compare(cellValue(x, index), cellValue(y, index), numeric);
      return ascending ? order : -order;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  });
})();
