//! The appeals map's data: counts of anonymised appeals per H3 cell, each cell's boundary
//! from h3o, and — for appeals anonymisation generalised to their district — one point per
//! district at its centre (from the published `districts` reference), as an RFC 7946 GeoJSON
//! FeatureCollection (geojson crate) with a colour class per cell and the legend. It sees
//! only the published, anonymised cells and districts — never raw addresses.
//! Drawing the map (Leaflet, vendored) is the templates' and `static/js/map.js`'s job.

use std::collections::BTreeMap;
use std::str::FromStr;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject};
use h3o::CellIndex;
use serde::Serialize;
use serde_json::json;

/// A sequential, colour-blind-safe ramp (ColorBrewer YlOrRd 5), light to dark.
pub const RAMP: [&str; 5] = ["#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026"];

/// Counts per cell, ready to draw.
#[derive(Debug, Clone, Serialize)]
pub struct HexMap {
    /// The FeatureCollection as JSON text (embedded in the page and written beside it).
    pub geojson: String,
    /// One entry per colour class.
    pub legend: Vec<LegendClass>,
    /// Appeals placed on a cell.
    pub mapped: u64,
    /// Appeals shown at their district's centre (no cell, a district with a known centre).
    pub district_level: u64,
    /// Appeals with no place on the map at all.
    pub unmapped: u64,
    /// Cells drawn.
    pub cells: usize,
    /// District points drawn.
    pub districts: usize,
    /// Cell ids that are not valid H3 cells (reported, not drawn).
    pub invalid_cells: Vec<String>,
}

/// One colour class of the legend: counts `from..=to` get `color`.
#[derive(Debug, Clone, Serialize)]
pub struct LegendClass {
    pub color: String,
    pub from: u64,
    pub to: u64,
}

#[derive(Default)]
struct Cell {
    count: u64,
    categories: BTreeMap<String, u64>,
}

impl Cell {
    fn add(&mut self, category: &str) {
        self.count += 1;
        *self.categories.entry(category.to_string()).or_default() += 1;
    }

    /// Categories, most first, as the map's side panel lists them.
    fn categories_json(&self) -> serde_json::Value {
        let mut categories: Vec<(&String, &u64)> = self.categories.iter().collect();
        categories.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        json!(categories
            .iter()
            .map(|(name, count)| json!({"name": name, "count": count}))
            .collect::<Vec<_>>())
    }
}

/// One published appeal as the map sees it.
#[derive(Debug, Clone, Copy)]
pub struct MapAppeal<'a> {
    pub cell: &'a str,
    pub district: &'a str,
    pub category: &'a str,
}

/// District centres (latitude, longitude) by district name.
pub type DistrictCentres = BTreeMap<String, (f64, f64)>;

/// Builds the map: an appeal with a cell counts in its hexagon; one without a cell but with a
/// district that has a centre counts at that centre; any other is unmapped.
pub fn hex_map<'a>(
    appeals: impl IntoIterator<Item = MapAppeal<'a>>,
    centres: &DistrictCentres,
) -> HexMap {
    let mut cells: BTreeMap<String, Cell> = BTreeMap::new();
    let mut districts: BTreeMap<String, Cell> = BTreeMap::new();
    let mut unmapped = 0;
    for appeal in appeals {
        let cell = appeal.cell.trim();
        let district = appeal.district.trim();
        if !cell.is_empty() {
            cells
                .entry(cell.to_ascii_lowercase())
                .or_default()
                .add(appeal.category);
        } else if centres.contains_key(district) {
            districts
                .entry(district.to_string())
                .or_default()
                .add(appeal.category);
        } else {
            unmapped += 1;
        }
    }
    let max = cells.values().map(|c| c.count).max().unwrap_or(0);
    let legend = legend(max);
    let mut invalid_cells = Vec::new();
    let mut features = Vec::with_capacity(cells.len());
    let mut mapped = 0;
    for (id, cell) in &cells {
        let Ok(index) = CellIndex::from_str(id) else {
            invalid_cells.push(id.clone());
            continue;
        };
        mapped += cell.count;
        let mut ring: Vec<Vec<f64>> = index
            .boundary()
            .iter()
            .map(|p| vec![round6(p.lng()), round6(p.lat())])
            .collect();
        if let Some(first) = ring.first().cloned() {
            ring.push(first);
        }
        let color = legend
            .iter()
            .find(|c| cell.count <= c.to)
            .map_or(RAMP[RAMP.len() - 1], |c| c.color.as_str());
        let mut properties = JsonObject::new();
        properties.insert("cell".into(), json!(id));
        properties.insert("count".into(), json!(cell.count));
        properties.insert("fill".into(), json!(color));
        properties.insert("categories".into(), cell.categories_json());
        features.push(Feature {
            bbox: None,
            geometry: Some(Geometry::new(geojson::Value::Polygon(vec![ring]))),
            id: None,
            properties: Some(properties),
            foreign_members: None,
        });
    }
    let cells_drawn = features.len();
    let mut district_level = 0;
    for (name, district) in &districts {
        let Some(&(lat, lon)) = centres.get(name) else {
            continue;
        };
        district_level += district.count;
        let mut properties = JsonObject::new();
        properties.insert("district".into(), json!(name));
        properties.insert("count".into(), json!(district.count));
        properties.insert("categories".into(), district.categories_json());
        features.push(Feature {
            bbox: None,
            geometry: Some(Geometry::new(geojson::Value::Point(vec![
                round6(lon),
                round6(lat),
            ]))),
            id: None,
            properties: Some(properties),
            foreign_members: None,
        });
    }
    let districts_drawn = features.len() - cells_drawn;
    let collection = FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    HexMap {
        geojson: collection.to_string(),
        legend,
        mapped,
        district_level,
        unmapped,
        cells: cells_drawn,
        districts: districts_drawn,
        invalid_cells,
    }
}

