//! `config.toml` of a Zola site as Zola 0.22 reads it: every key Zola accepts (an unknown key
//! is an error, as in Zola), the defaults Zola gives them, the permalink rule and the `config`
//! value templates see. Settings whose output the subset does not emulate are refused by
//! `unsupported` rather than silently ignored. Not for: content or rendering.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{read, ZolaError};

/// `config.toml` of a Zola site.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub base_url: String,
    pub theme: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub default_language: String,
    pub languages: BTreeMap<String, LanguageOptions>,
    /// Translations of the default language (Zola 0.17+: top-level `[translations]`).
    pub translations: HashMap<String, String>,
    pub generate_feeds: bool,
    pub feed_limit: Option<usize>,
    pub feed_filenames: Vec<String>,
    pub hard_link_static: bool,
    pub taxonomies: Vec<toml::Value>,
    pub taxonomy_root: Option<String>,
    pub author: Option<String>,
    pub compile_sass: bool,
    pub minify_html: bool,
    pub build_search_index: bool,
    pub ignored_content: Vec<String>,
    pub ignored_static: Vec<String>,
    pub output_dir: String,
    pub preserve_dotfiles_in_output: bool,
    pub link_checker: toml::Table,
    pub slugify: Slugify,
    pub search: toml::Table,
    pub markdown: Markdown,
    pub extra: Map<String, Value>,
    pub generate_sitemap: bool,
    pub generate_robots_txt: bool,
    pub exclude_paginated_pages_in_sitemap: ExcludePaginated,
}

impl Default for SiteConfig {
    fn default() -> SiteConfig {
        SiteConfig {
            base_url: "http://a-website.com".into(),
            theme: None,
            title: None,
            description: None,
            default_language: "en".into(),
            languages: BTreeMap::new(),
            translations: HashMap::new(),
            generate_feeds: false,
            feed_limit: None,
            feed_filenames: vec!["atom.xml".into()],
            hard_link_static: false,
            taxonomies: Vec::new(),
            taxonomy_root: None,
            author: None,
            compile_sass: false,
            minify_html: false,
            build_search_index: false,
            ignored_content: Vec::new(),
            ignored_static: Vec::new(),
            output_dir: "public".into(),
            preserve_dotfiles_in_output: false,
            link_checker: toml::Table::new(),
            slugify: Slugify::default(),
            search: toml::Table::new(),
            markdown: Markdown::default(),
            extra: Map::new(),
            generate_sitemap: true,
            generate_robots_txt: true,
            exclude_paginated_pages_in_sitemap: ExcludePaginated::None,
        }
    }
}

/// `[languages.<code>]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LanguageOptions {
    pub title: Option<String>,
    pub description: Option<String>,
    pub generate_feeds: bool,
    pub feed_filenames: Vec<String>,
    pub taxonomies: Vec<toml::Value>,
    pub build_search_index: bool,
    #[serde(skip_serializing)]
    pub search: toml::Table,
    pub translations: HashMap<String, String>,
}

impl Default for LanguageOptions {
    fn default() -> LanguageOptions {
        LanguageOptions {
            title: None,
            description: None,
            generate_feeds: false,
            feed_filenames: vec!["atom.xml".into()],
            taxonomies: Vec::new(),
            build_search_index: false,
            search: toml::Table::new(),
            translations: HashMap::new(),
        }
    }
}

/// `[markdown]` (Zola 0.22: `highlight_code` became the `highlighting` table).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Markdown {
    pub highlighting: Option<toml::Value>,
    pub render_emoji: bool,
    pub external_links_class: Option<String>,
    pub external_links_target_blank: bool,
    pub external_links_no_follow: bool,
    pub external_links_no_referrer: bool,
    pub external_links_external: bool,
    pub smart_punctuation: bool,
    pub definition_list: bool,
    pub bottom_footnotes: bool,
    pub lazy_async_image: bool,
    pub insert_anchor_links: String,
    pub github_alerts: bool,
}

impl Default for Markdown {
    fn default() -> Markdown {
        Markdown {
            highlighting: None,
            render_emoji: false,
            external_links_class: None,
            external_links_target_blank: false,
            external_links_no_follow: false,
            external_links_no_referrer: false,
            external_links_external: true,
            smart_punctuation: false,
            definition_list: false,
            bottom_footnotes: false,
            lazy_async_image: false,
            insert_anchor_links: "none".into(),
            github_alerts: false,
        }
    }
}

