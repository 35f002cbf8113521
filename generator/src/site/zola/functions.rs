//! The template functions of the Zola subset — `get_section`, `get_page`, `get_url`,
//! `load_data`, `trans` — with Zola 0.22's arguments and meanings, registered on a tera
//! instance loaded from `templates/` and autoescaping `.html`, `.htm` and `.xml` templates
//! (tera's default, which Zola keeps). Zola's other functions and filters are not emulated:
//! a template calling one fails to render, naming it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use tera::Tera;

use super::cache;
use super::index::{csv_value, SiteIndex};
use super::ZolaError;

pub(super) fn load_templates(site_dir: &Path, index: &Arc<SiteIndex>) -> Result<Tera, ZolaError> {
    let dir = site_dir.join("templates");
    if dir.join("shortcodes").is_dir() {
        return Err(ZolaError::Config {
            path: dir.join("shortcodes"),
            message: "shortcodes are not emulated by the built-in renderer; build with \
                      `--engine zola`"
                .into(),
        });
    }
    // Zola loads `*ml`, `md`, `txt`, `json` and `ics` files only.
    let glob = format!("{}/**/*.{{*ml,md,txt,json,ics}}", dir.display());
    let mut tera = Tera::new(&glob).map_err(|source| ZolaError::Templates {
        dir: dir.clone(),
        source,
    })?;
    let i = Arc::clone(index);
    tera.register_function(
        "get_section",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_section")?;
            let metadata_only = args
                .get("metadata_only")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let path = with_lang(&path, args, &i)?;
            let doc = i.doc_for_path(&path, "section")?;
            cache::record(format!("section:{path}:{metadata_only}"));
            Ok(i.section_value(doc, !metadata_only))
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "get_page",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_page")?;
            let path = with_lang(&path, args, &i)?;
            let doc = i.doc_for_path(&path, "page")?;
            cache::record(format!("page:{path}"));
            Ok(i.page_with_siblings(doc))
        },
    );
    tera.register_function("get_url", GetUrl(Arc::clone(index)));
    let i = Arc::clone(index);
    tera.register_function(
        "load_data",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            if args.contains_key("url") {
                return Err(tera::Error::msg(
                    "load_data: `url` (remote data) is not emulated by the built-in renderer; \
                     give a `path` under the site folder",
                ));
            }
            let path = string_arg(args, "path", "load_data")?;
            let required = args
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            cache::record(format!("data:{path}"));
            match i.find_data_file(&path) {
                Some(file) => load_data(&i, &file, args.get("format").and_then(Value::as_str)),
                None if !required => Ok(Value::Null),
                None => Err(tera::Error::msg(format!(
                    "load_data: `{path}` is not in the site folder, static/ or content/"
                ))),
            }
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "trans",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let key = string_arg(args, "key", "trans")?;
            let lang = args
                .get("lang")
                .and_then(Value::as_str)
                .unwrap_or(&i.config.default_language)
                .to_string();
            i.config
                .translate(&key, &lang)
                .map(|s| json!(s))
                .ok_or_else(|| {
                    tera::Error::msg(format!(
                        "trans: no translation of `{key}` for language `{lang}` in config.toml"
                    ))
                })
        },
    );
    Ok(tera)
}

/// `path` with the language code `lang` (an argument) put before its extension, as Zola's
/// `get_page` / `get_section` do; the default language (or none) leaves it as it is.
fn with_lang(path: &str, args: &HashMap<String, Value>, index: &SiteIndex) -> tera::Result<String> {
    match args.get("lang").and_then(Value::as_str) {
        Some(lang) if lang != index.config.default_language => Ok(match path.rfind('.') {
            Some(dot) => format!("{}.{lang}{}", &path[..dot], &path[dot..]),
            None => format!("{path}.{lang}"),
        }),
        _ => Ok(path.to_string()),
    }
}

/// `get_url` is one of the functions Zola marks safe: its output is not escaped.
struct GetUrl(Arc<SiteIndex>);