/// Equal-width classes over 1..=max, at most five, never empty or overlapping.
fn legend(max: u64) -> Vec<LegendClass> {
    if max == 0 {
        return Vec::new();
    }
    let classes = (RAMP.len() as u64).min(max);
    let mut out = Vec::new();
    let mut from = 1;
    for i in 0..classes {
        let to = if i + 1 == classes {
            max
        } else {
            (max * (i + 1)).div_ceil(classes)
        };
        if to < from {
            continue;
        }
        out.push(LegendClass {
            color: RAMP[(i as usize * (RAMP.len() - 1)) / (classes.max(2) as usize - 1).max(1)]
                .to_string(),
            from,
            to,
        });
        from = to + 1;
    }
    out
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_closed_hexagons_with_counts_and_categories() {
        // A resolution-8 cell in central Kyiv.
        let cell = h3o::LatLng::new(50.4501, 30.5234)
            .unwrap()
            .to_cell(h3o::Resolution::Eight)
            .to_string();
        let appeal = |cell, district, category| MapAppeal {
            cell,
            district,
            category,
        };
        let appeals = vec![
            appeal(cell.as_str(), "Шевченківський", "Благоустрій"),
            appeal(cell.as_str(), "", "Благоустрій"),
            appeal(cell.as_str(), "", "Транспорт"),
            appeal("", "", "Транспорт"),
            appeal("", "Подільський", "Транспорт"),
            appeal("", "Подільський", "Освітлення"),
            appeal("", "Без центру", "Освітлення"),
            appeal("nonsense", "", "Інше"),
        ];
        let centres = DistrictCentres::from([("Подільський".to_string(), (50.47, 30.49))]);
        let map = hex_map(appeals, &centres);
        assert_eq!((map.mapped, map.unmapped, map.cells), (3, 2, 1));
        assert_eq!((map.district_level, map.districts), (2, 1));
        assert_eq!(map.invalid_cells, ["nonsense"]);
        let value: serde_json::Value = serde_json::from_str(&map.geojson).unwrap();
        let feature = &value["features"][0];
        let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 7, "six corners and the closing point");
        assert_eq!(ring.first(), ring.last());
        assert_eq!(feature["properties"]["count"], 3);
        assert_eq!(
            feature["properties"]["categories"][0],
            json!({"name": "Благоустрій", "count": 2})
        );
        let district = &value["features"][1];
        assert_eq!(district["geometry"]["type"], "Point");
        assert_eq!(district["geometry"]["coordinates"], json!([30.49, 50.47]));
        assert_eq!(district["properties"]["district"], "Подільський");
        assert_eq!(district["properties"]["count"], 2);
    }

    #[test]
    fn legend_classes_cover_the_range() {
        let classes = legend(12);
        assert_eq!(classes.first().unwrap().from, 1);
        assert_eq!(classes.last().unwrap().to, 12);
        for pair in classes.windows(2) {
            assert_eq!(pair[0].to + 1, pair[1].from);
        }
        assert_eq!(legend(2).len(), 2);
    }
}
