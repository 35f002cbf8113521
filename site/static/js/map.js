// The appeals map: H3 hexagons from the GeoJSON embedded in the page, coloured by count,
// drawn with the vendored Leaflet. OpenStreetMap tiles are only a backdrop: with no network
// the hexagons, the legend and the counts still show. Selecting a hexagon lists its
// categories beside the map.
(function () {
  var element = document.getElementById("appeals-map");
  var data = document.getElementById("appeals-hexagons");
  if (!element || !data || typeof L === "undefined") return;
  var geojson;
  try { geojson = JSON.parse(data.textContent); } catch (e) { return; }
  var label = element.dataset.labelAppeals || "";
  var details = document.getElementById("map-details");
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
  }).addTo(map);
  function show(feature) {
    var p = feature.properties;
    var html = "<h3>" + p.count + " " + label + "</h3><ul>";
    p.categories.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.name + ": " + c.count;
      html += li.outerHTML;
    });
    details.innerHTML = html + "</ul>";
  }
  var layer = L.geoJSON(geojson, {
    style: function (f) {
      return { color: "#333333", weight: 1, fillColor: f.properties.fill, fillOpacity: 0.75 };
    },
    onEachFeature: function (feature, shape) {
      shape.on("click", function () { show(feature); });
      shape.on("add", function () {
        var path = shape.getElement && shape.getElement();
        if (!path) return;
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "button");
        path.setAttribute("aria-label", feature.properties.count + " " + label);
        path.classList.add("hexagon");
        path.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(feature); }
        });
      });
    }
  }).addTo(map);
  if (geojson.features && geojson.features.length) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20] });
  } else {
    map.setView([50.45, 30.52], 10);
  }
})();
