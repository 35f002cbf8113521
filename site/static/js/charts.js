// PNG download of a build-time SVG chart, drawn in the browser (no server round trip) at
// twice its size. It draws the downloadable SVG (`data-svg`), which carries the title, the
// source documents and the licence around the chart; the chart on the page is the fallback
// when that file cannot be read. SVG and CSV are plain links.
(function () {
  function sizeOf(svg) {
    var box = svg.viewBox && svg.viewBox.baseVal;
    if (box && box.width) return { width: box.width, height: box.height };
    return { width: svg.clientWidth || 760, height: svg.clientHeight || 360 };
  }
  function save(text, size, filename) {
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = size.width * 2;
      canvas.height = size.height * 2;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      var link = document.createElement("a");
      link.download = filename;
      link.href = canvas.toDataURL("image/png");
      document.body.appendChild(link);
      link.click();
      link.remove();
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  }
  function inline(button) {
    var figure = document.getElementById(button.dataset.chart);
    var svg = figure && figure.querySelector("svg");
    if (!svg) return null;
    return { text: new XMLSerializer().serializeToString(svg), size: sizeOf(svg) };
  }
  document.querySelectorAll("button.png-download").forEach(function (button) {
    button.addEventListener("click", function () {
      var filename = button.dataset.filename || "chart.png";
      var fallback = function () {
        var chart = inline(button);
        if (chart) save(chart.text, chart.size, filename);
      };
      if (!button.dataset.svg || !window.fetch) return fallback();
      fetch(button.dataset.svg)
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (text) {
          var svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
          var width = parseFloat(svg.getAttribute("width")), height = parseFloat(svg.getAttribute("height"));
          if (!width || !height) throw new Error("no size");
          save(text, { width: width, height: height }, filename);
        })
        .catch(fallback);
    });
  });
})();
