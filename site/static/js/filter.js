// Client-side filters for the catalogue and the register: each <select name=X> in a
// form.filters hides the items of its list whose data-X differs, and the text box keeps
// items whose data-text has every word typed. The filters live in the page URL
// (`?topic=budget&text=1551`), so a filtered list can be linked to and survives a reload.
// Without JavaScript every item stays visible.
(function () {
  document.querySelectorAll("form.filters").forEach(function (form) {
    var list = document.getElementById(form.dataset.list);
    if (!list) return;
    var count = form.querySelector(".filter-count");
    var box = form.querySelector("input[data-text-filter]");
    var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
    function apply() {
      var wanted = {};
      selects.forEach(function (s) { if (s.value) wanted[s.name] = s.value; });
      var words = box ? box.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var shown = 0, total = 0;
      list.querySelectorAll(".catalogue-item").forEach(function (item) {
        total++;
        var text = item.dataset.text || "";
        var ok = Object.keys(wanted).every(function (k) { return item.dataset[k] === wanted[k]; }) &&
          words.every(function (w) { return text.indexOf(w) !== -1; });
        item.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = shown + " / " + total;
      var params = new URLSearchParams(location.search);
      selects.forEach(function (s) { if (s.value) params.set(s.name, s.value); else params.delete(s.name); });
      if (box) { if (box.value.trim()) params.set("text", box.value.trim()); else params.delete("text"); }
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
    // The URL's filters first: only values the list offers are taken.
    var given = new URLSearchParams(location.search);
    selects.forEach(function (s) {
      var v = given.get(s.name);
      if (v !== null && Array.prototype.some.call(s.options, function (o) { return o.value === v; })) s.value = v;
    });
    if (box && given.get("text")) box.value = given.get("text");
    form.addEventListener("change", apply);
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    if (given.toString()) apply();
  });
})();