impl tera::Function for GetUrl {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        get_url(&self.0, args)
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// Zola's `get_url`: `@/` paths resolve to the content's permalink (in `lang`: the code goes
/// before the extension); other paths are joined to `base_url` under the language's prefix,
/// without the trailing slash unless `trailing_slash = true`.
fn get_url(index: &SiteIndex, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let config = &index.config;
    let path = string_arg(args, "path", "get_url")?;
    if args.get("cachebust").and_then(Value::as_bool) == Some(true) {
        return Err(tera::Error::msg(
            "get_url: `cachebust` is not emulated by the built-in renderer",
        ));
    }
    let trailing = args
        .get("trailing_slash")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let lang = args
        .get("lang")
        .and_then(Value::as_str)
        .unwrap_or(&config.default_language)
        .to_string();
    if lang != config.default_language && !config.is_language(&lang) {
        return Err(tera::Error::msg(format!(
            "get_url: `{lang}` is not an authorized language (check config.languages)"
        )));
    }
    if let Some(content) = path.strip_prefix("@/") {
        let content = if lang == config.default_language {
            content.to_string()
        } else {
            // The code goes before the last `.`-separated part.
            match content.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{lang}.{ext}"),
                None => format!("{lang}.{content}"),
            }
        };
        let (file, anchor) = match content.split_once('#') {
            Some((file, anchor)) => (file.to_string(), Some(anchor.to_string())),
            None => (content, None),
        };
        return match index.by_path.get(&file) {
            Some(&doc) => {
                let permalink = &index.docs[doc].permalink;
                Ok(json!(match anchor {
                    Some(a) => format!("{permalink}#{a}"),
                    None => permalink.clone(),
                }))
            }
            None => Err(tera::Error::msg(format!(
                "get_url: could not resolve URL for link `@/{file}` not found"
            ))),
        };
    }
    let needs_prefix = lang != config.default_language
        && (path.is_empty() || !path.get(1..).unwrap_or_default().starts_with(&lang));
    let joined = if needs_prefix {
        format!("{lang}/{path}")
    } else {
        path
    };
    let mut permalink = config.permalink(&joined);
    if !trailing && permalink.ends_with('/') {
        permalink.pop();
    }
    Ok(json!(permalink))
}

/// Reads a data file in `format` (else by extension: csv, json, toml; anything else plain).
fn load_data(index: &SiteIndex, file: &Path, format: Option<&str>) -> tera::Result<Value> {
    let format = match format {
        Some(f) => f.to_string(),
        None => match file.extension().and_then(|e| e.to_str()) {
            Some(ext @ ("csv" | "json" | "toml" | "bib" | "xml" | "yaml" | "yml")) => {
                ext.to_string()
            }
            _ => "plain".into(),
        },
    };
    let key = format!("{format}|{}", file.display());
    if let Ok(cache) = index.data_cache.lock() {
        if let Some(value) = cache.get(&key) {
            return Ok(value.clone());
        }
    }
    let text = std::fs::read_to_string(file).map_err(|e| {
        tera::Error::msg(format!("load_data: cannot read `{}`: {e}", file.display()))
    })?;
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        tera::Error::msg(format!(
            "load_data: `{}` is not {what}: {e}",
            file.display()
        ))
    };
    let value = match format.as_str() {
        "csv" => csv_value(&text).map_err(|e| bad("CSV", &e))?,
        "json" => serde_json::from_str(&text).map_err(|e| bad("JSON", &e))?,
        "toml" => {
            let value: toml::Value = toml::from_str(&text).map_err(|e| bad("TOML", &e))?;
            serde_json::to_value(value).map_err(tera::Error::json)?
        }
        "plain" => Value::String(text),
        other => {
            return Err(tera::Error::msg(format!(
                "load_data: format `{other}` is not emulated by the built-in renderer; use \
                 csv, json, toml or plain"
            )))
        }
    };
    if let Ok(mut cache) = index.data_cache.lock() {
        cache.insert(key, value.clone());
    }
    Ok(value)
}

fn string_arg(args: &HashMap<String, Value>, name: &str, function: &str) -> tera::Result<String> {
    args.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            tera::Error::msg(format!(
                "{function}: argument `{name}` (a string) is required"
            ))
        })
}
