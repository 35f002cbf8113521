//! The template functions of the Zola subset — `get_section`, `get_page`, `get_url`,
//! `load_data`, `trans` — registered on a tera instance loaded from `templates/` with
//! autoescape on `.html` only, as Zola does.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use tera::Tera;

use super::cache;
use super::index::SiteIndex;
use super::ZolaError;

pub(super) fn load_templates(site_dir: &Path, index: &Arc<SiteIndex>) -> Result<Tera, ZolaError> {
    let dir = site_dir.join("templates");
    let glob = format!("{}/**/*", dir.display());
    let mut tera = Tera::new(&glob).map_err(|source| ZolaError::Templates {
        dir: dir.clone(),
        source,
    })?;
    tera.autoescape_on(vec![".html"]);
    let i = Arc::clone(index);
    tera.register_function(
        "get_section",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_section")?;
            let metadata_only = args
                .get("metadata_only")
                .and_then(Value::as_bool)
                .unwrap_or(false);
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
            let doc = i.doc_for_path(&path, "page")?;
            cache::record(format!("page:{path}"));
            Ok(i.page_values[doc].clone())
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "get_url",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "get_url")?;
            let lang = args.get("lang").and_then(Value::as_str);
            let trailing = args.get("trailing_slash").and_then(Value::as_bool);
            if let Some(content) = path.strip_prefix("@/") {
                let target = match lang {
                    Some(lang) if lang != i.config.default_language => {
                        let stem = content.trim_end_matches(".md");
                        format!("{stem}.{lang}.md")
                    }
                    _ => content.to_string(),
                };
                let doc = i.doc_for_path(&target, "content file")?;
                return Ok(json!(i.config.permalink(&i.docs[doc].path)));
            }
            let prefix = lang.map(|l| i.config.lang_prefix(l)).unwrap_or_default();
            let mut url = format!(
                "{}{prefix}/{}",
                i.config.base_url,
                path.trim_start_matches('/')
            );
            if trailing == Some(true) && !url.ends_with('/') {
                url.push('/');
            }
            Ok(json!(url))
        },
    );
    let i = Arc::clone(index);
    tera.register_function(
        "load_data",
        move |args: &HashMap<String, Value>| -> tera::Result<Value> {
            let path = string_arg(args, "path", "load_data")?;
            cache::record(format!("data:{path}"));
            let required = args
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            match i.load_data(&path, args.get("format").and_then(Value::as_str)) {
                Ok(v) => Ok(v),
                Err(_) if !required => Ok(Value::Null),
                Err(e) => Err(e),
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
