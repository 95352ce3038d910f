/* The quote editor's totals while its lines are edited (issue 18).
 *
 * Progressive enhancement: without this script the totals are the saved ones, recalculated
 * on save. With it, every edit of a line (quantity, unit price, tax rate, discount, its
 * "Delete?" box, a row added or removed) posts the kept lines, ~300 ms after the last edit,
 * to the quote admin's "totals/" view (QuoteAdmin.totals_view), which totals them with
 * betterform.pricing exactly as a save does and formats them as the page does; nothing is
 * rounded here. The totals and each line's total are then replaced, and "(not saved yet)"
 * shows next to the Totals heading until the page is saved. A refusal (a value that is not a
 * number, too many lines) is shown in the totals' description instead.
 * No dependencies; no build step.
 */
(function () {
  "use strict";

  var NUMBERS = ["quantity", "unit_price", "tax_rate", "discount_percent"];
  var TOTALS = ["subtotal", "discount_total", "tax_total", "total"];
  var DELAY = 300;

  function init() {
    var group = document.getElementById("lines-group");
    var total = document.querySelector(".field-total_shown");
    if (!group || !total) return;
    var fieldset = total.closest("fieldset");
    var heading = fieldset && fieldset.querySelector(".fieldset-heading");
    var description = fieldset && fieldset.querySelector(".description");
    if (fieldset && !description) {
      description = document.createElement("div");
      description.className = "description";
      description.hidden = true;
      (heading || fieldset.firstChild).insertAdjacentElement("afterend", description);
    }
    var savedDescription = description ? description.textContent : "";
    var url = window.location.pathname.replace(/(?:[^\/]+\/change|add)\/?$/, "totals/");
    var timer = null;
    var sequence = 0;
    var note = null;

    function csrfToken() {
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (input && input.value) return input.value;
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : "";
    }

    function field(row, name) {
      return row.querySelector("[name$='-" + name + "']");
    }

    function value(row, name) {
      var input = field(row, name);
      return input ? input.value.trim() : "";
    }

    function rows() {
      return Array.prototype.filter.call(
        group.querySelectorAll("tr.form-row"),
        function (row) { return !row.classList.contains("empty-form") && field(row, "quantity"); }
      );
    }

    function lineCell(row) {
      var cell = row.querySelector("td.field-line_total");
      if (!cell) return null;
      var shown = cell.querySelector("p");
      if (!shown) {
        shown = document.createElement("p");
        cell.appendChild(shown);
      }
      return shown;
    }

    function showNote() {
      if (note || !heading) return;
      note = document.createElement("span");
      note.className = "quote-totals-unsaved";
      note.textContent = " (not saved yet)";
      heading.appendChild(note);
    }

    function showDescription(text, isError) {
      if (!description) return;
      description.textContent = text;
      description.hidden = !text;
      description.classList.toggle("errornote", !!isError);
    }

    function refresh() {
      var kept = [];
      var lines = [];
      rows().forEach(function (row) {
        var deleted = field(row, "DELETE");
        var cell = lineCell(row);
        if ((deleted && deleted.checked) || (!value(row, "quantity") && !value(row, "unit_price"))) {
          if (cell) cell.textContent = "-";  // not part of the quote's totals
          return;
        }
        var line = {};
        NUMBERS.forEach(function (name) { line[name] = value(row, name); });
        lines.push(line);
        kept.push(cell);
      });
      var currency = document.getElementById("id_currency");
      var body = JSON.stringify({currency: currency ? currency.value.trim() : "", lines: lines});
      var mine = ++sequence;
      showNote();
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": csrfToken(),
          "X-Requested-With": "XMLHttpRequest"
        },
        body: body
      }).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      }).then(function (answer) {
        if (mine !== sequence) return;  // a newer edit's answer is on its way
        if (!answer.ok) {
          showDescription(answer.data.error || "The totals could not be worked out.", true);
          return;
        }
        showDescription(savedDescription, false);
        TOTALS.forEach(function (name) {
          var shown = document.querySelector(".field-" + name + "_shown .readonly");
          if (shown) shown.textContent = answer.data[name];
        });
        kept.forEach(function (cell, index) {
          if (cell) cell.textContent = answer.data.lines[index];
        });
      }).catch(function () {
        if (mine === sequence) showDescription("The totals could not be worked out.", true);
      });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY);
    }

    function relevant(target) {
      if (!target || !target.name) return false;
      if (target.id === "id_currency") return true;
      return [].concat(NUMBERS, ["DELETE"]).some(function (name) {
        return target.name.slice(-(name.length + 1)) === "-" + name;
      });
    }

    function onEdit(event) {
      if (relevant(event.target)) schedule();
    }

    group.addEventListener("input", onEdit);
    group.addEventListener("change", onEdit);
    var currency = document.getElementById("id_currency");
    if (currency) {
      currency.addEventListener("input", onEdit);
      currency.addEventListener("change", onEdit);
    }
    document.addEventListener("formset:removed", function (event) {
      if (!event.detail || event.detail.formsetName === "lines") schedule();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
