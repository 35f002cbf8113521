// The search page: queries the portal's search service (/api/v1/search) and shows hits as
// links to their records with highlighted snippets, facet filters with human labels (from the
// page's #search-labels, i.e. the site's [translations] and catalogue), and paging by the
// service's cursors. The query and filters are kept in the page URL. When the service cannot
// be reached it says so plainly.
(function () {
  var form = document.getElementById("search-form");
  if (!form) return;
  var results = document.getElementById("search-results");
  var facets = document.getElementById("search-facets");
  var input = document.getElementById("q");
  var labels = {};
  try { labels = JSON.parse(document.getElementById("search-labels").textContent); } catch (_) { labels = {}; }
  var FACETS = ["type", "year", "district", "category", "status", "dataset", "language"];
  // filters: facet name → array of selected values (repeated parameters are ORed by the API).
  var filters = {};
  // cursors[i] is the cursor of page i + 1 (page 1 has none).
  var cursors = [null];
  var pageIndex = 0;

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }
  function label(facet, value) {
    var table = labels[facet] || {};
    return Object.prototype.hasOwnProperty.call(table, value) ? table[value] : String(value);
  }
  // The service's snippet is HTML with the text escaped and matches in <b>; it is rebuilt
  // here from text nodes and <mark>s only, so nothing else from it can reach the page.
  function snippet(html) {
    var p = document.createElement("p");
    p.className = "snippet";
    var parsed = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html").body;
    parsed.childNodes.forEach(function (node) {
      if (node.nodeType === 3) p.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "B") p.appendChild(text("mark", node.textContent));
      else p.appendChild(document.createTextNode(node.textContent || ""));
    });
    return p;
  }
  function params(withCursor) {
    var p = new URLSearchParams();
    p.set("q", input.value.trim());
    FACETS.forEach(function (name) {
      (filters[name] || []).forEach(function (v) { p.append(name, v); });
    });
    if (withCursor && cursors[pageIndex]) p.set("cursor", cursors[pageIndex]);
    return p;
  }
  function toggle(name, value, on) {
    var list = filters[name] || [];
    list = list.filter(function (v) { return v !== value; });
    if (on) list.push(value);
    if (list.length) filters[name] = list; else delete filters[name];
    cursors = [null];
    pageIndex = 0;
    search();
  }
  function renderFacets(groups) {
    facets.innerHTML = "";
    FACETS.forEach(function (name) {
      var values = (groups[name] || []).slice();
      // A selected value stays listed (and can be unticked) even when it counts nothing.
      (filters[name] || []).forEach(function (v) {
        if (!values.some(function (x) { return String(x.value) === v; })) values.push({ value: v, count: 0 });
      });
      if (!values.length) return;
      var fieldset = document.createElement("fieldset");
      fieldset.appendChild(text("legend", label("facets", name)));
      values.forEach(function (v, i) {
        var value = String(v.value);
        var id = "f-" + name + "-" + i;
        var box = document.createElement("input");
        box.type = "checkbox";
        box.id = id;
        box.value = value;
        box.checked = (filters[name] || []).indexOf(value) >= 0;
        box.addEventListener("change", function () { toggle(name, value, box.checked); });
        var labelEl = text("label", label(name, value) + " (" + (v.count || 0) + ")");
        labelEl.htmlFor = id;
        var row = document.createElement("div");
        row.className = "facet-value";
        row.appendChild(box);
        row.appendChild(labelEl);
        fieldset.appendChild(row);
      });
      facets.appendChild(fieldset);
    });
  }
  // "Did you mean …": each suggested query (the service's `suggestions`) as a link that
  // runs it, with its hit count.
  function renderSuggestions(suggestions) {
    if (!Array.isArray(suggestions) || !suggestions.length) return;
    var p = text("p", (results.dataset.suggest || "") + " ", "suggestions");
    suggestions.forEach(function (s, i) {
      var a = text("a", s.q);
      a.href = "?" + new URLSearchParams({ q: s.q }).toString();
      a.addEventListener("click", function (e) {
        e.preventDefault();
        input.value = s.q;
        cursors = [null];
        pageIndex = 0;
        search();
      });
      if (i) p.appendChild(document.createTextNode(", "));
      p.appendChild(a);
      p.appendChild(document.createTextNode(" (" + s.total + ")"));
    });
    p.appendChild(document.createTextNode("?"));
    results.appendChild(p);
  }
  function render(body) {
    results.innerHTML = "";
    var hits = body.hits || [];
    var total = typeof body.total === "number" ? body.total : hits.length;
    var first = body.offset || 0;
    var heading = results.dataset.results + ": " + total;
    if (hits.length) heading += " · " + results.dataset.shown + " " + (first + 1) + "–" + (first + hits.length);
    results.appendChild(text("h2", heading));
    if (body.fuzzy) results.appendChild(text("p", results.dataset.fuzzy, "note"));
    renderSuggestions(body.suggestions);
    if (!hits.length) results.appendChild(text("p", results.dataset.none));
    var list = document.createElement("ol");
    list.className = "hits";
    list.start = first + 1;
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      li.className = "hit hit-" + hit.type;
      var a = document.createElement("a");
      a.href = hit.url;
      a.className = "hit-title";
      a.textContent = hit.title || label("type", hit.type);
      li.appendChild(a);
      var meta = [label("type", hit.type)];
      if (hit.dataset) meta.push(label("dataset", hit.dataset));
      li.appendChild(text("p", meta.join(" · "), "meta"));
      if (hit.snippet) li.appendChild(snippet(hit.snippet));
      list.appendChild(li);
    });
    results.appendChild(list);
    var pager = document.createElement("nav");
    pager.className = "pager";
    pager.setAttribute("aria-label", results.dataset.results);
    if (pageIndex > 0) {
      var prev = text("button", results.dataset.previous, "pager-previous");
      prev.type = "button";
      prev.addEventListener("click", function () { pageIndex--; search(); });
      pager.appendChild(prev);
    }
    if (body.next) {
      var next = text("button", results.dataset.next, "pager-next");
      next.type = "button";
      next.addEventListener("click", function () {
        cursors[pageIndex + 1] = body.next;
        pageIndex++;
        search();
      });
      pager.appendChild(next);
    }
    if (pager.childNodes.length) results.appendChild(pager);
    renderFacets(body.facets || {});
  }
  function say(message, cls) {
    results.innerHTML = "";
    facets.innerHTML = "";
    results.appendChild(text("p", message, cls));
  }
  function search() {
    if (!input.value.trim()) return;
    history.replaceState(null, "", "?" + params(false).toString());
    fetch(form.dataset.api + "?" + params(true).toString(), { headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (r.ok && body) return render(body);
          // A 4xx names what is wrong with the query; anything else means the service is down.
          if (r.status >= 400 && r.status < 500 && body && body.error) {
            say(results.dataset.failed + " " + body.error.message, "search-error");
          } else {
            say(results.dataset.unavailable, "search-error");
          }
        });
      })
      .catch(function () { say(results.dataset.unavailable, "search-error"); });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    cursors = [null];
    pageIndex = 0;
    search();
  });
  // The page's language is the default language filter: Ukrainian pages find Ukrainian
  // records, English pages English ones; the reader can untick it to search both.
  var initial = new URLSearchParams(location.search);
  var any = false;
  FACETS.forEach(function (name) {
    var values = initial.getAll(name);
    if (values.length) { filters[name] = values; any = true; }
  });
  if (!any && form.dataset.lang) filters.language = [form.dataset.lang];
  if (initial.get("q")) { input.value = initial.get("q"); search(); }
})();
