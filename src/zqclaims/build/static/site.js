// zhaoqing-investment-claims site: plain JavaScript, no network, text set with textContent only.
(function () {
  "use strict";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // ---- article pages: highlights and the detail panel ----
  var dataNode = document.getElementById("zq-data");
  var panel = document.getElementById("detail");
  if (dataNode && panel) {
    var data = JSON.parse(dataNode.textContent);
    var kinds = { claim: "Claim", event: "Event", exclusion: "Not a claim" };
    var active = [];

    var show = function (ref) {
      var item = data[ref];
      if (!item) return;
      active.forEach(function (n) { n.classList.remove("active"); });
      active = Array.prototype.slice.call(document.querySelectorAll('[data-ref="' + CSS.escape(ref) + '"]'));
      active.forEach(function (n) { n.classList.add("active"); });
      panel.textContent = "";
      panel.classList.remove("empty");
      var h = el("h2");
      h.appendChild(document.createTextNode(kinds[item.kind] + " "));
      h.appendChild(el("a", ref, { href: item.row }));
      panel.appendChild(h);
      panel.appendChild(el("p", item.statement, { class: "statement" }));
      var dl = el("dl", null, { class: "facts" });
      item.fields.forEach(function (f) { dl.appendChild(el("dt", f[0])); dl.appendChild(el("dd", f[1])); });
      panel.appendChild(dl);
      if (item.relations.length) {
        panel.appendChild(el("h3", "Relations"));
        var ul = el("ul");
        item.relations.forEach(function (r) {
          var li = el("li");
          li.appendChild(el("a", r.id, { href: "relations.html#" + r.id }));
          li.appendChild(document.createTextNode(" " + r.type + ": " + r.verdict));
          ul.appendChild(li);
        });
        panel.appendChild(ul);
      }
      panel.appendChild(el("p")).appendChild(el("a", "Open the row", { href: item.row }));
    };

    document.querySelectorAll(".hl[data-ref]").forEach(function (node) {
      var ref = node.getAttribute("data-ref");
      node.addEventListener("click", function (e) { e.stopPropagation(); show(ref); });
      node.addEventListener("focus", function () { show(ref); });
      node.addEventListener("mouseenter", function () { show(ref); });
      node.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(ref); }
      });
    });
    var target = decodeURIComponent(window.location.hash.slice(1));
    if (target && data[target]) show(target);

    document.querySelectorAll(".script-toggle button").forEach(function (button) {
      button.addEventListener("click", function () {
        var which = button.getAttribute("data-show");
        document.getElementById("text-original").hidden = which !== "original";
        document.getElementById("text-simplified").hidden = which !== "simplified";
        document.querySelectorAll(".script-toggle button").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
      });
    });
  }

  // ---- table pages: filter and sort ----
  var table = document.querySelector("table.sortable");
  if (table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var form = document.querySelector("form.filters");
    var output = form.querySelector("output");
    var apply = function () {
      var text = form.querySelector('[data-filter="text"]').value.trim().toLowerCase();
      var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !text || row.textContent.toLowerCase().indexOf(text) !== -1;
        selects.forEach(function (s) {
          if (ok && s.value) {
            var cell = row.querySelector('td[data-col="' + s.getAttribute("data-filter") + '"]');
            ok = cell !== null && cell.textContent === s.value;
          }
        });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      output.textContent = shown + " of " + rows.length + " rows";
    };
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);

    table.querySelectorAll("th button").forEach(function (button) {
      button.addEventListener("click", function () {
        var th = button.parentNode;
        var col = Number(button.getAttribute("data-col"));
        var numeric = button.getAttribute("data-type") === "number";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        table.querySelectorAll("th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var key = function (row) {
          var t = row.cells[col].textContent;
          if (!numeric) return t;
          return t === "" ? null : Number(t);
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === y) return 0;
          if (x === null) return 1;   // empty cells last, whichever the direction
          if (y === null) return -1;
          return (numeric ? (x < y ? -1 : 1) : String(x).localeCompare(String(y))) * dir;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }
})();