/// `[slugify]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Slugify {
    pub paths: SlugStrategy,
    pub paths_keep_dates: bool,
    pub taxonomies: SlugStrategy,
    pub anchors: SlugStrategy,
}

/// How a file name becomes a URL component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlugStrategy {
    /// The `slug` crate: lower-case ASCII, Cyrillic transliterated.
    #[default]
    On,
    /// Only characters unsafe in file names removed.
    Safe,
    /// As written.
    Off,
}

impl SlugStrategy {
    pub fn apply(self, text: &str) -> String {
        match self {
            SlugStrategy::On => slug::slugify(text),
            SlugStrategy::Safe => text
                .trim_end_matches([' ', '.'])
                .chars()
                .filter(|c| !r#"<>:"/\|?*"#.contains(*c))
                .collect(),
            SlugStrategy::Off => text.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExcludePaginated {
    #[default]
    None,
    All,
}

impl SiteConfig {
    pub fn load(site_dir: &Path) -> Result<SiteConfig, ZolaError> {
        let path = site_dir.join("config.toml");
        let text = read(&path)?;
        let config: SiteConfig = toml::from_str(&text).map_err(|e| ZolaError::Config {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if let Some(setting) = config.unsupported() {
            return Err(ZolaError::Config {
                path,
                message: format!(
                    "`{setting}` is a Zola setting the built-in renderer does not emulate; \
                     remove it or build with `--engine zola`"
                ),
            });
        }
        Ok(config)
    }

    /// Overrides the site's `base_url` (the portal's `vidkryto.toml` owns it).
    pub fn with_base_url(mut self, base_url: &str) -> SiteConfig {
        self.base_url = base_url.to_string();
        self
    }

    /// The first setting that changes Zola's output in a way the subset does not reproduce.
    fn unsupported(&self) -> Option<&'static str> {
        let markdown = &self.markdown;
        let languages = self.languages.values();
        [
            (self.theme.is_some(), "theme"),
            (!self.taxonomies.is_empty(), "taxonomies"),
            (self.compile_sass, "compile_sass"),
            (self.minify_html, "minify_html"),
            (self.build_search_index, "build_search_index"),
            (!self.ignored_content.is_empty(), "ignored_content"),
            (!self.ignored_static.is_empty(), "ignored_static"),
            (markdown.highlighting.is_some(), "markdown.highlighting"),
            (markdown.render_emoji, "markdown.render_emoji"),
            (
                markdown.external_links_class.is_some()
                    || markdown.external_links_target_blank
                    || markdown.external_links_no_follow
                    || markdown.external_links_no_referrer,
                "markdown.external_links_*",
            ),
            (markdown.definition_list, "markdown.definition_list"),
            (markdown.bottom_footnotes, "markdown.bottom_footnotes"),
            (markdown.lazy_async_image, "markdown.lazy_async_image"),
            (
                markdown.insert_anchor_links != "none",
                "markdown.insert_anchor_links",
            ),
            (markdown.github_alerts, "markdown.github_alerts"),
            (self.slugify.paths_keep_dates, "slugify.paths_keep_dates"),
        ]
        .into_iter()
        .chain(languages.flat_map(|l| {
            [
                (!l.taxonomies.is_empty(), "languages.*.taxonomies"),
                (l.build_search_index, "languages.*.build_search_index"),
            ]
        }))
        .find(|(set, _)| *set)
        .map(|(_, name)| name)
    }

    pub(super) fn is_language(&self, lang: &str) -> bool {
        lang == self.default_language || self.languages.contains_key(lang)
    }

    /// Whether the site has a language besides the default one.
    pub(super) fn is_multilingual(&self) -> bool {
        self.languages.keys().any(|l| *l != self.default_language)
    }

    /// Every language: the default first, then the others in code order.
    pub(super) fn all_languages(&self) -> Vec<String> {
        let mut langs = vec![self.default_language.clone()];
        langs.extend(
            self.languages
                .keys()
                .filter(|l| **l != self.default_language)
                .cloned(),
        );
        langs
    }

    /// The options of `lang`; for the default language, the top-level keys (Zola merges a
    /// `[languages.<default>]` table into them).
    pub(super) fn language(&self, lang: &str) -> LanguageOptions {
        if lang != self.default_language {
            return self.languages.get(lang).cloned().unwrap_or_default();
        }
        let own = self.languages.get(lang).cloned().unwrap_or_default();
        let mut translations = own.translations;
        translations.extend(self.translations.clone());
        LanguageOptions {
            title: self.title.clone().or(own.title),
            description: self.description.clone().or(own.description),
            generate_feeds: self.generate_feeds || own.generate_feeds,
            feed_filenames: self.feed_filenames.clone(),
            taxonomies: Vec::new(),
            build_search_index: self.build_search_index,
            search: toml::Table::new(),
            translations,
        }
    }

    /// Zola's `make_permalink`: the base URL joined with `path`, a `/` added unless `path`
    /// ends with one, names a feed, is empty or has an anchor.
    pub(super) fn permalink(&self, path: &str) -> String {
        let trailing = if path.ends_with('/')
            || self
                .feed_filenames
                .iter()
                .any(|f| path.ends_with(f.as_str()))
            || path.is_empty()
            || path.contains('#')
        {
            ""
        } else {
            "/"
        };
        let base = &self.base_url;
        match (base.ends_with('/'), path) {
            (true, "/") => base.clone(),
            (false, "/") => format!("{base}/"),
            (true, p) if p.starts_with('/') => format!("{base}{}{trailing}", &p[1..]),
            (true, p) => format!("{base}{p}{trailing}"),
            (false, p) if p.starts_with('/') => format!("{base}{p}{trailing}"),
            (false, p) => format!("{base}/{p}{trailing}"),
        }
    }

    /// The `config` templates see in `lang`: Zola's serialized config, less `markdown` and
    /// `search`.
    pub(super) fn serialize_for(&self, lang: &str) -> Value {
        let options = self.language(lang);
        let languages: BTreeMap<String, LanguageOptions> = self
            .all_languages()
            .into_iter()
            .filter(|l| l != lang)
            .map(|l| {
                let options = self.language(&l);
                (l, options)
            })
            .collect();
        json!({
            "base_url": self.base_url,
            "mode": "build",
            "title": options.title,
            "description": options.description,
            "languages": languages,
            "default_language": self.default_language,
            "generate_feed": options.generate_feeds,
            "generate_feeds": options.generate_feeds,
            "feed_filenames": options.feed_filenames,
            "taxonomies": [],
            "author": self.author,
            "build_search_index": options.build_search_index,
            "extra": self.extra,
            "generate_sitemap": self.generate_sitemap,
            "generate_robots_txt": self.generate_robots_txt,
            "exclude_paginated_pages_in_sitemap": self.exclude_paginated_pages_in_sitemap,
        })
    }

    pub(super) fn translate(&self, key: &str, lang: &str) -> Option<String> {
        self.language(lang).translations.get(key).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> SiteConfig {
        SiteConfig {
            base_url: base_url.into(),
            ..SiteConfig::default()
        }
    }

    #[test]
    fn permalinks_follow_zola() {
        let c = config("https://x.org");
        assert_eq!(c.permalink("/"), "https://x.org/");
        assert_eq!(c.permalink("/about/"), "https://x.org/about/");
        assert_eq!(c.permalink("about"), "https://x.org/about/");
        assert_eq!(c.permalink("en/atom.xml"), "https://x.org/en/atom.xml");
        assert_eq!(c.permalink(""), "https://x.org/");
        let c = config("https://x.org/");
        assert_eq!(c.permalink("/"), "https://x.org/");
        assert_eq!(c.permalink("/about/"), "https://x.org/about/");
        assert_eq!(c.permalink("css/a.css"), "https://x.org/css/a.css/");
    }

    #[test]
    fn zola_0_22_keys_only() {
        let err = toml::from_str::<SiteConfig>("[markdown]\nhighlight_code = false\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("highlight_code"), "{err}");
        let ok: SiteConfig = toml::from_str("[markdown]\nsmart_punctuation = true\n").unwrap();
        assert!(ok.markdown.smart_punctuation && ok.generate_sitemap);
        assert_eq!(ok.default_language, "en");
    }

    #[test]
    fn safe_slugs_keep_letters() {
        assert_eq!(SlugStrategy::Safe.apply("Про: нас. "), "Про нас");
        assert_eq!(SlugStrategy::On.apply("Про нас"), "pro-nas");
    }
}
