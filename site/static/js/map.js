// The appeals map: H3 hexagons from the GeoJSON embedded in the page, coloured by count, and
// labelled circles at district centres for appeals anonymisation kept only the district of;
// drawn with the vendored Leaflet. OpenStreetMap tiles are only a backdrop: with no network
// the shapes, the legend and the counts still show. Selecting a shape lists its categories
// beside the map, in the page's language (#map-labels).
(function () {
  var element = document.getElementById("appeals-map");
  var data = document.getElementById("appeals-hexagons");
  if (!element || !data || typeof L === "undefined") return;
  var geojson;
  try { geojson = JSON.parse(data.textContent); } catch (e) { return; }
  var label = element.dataset.labelAppeals || "";
  var details = document.getElementById("map-details");
  var words = {};
  try { words = JSON.parse(document.getElementById("map-labels").textContent); } catch (e) { words = {}; }
  function say(value) { return Object.prototype.hasOwnProperty.call(words, value) ? words[value] : value; }
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
  }).addTo(map);
  function show(feature) {
    var p = feature.properties;
    details.textContent = "";
    var heading = document.createElement("h3");
    heading.textContent = (p.district ? say(p.district) + ": " : "") + p.count + " " + label;
    var list = document.createElement("ul");
    p.categories.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = say(c.name) + ": " + c.count;
      list.appendChild(li);
    });
    details.appendChild(heading);
    details.appendChild(list);
  }
  var layer = L.geoJSON(geojson, {
    style: function (f) {
      if (f.properties.district) {
        return { color: "#1f5fa8", weight: 2, fillColor: "#1f5fa8", fillOpacity: 0.3 };
      }
      return { color: "#333333", weight: 1, fillColor: f.properties.fill, fillOpacity: 0.75 };
    },
    // A district's appeals: a circle whose area grows with the count, labelled in words.
    pointToLayer: function (feature, latlng) {
      var marker = L.circleMarker(latlng, { radius: 8 + 3 * Math.sqrt(feature.properties.count) });
      marker.bindTooltip(say(feature.properties.district) + ": " + feature.properties.count,
        { permanent: true, direction: "center", className: "district-label" });
      return marker;
    },
    onEachFeature: function (feature, shape) {
      shape.on("click", function () { show(feature); });
      shape.on("add", function () {
        var path = shape.getElement && shape.getElement();
        if (!path) return;
        var district = feature.properties.district;
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "button");
        path.setAttribute("aria-label", (district ? say(district) + ": " : "") + feature.properties.count + " " + label);
        path.classList.add(district ? "district" : "hexagon");
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
