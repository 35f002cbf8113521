//! Human labels of coded values (`city-budget`, `decision`, `expired`, `seed-000`) for the
//! generated pages. Vocabularies live in the site's `[translations]` tables — the same tables
//! templates read with `trans()`, so the portal has one i18n system — under the key
//! `<field>__<code>` (`funding_source__city-budget`). Source-document ids (`seed-000`) are
//! labelled by the package's own `sources`. UI strings the generator writes (chart and page
//! titles) come from the same tables through [`Labels::ui`].

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::content::pick;
use super::zola::SiteConfig;
use crate::catalog::Package;

/// The site's translation tables, per language.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    default_language: String,
    tables: HashMap<String, HashMap<String, String>>,
}

impl Labels {
    /// Reads the `[translations]` tables of the generated site's `config.toml`.
    pub fn load(site_dir: &Path) -> anyhow::Result<Labels> {
        let config = SiteConfig::load(site_dir)?;
        Ok(Labels::from_config(&config))
    }

    pub fn from_config(config: &SiteConfig) -> Labels {
        let mut tables = HashMap::new();
        tables.insert(config.default_language.clone(), config.translations.clone());
        for (lang, options) in &config.languages {
            tables.insert(lang.clone(), options.translations.clone());
        }
        Labels {
            default_language: config.default_language.clone(),
            tables,
        }
    }

    /// Whether `lang` is the site's default language (whose data columns need no `_en`).
    pub fn is_default(&self, lang: &str) -> bool {
        lang == self.default_language
    }

    /// The translation of `key` in `lang`, if the tables have it.
    pub fn text(&self, lang: &str, key: &str) -> Option<&str> {
        self.tables.get(lang)?.get(key).map(String::as_str)
    }

    /// A UI string the generator writes into pages (a chart title, a page title), from the
    /// same tables templates read with `trans()`. A missing key shows as the key itself, so a
    /// forgotten translation is visible on the page rather than a failed build. Placeholders
    /// (`{id}`) stay in the text for the caller to `.replace`.
    pub fn ui(&self, lang: &str, key: &str) -> String {
        self.text(lang, key).unwrap_or(key).to_string()
    }

    /// The vocabulary label of `code` in column `field`, if the tables have one.
    pub fn code(&self, lang: &str, field: &str, code: &str) -> Option<&str> {
        self.text(lang, &format!("{field}__{code}"))
    }

    /// What a reader sees for `code` of column `field`: in the default language the data's own
    /// label column (`data_label`, more precise than a vocabulary: «бюджет м. Києва») when it
    /// has one, else the vocabulary's label, else the data's label, else the code itself.
    pub fn value(&self, lang: &str, field: &str, code: &str, data_label: &str) -> String {
        if lang == self.default_language && !data_label.is_empty() {
            return data_label.to_string();
        }
        self.code(lang, field, code)
            .map(str::to_string)
            .or_else(|| (!data_label.is_empty()).then(|| data_label.to_string()))
            .unwrap_or_else(|| code.to_string())
    }
}

/// A source-document id of the data (`seed-000`, matched to the package source whose file
/// starts with `000_`) → the document's title, shortened to `max` characters; `None` when no
/// source matches.
pub fn source_document(package: &Package, id: &str, lang: &str, max: usize) -> Option<String> {
    let suffix = id.rsplit('-').next().unwrap_or(id);
    let source = package.sources.iter().find(|s| {
        s.path.as_deref().is_some_and(|p| {
            p == id
                || (suffix.len() >= 3
                    && suffix.bytes().all(|b| b.is_ascii_digit())
                    && p.rsplit('/')
                        .next()
                        .is_some_and(|f| f.starts_with(&format!("{suffix}_"))))
        })
    })?;
    let title = pick(
        lang,
        &source.title,
        source
            .extra
            .get("title_en")
            .and_then(Value::as_str)
            .unwrap_or(""),
    );
    Some(shorten(title, max))
}

/// One column as a reader sees it: a code column with a label sibling (`kind` + `kind_label`,
/// `group` + `group_title`) is shown once, through its label.
#[derive(Debug, Clone)]
pub struct Column {
    /// The column whose schema title heads the shown column (the label column when there is one).
    pub header: usize,
    /// The coded column, looked up in the vocabularies.
    pub code: usize,
    /// The label column, if any.
    pub label: Option<usize>,
    /// The English column (`unit_en`, `measure_en`), if any: English pages show it.
    pub en: Option<usize>,
}

/// The shown columns of a table with `headers`, in order.
pub fn columns(headers: &[String]) -> Vec<Column> {
    let position = |name: &str| headers.iter().position(|h| h == name);
    let mut out = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let is_label_of_sibling = ["_label", "_title", "_en"].iter().any(|suffix| {
            h.strip_suffix(suffix)
                .is_some_and(|code| position(code).is_some())
        });
        if is_label_of_sibling {
            continue;
        }
        let label = position(&format!("{h}_label")).or_else(|| position(&format!("{h}_title")));
        let en = label
            .and_then(|l| position(&format!("{}_en", headers[l])))
            .or_else(|| position(&format!("{h}_en")));
        out.push(Column {
            header: label.unwrap_or(i),
            code: i,
            label,
            en,
        });
    }
    out
}

/// The text a reader sees in `column` of `row`.
pub fn cell(
    labels: &Labels,
    package: &Package,
    headers: &[String],
    column: &Column,
    row: &[String],
    lang: &str,
) -> String {
    let get = |i: usize| row.get(i).map_or("", String::as_str);
    if lang != labels.default_language {
        if let Some(en) = column.en.map(get).filter(|v| !v.is_empty()) {
            return en.to_string();
        }
    }
    let code = get(column.code);
    let field = headers.get(column.code).map_or("", String::as_str);
    if code.is_empty() {
        return String::new();
    }
    let label = column.label.map_or("", get);
    if label.is_empty() && labels.code(lang, field, code).is_none() {
        if let Some(document) = source_document(package, code, lang, 60) {
            return document;
        }
    }
    labels.value(lang, field, code, label)
}

/// `text` cut at a word boundary to at most `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = cut
        .rfind(' ')
        .filter(|&i| i > cut.len() / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end_matches([',', ' ', ':', '—']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortening_keeps_whole_words() {
        assert_eq!(shorten("короткий", 20), "короткий");
        assert_eq!(
            shorten("Розвиток, впровадження, модернізація", 28),
            "Розвиток, впровадження…"
        );
    }

    #[test]
    fn data_label_first_in_the_default_language() {
        let mut uk = HashMap::new();
        uk.insert(
            "funding_source__city-budget".to_string(),
            "Бюджет міста".to_string(),
        );
        let mut en = HashMap::new();
        en.insert(
            "funding_source__city-budget".to_string(),
            "City budget".to_string(),
        );
        let labels = Labels {
            default_language: "uk".into(),
            tables: HashMap::from([("uk".to_string(), uk), ("en".to_string(), en)]),
        };
        assert_eq!(
            labels.value("uk", "funding_source", "city-budget", "бюджет м. Києва"),
            "бюджет м. Києва"
        );
        assert_eq!(
            labels.value("uk", "funding_source", "city-budget", ""),
            "Бюджет міста"
        );
        assert_eq!(
            labels.value("en", "funding_source", "city-budget", "бюджет м. Києва"),
            "City budget"
        );
        assert_eq!(labels.value("en", "status", "x", ""), "x");
        assert_eq!(
            labels.ui("en", "funding_source__city-budget"),
            "City budget"
        );
        assert_eq!(labels.ui("en", "no_such_key"), "no_such_key");
    }
}
