//! Build-time SVG charts (plotters' SVG backend): bar charts with one or more series, and a
//! treemap over a squarified layout. Each chart carries a `<title>`/`<desc>` for screen
//! readers and its data as CSV, so a page can show the table beside the picture. Which
//! figures to chart is the caller's choice; this module only draws them.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Series colours: dark enough for 3:1 contrast against white (WCAG 1.4.11).
const PALETTE: [RGBColor; 4] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xb3, 0x5c, 0x00),
    RGBColor(0x2e, 0x7d, 0x32),
    RGBColor(0x7b, 0x3f, 0xa0),
];

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart `{id}`: {message}")]
pub struct ChartError {
    pub id: String,
    pub message: String,
}

/// A bar chart: categories along one axis, one bar per series in each category.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// File-safe identifier, also used for the SVG element ids.
    pub id: String,
    pub title: String,
    /// What the chart shows, in a sentence, for screen readers.
    pub desc: String,
    /// Header of the category column in the CSV (e.g. "Рік").
    pub category_label: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// Unit of the values, shown on the value axis and in the CSV header.
    pub unit: String,
    /// Bars run left to right (for long category names).
    pub horizontal: bool,
}

/// One series of a bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// One value per category; `None` where the source gives none.
    pub values: Vec<Option<f64>>,
}

fn error(id: &str, e: impl std::fmt::Display) -> ChartError {
    ChartError {
        id: id.to_string(),
        message: e.to_string(),
    }
}

