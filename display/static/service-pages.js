/*
 * The waiting list's pages, for display.js.
 *
 * A hall with more services than fit whole in the waiting panel, even in the smallest legible
 * type, used to lose the last ones without a word: a visitor whose service was cut off could
 * only think it was not served here. The list is cut into pages instead, shown in turn, and
 * the panel's title says which page this is and how many services the others hold
 * ("Halaman 1/3 · +40 layanan lainnya"). Turning pages suits a TV nobody touches: every
 * visitor sees their own service's count within one round; a "+40 more" note alone would
 * tell them it exists but never show it.
 */
(function () {
  "use strict";

  // How many of `rows`, from the first, fit whole in `list` (at least one: a row taller than
  // the panel still gets a page of its own).
  function fittingCount(list, rows) {
    list.replaceChildren(...rows);
    const box = list.getBoundingClientRect();
    let count = 0;
    while (count < rows.length) {
      const row = rows[count].getBoundingClientRect();
      // Past the bottom, or in a column past the right edge (the list flows in columns).
      if (row.bottom > box.bottom + 0.5 || row.right > box.right + 0.5) { break; }
      count += 1;
    }
    return Math.max(1, count);
  }

  // `rows` (elements, in order) cut into pages that each fit whole: [[start, end), ...].
  function paginate(list, rows) {
    const pages = [];
    let start = 0;
    while (start < rows.length) {
      const end = start + fittingCount(list, rows.slice(start));
      pages.push([start, end]);
      start = end;
    }
    return pages.length ? pages : [[0, 0]];
  }

  window.AntrianServicePages = Object.freeze({ paginate: paginate });
})();
