// Invoice lines without a page reload: add a row from the <template>, remove
// a row, and ask htmx (the form's hx-trigger "lines-changed") for new totals.
// Without this script the form still works: "Add a line" posts the form and
// the server renders one more row.
(function () {
  "use strict";
  var form = document.getElementById("invoice-form");
  if (!form) { return; }
  var lines = document.getElementById("lines");
  var template = document.getElementById("line-template");

  function changed() {
    form.dispatchEvent(new Event("lines-changed", { bubbles: true }));
  }

  function addLine() {
    var index = parseInt(lines.dataset.nextIndex, 10);
    var shown = lines.querySelectorAll("[data-line]").length + 1;
    var html = template.innerHTML.split("__i__").join(String(index)).split("__n__").join(String(shown));
    lines.insertAdjacentHTML("beforeend", html);
    lines.dataset.nextIndex = String(index + 1);
    var added = lines.lastElementChild;
    var first = added && added.querySelector("input");
    if (first) { first.focus(); }
  }

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.closest("[data-add-line]")) {
      event.preventDefault();
      addLine();
      return;
    }
    var remove = target.closest("[data-remove-line]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("[data-line]");
      var next = row && (row.nextElementSibling || row.previousElementSibling);
      if (row) { row.remove(); }
      var focusable = next && next.querySelector("input");
      if (focusable) { focusable.focus(); }
      changed();
    }
  });
})();
