// PNG download of a build-time SVG chart: the SVG is drawn into a canvas in the browser
// (no server round trip) at twice its size, then saved. SVG and CSV are plain links.
(function () {
  document.querySelectorAll("button.png-download").forEach(function (button) {
    button.addEventListener("click", function () {
      var figure = document.getElementById(button.dataset.chart);
      var svg = figure && figure.querySelector("svg");
      if (!svg) return;
      var box = svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width
        ? svg.viewBox.baseVal : { width: svg.clientWidth, height: svg.clientHeight };
      var text = new XMLSerializer().serializeToString(svg);
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = box.width * 2;
        canvas.height = box.height * 2;
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        var link = document.createElement("a");
        link.download = button.dataset.filename || "chart.png";
        link.href = canvas.toDataURL("image/png");
        document.body.appendChild(link);
        link.click();
        link.remove();
      };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  });
})();