impl BarChart {
    /// The chart's data as CSV: the category column, then one column per series.
    pub fn csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut header = vec![self.category_label.clone()];
        header.extend(self.series.iter().map(|s| {
            if self.unit.is_empty() {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, self.unit)
            }
        }));
        let _ = writer.write_record(&header);
        for (i, category) in self.categories.iter().enumerate() {
            let mut row = vec![category.clone()];
            for series in &self.series {
                row.push(
                    series
                        .values
                        .get(i)
                        .copied()
                        .flatten()
                        .map(trim_float)
                        .unwrap_or_default(),
                );
            }
            let _ = writer.write_record(&row);
        }
        String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Draws the chart as an accessible SVG document.
    pub fn svg(&self, lang: &str) -> Result<String, ChartError> {
        let n = self.categories.len().max(1);
        let max = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold(0.0_f64, |a, &b| a.max(b));
        let top = if max > 0.0 { max * 1.12 } else { 1.0 };
        let groups = self.series.len().max(1) as f64;
        let longest = self
            .categories
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(4);
        let (width, height) = if self.horizontal {
            (
                760,
                (60 + n * 26 * self.series.len().max(1)).max(160) as u32,
            )
        } else {
            (760, 360)
        };
        // The legend wraps: a long series name starts a new row rather than being cut.
        let item_width = |name: &str| 44 + name.chars().count() as i32 * 9;
        let mut rows = 1;
        let mut x = 100;
        for series in &self.series {
            if x > 100 && x + item_width(&series.name) > width as i32 - 10 {
                rows += 1;
                x = 100;
            }
            x += item_width(&series.name);
        }
        let legend = if self.series.len() > 1 { 28 * rows } else { 0 };
        // The legend's rows come below the plot, which keeps its size.
        let height = height + legend;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| error(&self.id, e))?;
            let (root, legend_area) = root.split_vertically(height - legend);
            let value_label = |v: &f64| format_tick(*v, lang);
            let style = ("sans-serif", 16).into_font().color(&BLACK);
            if self.horizontal {
                let label_width = (longest.min(40) * 9 + 12) as u32;
                let mut chart = ChartBuilder::on(&root)
                    .margin(10)
                    // Room for the ticks and, below them, the unit.
                    .x_label_area_size(52)
                    .y_label_area_size(label_width)
                    .build_cartesian_2d(0.0..top, 0.0..n as f64)
                    .map_err(|e| error(&self.id, e))?;
                let categories = self.categories.clone();
                let category_label = move |y: &f64| {
                    let i = (*y - 0.5).round();
                    if (*y - 0.5 - i).abs() > 0.01 || i < 0.0 {
                        return String::new();
                    }
                    // Top to bottom in reading order.
                    let index = n.saturating_sub(1).saturating_sub(i as usize);
                    categories
                        .get(index)
                        .map(|c| shorten(c, 40))
                        .unwrap_or_default()
                };
                chart
                    .configure_mesh()
                    .disable_y_mesh()
                    .light_line_style(TRANSPARENT)
                    .y_labels(n * 2 + 1)
                    .y_label_formatter(&category_label)
                    .x_labels(5)
                    .x_label_formatter(&value_label)
                    .x_desc(self.unit.as_str())
                    .label_style(style.clone())
                    .draw()
                    .map_err(|e| error(&self.id, e))?;
                for (s, series) in self.series.iter().enumerate() {
                    let color = PALETTE[s % PALETTE.len()];
                    let bars = series.values.iter().enumerate().filter_map(|(i, v)| {
                        let v = (*v)?;
                        let row = (n - 1 - i) as f64;
                        // The first series on top, as the legend reads left to right.
                        let slot = groups - 1.0 - s as f64;
                        let y0 = row + 0.1 + 0.8 * slot / groups;
                        let y1 = y0 + 0.8 / groups;
                        Some(Rectangle::new([(0.0, y0), (v, y1)], color.filled()))
                    });
                    chart.draw_series(bars).map_err(|e| error(&self.id, e))?;
                }
            } else {
                let mut chart = ChartBuilder::on(&root)
                    .margin(10)
                    .x_label_area_size(34)
                    // Room for the longest tick (`3 000 000`) beside the rotated unit.
                    .y_label_area_size(124)
                    .build_cartesian_2d(0.0..n as f64, 0.0..top)
                    .map_err(|e| error(&self.id, e))?;
                let categories = self.categories.clone();
                let category_label = move |x: &f64| {
                    let i = (*x - 0.5).round();
                    if (*x - 0.5 - i).abs() > 0.01 || i < 0.0 {
                        return String::new();
                    }
                    categories
                        .get(i as usize)
                        .map(|c| shorten(c, 16))
                        .unwrap_or_default()
                };
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .light_line_style(TRANSPARENT)
                    .x_labels(n * 2 + 1)
                    .x_label_formatter(&category_label)
                    .y_labels(8)
                    .y_label_formatter(&value_label)
                    .y_desc(self.unit.as_str())
                    .label_style(style.clone())
                    .draw()
                    .map_err(|e| error(&self.id, e))?;
                for (s, series) in self.series.iter().enumerate() {
                    let color = PALETTE[s % PALETTE.len()];
                    let bars = series.values.iter().enumerate().filter_map(|(i, v)| {
                        let v = (*v)?;
                        let x0 = i as f64 + 0.1 + 0.8 * s as f64 / groups;
                        let x1 = x0 + 0.8 / groups;
                        Some(Rectangle::new([(x0, 0.0), (x1, v)], color.filled()))
                    });
                    chart.draw_series(bars).map_err(|e| error(&self.id, e))?;
                }
            }
            if legend > 0 {
                let (mut x, mut y) = (100, 0);
                for (s, series) in self.series.iter().enumerate() {
                    if x > 100 && x + item_width(&series.name) > width as i32 - 10 {
                        (x, y) = (100, y + 28);
                    }
                    let color = PALETTE[s % PALETTE.len()];
                    legend_area
                        .draw(&Rectangle::new(
                            [(x, y + 8), (x + 14, y + 22)],
                            color.filled(),
                        ))
                        .map_err(|e| error(&self.id, e))?;
                    legend_area
                        .draw(&Text::new(
                            series.name.clone(),
                            (x + 20, y + 9),
                            style.clone(),
                        ))
                        .map_err(|e| error(&self.id, e))?;
                    x += item_width(&series.name);
                }
            }
            root.present().map_err(|e| error(&self.id, e))?;
        }
        Ok(accessible(&out, &self.id, &self.title, &self.desc))
    }
}

/// One tile of a treemap.
#[derive(Debug, Clone)]
pub struct Tile {
    pub label: String,
    pub value: f64,
}

