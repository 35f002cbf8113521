// The search page: queries the portal's search service (/api/v1/search) and shows hits
// and facets. When the service cannot be reached it says so plainly.
(function () {
  var form = document.getElementById("search-form");
  if (!form) return;
  var results = document.getElementById("search-results");
  var facets = document.getElementById("search-facets");
  var input = document.getElementById("q");
  var filters = {};
  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }
  function render(body) {
    results.innerHTML = "";
    facets.innerHTML = "";
    var hits = body.hits || body.results || [];
    var total = typeof body.total === "number" ? body.total : hits.length;
    results.appendChild(text("h2", results.dataset.results + ": " + total));
    if (!hits.length) { results.appendChild(text("p", results.dataset.none)); }
    var list = document.createElement("ul");
    list.className = "hits";
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = hit.url || hit.path || "#";
      a.textContent = hit.title || hit.url || "";
      li.appendChild(a);
      if (hit.snippet) li.appendChild(text("p", hit.snippet.replace(/<[^>]*>/g, "")));
      if (hit.kind || hit.dataset) li.appendChild(text("p", [hit.kind, hit.dataset].filter(Boolean).join(" · "), "meta"));
      list.appendChild(li);
    });
    results.appendChild(list);
    var groups = body.facets || {};
    Object.keys(groups).forEach(function (name) {
      var values = groups[name];
      if (!Array.isArray(values) || !values.length) return;
      var fieldset = document.createElement("fieldset");
      fieldset.appendChild(text("legend", name));
      values.forEach(function (v) {
        var value = v.value !== undefined ? v.value : v.name;
        var id = "f-" + name + "-" + String(value).replace(/\W+/g, "_");
        var box = document.createElement("input");
        box.type = "checkbox"; box.id = id; box.checked = filters[name] === value;
        box.addEventListener("change", function () {
          if (box.checked) filters[name] = value; else delete filters[name];
          search();
        });
        var labelEl = text("label", value + " (" + (v.count || 0) + ")");
        labelEl.htmlFor = id;
        var row = document.createElement("div");
        row.appendChild(box); row.appendChild(labelEl);
        fieldset.appendChild(row);
      });
      facets.appendChild(fieldset);
    });
  }
  function search() {
    var q = input.value.trim();
    var params = new URLSearchParams({ q: q, lang: form.dataset.lang });
    Object.keys(filters).forEach(function (k) { params.set(k, filters[k]); });
    history.replaceState(null, "", "?" + params.toString());
    fetch(form.dataset.api + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(render)
      .catch(function () {
        results.innerHTML = "";
        facets.innerHTML = "";
        results.appendChild(text("p", results.dataset.unavailable, "search-error"));
      });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); search(); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; search(); }
})();
