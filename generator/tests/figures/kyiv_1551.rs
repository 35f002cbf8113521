//! Check figures: appeals to the Kyiv contact centre 1551 by channel. Two documents disagree:
//! seed 000 (374 575 · 601 460 · 585 596 for 2012–2014) and seed 002 (552 988 · 659 806 for
//! 2012–2013); both are kept with a `source` column.

use crate::common::*;

const APPEALS: &str = "kyiv-1551-appeals-by-channel";
const TOTALS: [(&str, &str, f64); 5] = [
    ("seed-000", "2012", 374575.0),
    ("seed-000", "2013", 601460.0),
    ("seed-000", "2014", 585596.0),
    ("seed-002", "2012", 552988.0),
    ("seed-002", "2013", 659806.0),
];

#[test]
fn appeals_totals_per_source_and_year() {
    let t = table(APPEALS, "appeals-by-channel.csv");
    assert_eq!(t.rows.len(), 24);
    for (source, year, total) in TOTALS {
        assert_figure(
            t.filter("source", source)
                .filter("year", year)
                .sum("appeals"),
            total,
        );
    }
}

#[test]
fn appeals_channel_figures() {
    let t = table(APPEALS, "appeals-by-channel.csv");
    let s0 = t.filter("source", "seed-000");
    let s2 = t.filter("source", "seed-002");
    let phone0 = s0.filter("channel", "phone-1551");
    assert_figure(phone0.row("year", "2012").number("appeals"), 362438.0);
    assert_figure(phone0.row("year", "2014").number("appeals"), 484036.0);
    let phone2 = s2.filter("channel", "phone-1551");
    assert_figure(phone2.row("year", "2012").number("appeals"), 534730.0);
    assert_figure(phone2.row("year", "2013").number("appeals"), 589088.0);
    assert_figure(
        s2.filter("channel", "web-1551-gov-ua")
            .row("year", "2013")
            .number("appeals"),
        46691.0,
    );
    // The one figure both documents give alike.
    for s in [&s0, &s2] {
        assert_figure(
            s.filter("channel", "tv-dialog-z-krainoiu")
                .row("year", "2013")
                .number("appeals"),
            221.0,
        );
    }
}

#[test]
fn appeals_checks_declared() {
    let pkg = package(APPEALS);
    let checks = pkg["checks"].as_array().expect("checks is an array");
    for (source, year, total) in TOTALS {
        let check = checks
            .iter()
            .find(|c| {
                c["rule"] == "column-total"
                    && c["column"] == "appeals"
                    && c["where"]["source"] == source
                    && c["where"]["year"] == year
            })
            .unwrap_or_else(|| panic!("no column-total check for {source} {year}"));
        assert_figure(check["expected"].as_f64().expect("a number"), total);
    }
    let agree = checks
        .iter()
        .find(|c| c["rule"] == "sources-agree")
        .expect("a sources-agree check");
    assert_eq!(agree["severity"], "warning");
    assert_eq!(agree["by"], "source");
    assert_eq!(agree["value"], "appeals");
    assert_eq!(agree["key"], serde_json::json!(["year", "channel"]));
    assert!(agree["note"].as_str().is_some_and(|n| !n.is_empty()));
}

#[test]
fn appeals_key_figures() {
    let t = table(APPEALS, "key-figures.csv");
    assert_figure(
        t.filter("source", "seed-000")
            .row("indicator", "portal-appeals")
            .number("value"),
        110457.0,
    );
    assert_figure(
        t.filter("source", "seed-002")
            .row("indicator", "site-executed-total")
            .number("value"),
        14760.0,
    );
}
