// Client-side filters for the catalogue and the register: each <select name=X> in a
// form.filters hides the items of its list whose data-X differs. Without JavaScript every
// item stays visible.
(function () {
  document.querySelectorAll("form.filters").forEach(function (form) {
    var list = document.getElementById(form.dataset.list);
    if (!list) return;
    var count = form.querySelector(".filter-count");
    function apply() {
      var wanted = {};
      form.querySelectorAll("select").forEach(function (s) { if (s.value) wanted[s.name] = s.value; });
      // The text box matches any word of data-text (title, description, publisher).
      var box = form.querySelector("input[data-text-filter]");
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
    }
    form.addEventListener("change", apply);
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  });
})();