/// A treemap of `tiles` (e.g. a programme's measures by amount).
pub fn treemap_svg(
    id: &str,
    title: &str,
    desc: &str,
    tiles: &[Tile],
) -> Result<String, ChartError> {
    let (width, height) = (760_u32, 420_u32);
    let mut items: Vec<&Tile> = tiles.iter().filter(|t| t.value > 0.0).collect();
    items.sort_by(|a, b| b.value.total_cmp(&a.value));
    let values: Vec<f64> = items.iter().map(|t| t.value).collect();
    let rects = squarify(
        &values,
        Rect {
            x: 0.0,
            y: 0.0,
            w: f64::from(width),
            h: f64::from(height),
        },
    );
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| error(id, e))?;
        for (i, (tile, r)) in items.iter().zip(&rects).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let (x0, y0) = (r.x.round() as i32, r.y.round() as i32);
            let (x1, y1) = ((r.x + r.w).round() as i32, (r.y + r.h).round() as i32);
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
                .map_err(|e| error(id, e))?;
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.stroke_width(2)))
                .map_err(|e| error(id, e))?;
            let max_chars = ((r.w - 8.0) / 9.0).max(0.0) as usize;
            if let Some(label) = tile_label(&tile.label, max_chars).filter(|_| r.h > 20.0) {
                let style = ("sans-serif", 16)
                    .into_font()
                    .color(&WHITE)
                    .pos(Pos::new(HPos::Left, VPos::Top));
                root.draw(&Text::new(label, (x0 + 5, y0 + 5), style))
                    .map_err(|e| error(id, e))?;
            }
        }
        root.present().map_err(|e| error(id, e))?;
    }
    Ok(accessible(&out, id, title, desc))
}

/// What fits of a tile's `name · figure` label in `max` characters: all of it, else the
/// name alone, else nothing — a figure is never cut (`200 …` would read as another number).
fn tile_label(label: &str, max: usize) -> Option<String> {
    if label.chars().count() <= max {
        return Some(label.to_string());
    }
    let name = label.split(" · ").next().unwrap_or(label);
    if name.chars().count() <= max {
        Some(name.to_string())
    } else {
        // A name cut at a word still reads; fewer than 8 characters of it do not.
        (max >= 8).then(|| shorten(name, max))
    }
}

/// A rectangle of the treemap layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Squarified treemap layout (Bruls, Huizing, van Wijk 2000): `values` sorted descending,
/// laid out in rows along the shorter side, a row growing while it improves the worst aspect
/// ratio. Returns one rectangle per value, in order; areas are proportional to values.
pub fn squarify(values: &[f64], area: Rect) -> Vec<Rect> {
    let total: f64 = values.iter().sum();
    if values.is_empty() || total <= 0.0 {
        return Vec::new();
    }
    let scale = area.w * area.h / total;
    let areas: Vec<f64> = values.iter().map(|v| v * scale).collect();
    let mut out = Vec::with_capacity(values.len());
    let mut free = area;
    let mut start = 0;
    while start < areas.len() {
        let side = free.w.min(free.h);
        let mut end = start + 1;
        while end < areas.len()
            && worst(&areas[start..=end], side) <= worst(&areas[start..end], side)
        {
            end += 1;
        }
        let row = &areas[start..end];
        let row_sum: f64 = row.iter().sum();
        let thickness = if side > 0.0 { row_sum / side } else { 0.0 };
        let mut offset = 0.0;
        for a in row {
            let length = if thickness > 0.0 { a / thickness } else { 0.0 };
            if free.w >= free.h {
                out.push(Rect {
                    x: free.x,
                    y: free.y + offset,
                    w: thickness,
                    h: length,
                });
            } else {
                out.push(Rect {
                    x: free.x + offset,
                    y: free.y,
                    w: length,
                    h: thickness,
                });
            }
            offset += length;
        }
        if free.w >= free.h {
            free.x += thickness;
            free.w -= thickness;
        } else {
            free.y += thickness;
            free.h -= thickness;
        }
        start = end;
    }
    out
}

/// The worst aspect ratio of a row of `areas` laid along `side`.
fn worst(areas: &[f64], side: f64) -> f64 {
    let sum: f64 = areas.iter().sum();
    let max = areas.iter().cloned().fold(f64::MIN, f64::max);
    let min = areas.iter().cloned().fold(f64::MAX, f64::min);
    if sum <= 0.0 || min <= 0.0 {
        return f64::MAX;
    }
    let s2 = side * side;
    (s2 * max / (sum * sum)).max(sum * sum / (s2 * min))
}

