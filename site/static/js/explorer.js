// The browsable table of a resource: the page carries the first rows (what readers without
// JavaScript get); this script reads the rows API instead, with a filter, sorting by any
// column heading and paging by the API's cursors. Each table keeps its state in the page URL
// under its resource's name (`kpis.filter=indicator__contains&kpis.value=камер&kpis.sort=-value_2024`),
// so a filtered, sorted page can be linked to. Cells show what the preview shows: labels
// instead of codes (the columns' `values`), English columns on English pages, and numbers
// written the way the page's language writes them.
(function () {
  var PAGE = 25;
  var OPS = { contains: 1, exact: 1, gte: 1, lte: 1 };

  function numberText(value, lang) {
    var n = Number(value);
    if (value === "" || value === null || !isFinite(n)) return String(value);
    var thousandths = Math.round(n * 1000);
    // More than three decimals (a coordinate): shown as the data writes it.
    if (Math.abs(thousandths / 1000 - n) > 1e-9) return String(value);
    var decimals = thousandths % 1000 === 0 ? 0 : thousandths % 100 === 0 ? 1 : thousandths % 10 === 0 ? 2 : 3;
    var fixed = Math.abs(n).toFixed(decimals).split(".");
    var group = lang === "en" ? "," : "\u00a0";
    var point = lang === "en" ? "." : ",";
    var whole = fixed[0].replace(/\B(?=(\d{3})+(?!\d))/g, group);
    return (n < 0 ? "\u2212" : "") + whole + (fixed[1] ? point + fixed[1] : "");
  }

  function setup(box) {
    var columns;
    try { columns = JSON.parse(box.querySelector(".explorer-columns").textContent); } catch (_) { return; }
    var resource = box.dataset.resource;
    var lang = box.dataset.lang;
    var form = box.querySelector(".explorer-filter");
    var status = box.querySelector(".explorer-status");
    var table = box.querySelector("table.preview");
    var pager = box.querySelector(".explorer-pager");
    var previous = box.querySelector(".explorer-previous");
    var next = box.querySelector(".explorer-next");
    var columnSelect = form.querySelector("select[name=column]");
    var opSelect = form.querySelector("select[name=op]");
    var valueInput = form.querySelector("input[name=value]");
    // The column a reader sees: English, then label, then the code itself.
    function shownName(c) { return c.en || c.label || c.name; }
    function cellText(c, row) {
      var en = c.en ? row[c.en] : null;
      if (en !== null && en !== undefined && en !== "") return String(en);
      var code = row[c.name];
      if (code === null || code === undefined) return "";
      if (c.values && Object.prototype.hasOwnProperty.call(c.values, String(code))) return c.values[String(code)];
      var label = c.label ? row[c.label] : null;
      if (label !== null && label !== undefined && label !== "") return String(label);
      return c.grouped ? numberText(code, lang) : String(code);
    }

    columns.forEach(function (c, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = c.title;
      columnSelect.appendChild(option);
    });

    // State: filter (column index, op, value), sort (column index, descending), and the
    // cursors of the pages before the current one.
    var state = { column: 0, op: "contains", value: "", sort: -1, desc: false, cursors: [] };
    var key = function (name) { return resource + "." + name; };
    function readUrl() {
      var p = new URLSearchParams(location.search);
      var filter = p.get(key("filter"));
      if (filter) {
        var at = filter.lastIndexOf("__");
        var index = columns.findIndex(function (c) { return shownName(c) === filter.slice(0, at) || c.name === filter.slice(0, at); });
        if (index >= 0 && OPS[filter.slice(at + 2)]) {
          state.column = index;
          state.op = filter.slice(at + 2);
          state.value = p.get(key("value")) || "";
        }
      }
      var sort = p.get(key("sort"));
      if (sort) {
        state.desc = sort.charAt(0) === "-";
        var name = state.desc ? sort.slice(1) : sort;
        state.sort = columns.findIndex(function (c) { return shownName(c) === name; });
      }
      var page = p.get(key("page"));
      state.cursors = page ? page.split("~").filter(Boolean) : [];
    }
    function writeUrl() {
      var p = new URLSearchParams(location.search);
      ["filter", "value", "sort", "page"].forEach(function (n) { p.delete(key(n)); });
      if (state.value) {
        p.set(key("filter"), filterColumn() + "__" + state.op);
        p.set(key("value"), state.value);
      }
      if (state.sort >= 0) p.set(key("sort"), (state.desc ? "-" : "") + shownName(columns[state.sort]));
      if (state.cursors.length) p.set(key("page"), state.cursors.join("~"));
      var query = p.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
    // Numbers and vocabulary codes are filtered on the code; free text on what is shown.
    function filterColumn() {
      var c = columns[state.column];
      var onCode = c.numeric || state.op !== "contains" && c.values && Object.keys(c.values).length;
      return onCode ? c.name : shownName(c);
    }
    function filterValue() {
      var c = columns[state.column];
      var v = state.value.trim();
      if (c.numeric) return v.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
      if (c.values) {
        for (var code in c.values) {
          if (c.values[code].toLowerCase() === v.toLowerCase()) return code;
        }
      }
      return v;
    }
    // "Contains" means "equals" for a number.
    function apiOp() {
      return columns[state.column].numeric && state.op === "contains" ? "exact" : state.op;
    }
    function apiUrl() {
      var p = new URLSearchParams();
      p.set("_size", String(PAGE));
      if (state.value) p.set(filterColumn() + "__" + apiOp(), filterValue());
      if (state.sort >= 0) {
        var c = columns[state.sort];
        p.set(state.desc ? "_sort_desc" : "_sort", c.numeric ? c.name : shownName(c));
      }
      var cursor = state.cursors[state.cursors.length - 1];
      if (cursor) p.set("_next", cursor);
      return box.dataset.rows + "?" + p.toString();
    }
    function headings() {
      var cells = table.querySelectorAll("thead th");
      cells.forEach(function (th, i) {
        var c = columns[i];
        if (!c) return;
        var button = th.querySelector("button");
        if (!button) {
          button = document.createElement("button");
          button.type = "button";
          button.className = "sort";
          button.textContent = th.textContent;
          th.textContent = "";
          th.appendChild(button);
          button.addEventListener("click", function () {
            state.desc = state.sort === i ? !state.desc : false;
            state.sort = i;
            state.cursors = [];
            load();
          });
        }
        var sorted = state.sort === i;
        th.setAttribute("aria-sort", sorted ? (state.desc ? "descending" : "ascending") : "none");
        button.title = (sorted && !state.desc) ? box.dataset.sortDesc : box.dataset.sortAsc;
      });
    }
    function render(body) {
      var tbody = document.createElement("tbody");
      (body.rows || []).forEach(function (row) {
        var tr = document.createElement("tr");
        columns.forEach(function (c) {
          var td = document.createElement("td");
          td.textContent = cellText(c, row);
          if (c.numeric) td.className = "num";
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      table.replaceChild(tbody, table.querySelector("tbody"));
      var shown = (body.rows || []).length;
      var first = state.cursors.length * PAGE + 1;
      var total = body.total === null || body.total === undefined ? "?" : numberText(body.total, lang);
      status.textContent = shown === 0 ? box.dataset.none
        : box.dataset.shown.replace("{from}", numberText(first, lang))
          .replace("{to}", numberText(first + shown - 1, lang)).replace("{total}", total);
      pager.hidden = !body.next && state.cursors.length === 0;
      previous.disabled = state.cursors.length === 0;
      next.disabled = !body.next;
      next.dataset.cursor = body.next || "";
      headings();
    }
    var pending = 0;
    function load() {
      var ticket = ++pending;
      writeUrl();
      fetch(apiUrl(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (ticket !== pending) return;
          if (!answer.ok) {
            status.textContent = (answer.body && answer.body.error && answer.body.error.message) || box.dataset.failed;
            return;
          }
          render(answer.body);
        })
        .catch(function () {
          if (ticket === pending) status.textContent = box.dataset.failed;
        });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      state.column = Number(columnSelect.value);
      state.op = opSelect.value;
      state.value = valueInput.value;
      state.cursors = [];
      load();
    });
    form.addEventListener("reset", function () {
      setTimeout(function () {
        state = { column: 0, op: "contains", value: "", sort: -1, desc: false, cursors: [] };
        load();
      }, 0);
    });
    next.addEventListener("click", function () {
      if (!next.dataset.cursor) return;
      state.cursors.push(next.dataset.cursor);
      load();
    });
    previous.addEventListener("click", function () {
      state.cursors.pop();
      load();
    });

    readUrl();
    columnSelect.value = String(state.column);
    opSelect.value = state.op;
    valueInput.value = state.value;
    form.hidden = false;
    load();
  }

  document.querySelectorAll(".explorer").forEach(setup);
})();