/// The downloadable form of a drawn chart: `title` above it and the `credit` lines (source,
/// licence) below it, inside one SVG, so the file carries them wherever it is copied.
pub fn with_caption(svg: &str, title: &str, credit: &[String]) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let number = |name: &str| -> f64 {
        let head = &svg[start..svg[start..].find('>').map_or(svg.len(), |e| start + e)];
        head.split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|v| v.trim_end_matches("px").parse().ok())
            .unwrap_or(0.0)
    };
    let (width, height) = (number("width"), number("height"));
    if width <= 0.0 || height <= 0.0 {
        return svg.to_string();
    }
    // Long credits wrap at word boundaries to the chart's width (about 7 px a character).
    let per_line = ((width - 20.0) / 7.0).max(20.0) as usize;
    let lines: Vec<String> = credit.iter().flat_map(|l| wrap(l, per_line)).collect();
    let top = 40.0;
    let total = top + height + 12.0 + 18.0 * lines.len() as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total}\" viewBox=\"0 0 {width} {total}\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"10\" y=\"27\" font-family=\"sans-serif\" font-size=\"19\" font-weight=\"bold\" fill=\"#111111\">{}</text>",
        escape(title)
    );
    out.push_str(&format!("<svg x=\"0\" y=\"{top}\"{}", &svg[start + 4..]));
    for (i, line) in lines.iter().enumerate() {
        let y = top + height + 22.0 + 18.0 * i as f64;
        out.push_str(&format!(
            "<text x=\"10\" y=\"{y}\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#333333\">{}</text>",
            escape(line)
        ));
    }
    out.push_str("</svg>");
    out
}

/// `text` in lines of at most `max` characters, broken at spaces.
fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Adds `role="img"`, `<title>`, `<desc>` and `class="bar"` on data rectangles.
fn accessible(svg: &str, id: &str, title: &str, desc: &str) -> String {
    let body = match svg.find("<svg") {
        Some(start) => &svg[start..],
        None => svg,
    };
    let Some(open_end) = body.find('>') else {
        return svg.to_string();
    };
    let mut out = String::with_capacity(body.len() + 512);
    out.push_str(&body[..open_end]);
    out.push_str(&format!(
        " class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMinYMin meet\">"
    ));
    out.push_str(&format!(
        "<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    ));
    let rest = &body[open_end + 1..];
    let palette: Vec<String> = PALETTE
        .iter()
        .map(|c| format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2))
        .collect();
    let mut remaining = rest;
    while let Some(pos) = remaining.find("<rect") {
        out.push_str(&remaining[..pos]);
        let tag_end = remaining[pos..]
            .find('>')
            .map_or(remaining.len(), |e| pos + e);
        let tag = &remaining[pos..tag_end];
        if palette.iter().any(|p| tag.contains(p.as_str())) {
            out.push_str("<rect class=\"bar\"");
            out.push_str(&tag[5..]);
        } else {
            out.push_str(tag);
        }
        remaining = &remaining[tag_end..];
    }
    out.push_str(remaining);
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Labels are cut at a word, never inside one (the full text is in the chart's table).
fn shorten(text: &str, max: usize) -> String {
    super::labels::shorten(text, max.saturating_sub(1))
}

fn trim_float(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn format_tick(v: f64, lang: &str) -> String {
    super::numbers::format_float(v, 0, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_labels_never_cut_a_figure() {
        assert_eq!(
            tile_label("6.1 · 320 000", 20).as_deref(),
            Some("6.1 · 320 000")
        );
        assert_eq!(tile_label("6.1 · 320 000", 9).as_deref(), Some("6.1"));
        assert_eq!(tile_label("6.1 · 320 000", 2), None);
        assert_eq!(tile_label("Підтримка · 12 000", 5), None);
    }

    #[test]
    fn squarify_preserves_areas() {
        let values = [6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0];
        let rects = squarify(
            &values,
            Rect {
                x: 0.0,
                y: 0.0,
                w: 6.0,
                h: 4.0,
            },
        );
        assert_eq!(rects.len(), values.len());
        for (v, r) in values.iter().zip(&rects) {
            assert!((r.w * r.h - v).abs() < 1e-9, "{v} vs {r:?}");
            assert!(r.x >= -1e-9 && r.y >= -1e-9 && r.x + r.w <= 6.0 + 1e-9);
        }
    }

    #[test]
    fn bar_chart_is_accessible_and_has_bars() {
        let chart = BarChart {
            id: "t".into(),
            title: "Обсяг <за> роками".into(),
            desc: "Два роки".into(),
            category_label: "Рік".into(),
            categories: vec!["2024".into(), "2025".into()],
            series: vec![Series {
                name: "Усього".into(),
                values: vec![Some(3301953.5), Some(3402977.6)],
            }],
            unit: "тис. грн".into(),
            horizontal: false,
        };
        let svg = chart.svg("uk").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title id=\"t-title\">Обсяг &lt;за&gt; роками</title>"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 2, "{svg}");
        assert_eq!(
            chart.csv(),
            "Рік,Усього (тис. грн)\n2024,3301953.5\n2025,3402977.6\n"
        );
    }
}
