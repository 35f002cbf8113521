//! Markdown as Zola 0.22 renders it for the settings the subset accepts: pulldown-cmark with
//! Zola's extensions, `@/path.md#anchor` links resolved to permalinks (a broken one is
//! returned to be named), an `id` on every heading (slugified text, `-1`, `-2`… for repeats,
//! explicit `{#id}`s kept) and `rel="external"` on links to `http:` / `https:` targets.
//! Not for: shortcodes, summaries, tables of contents (not emulated).

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use super::config::{SiteConfig, SlugStrategy};

/// What of `config.toml` changes the HTML.
pub(super) struct Settings {
    options: Options,
    external: bool,
    anchors: SlugStrategy,
}

impl Settings {
    /// The extensions Zola turns on (and `smart_punctuation` when configured).
    pub(super) fn of(config: &SiteConfig) -> Settings {
        let mut options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_HEADING_ATTRIBUTES;
        if config.markdown.smart_punctuation {
            options |= Options::ENABLE_SMART_PUNCTUATION;
        }
        Settings {
            options,
            external: config.markdown.external_links_external,
            anchors: config.slugify.anchors,
        }
    }
}

/// Markdown to HTML. Returns the HTML and the content files linked, or the broken link.
pub(super) fn render(
    body: &str,
    links: &HashMap<String, String>,
    settings: &Settings,
) -> Result<(String, Vec<String>), String> {
    let mut targets = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for event in Parser::new_ext(body, settings.options) {
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // Zola decides "external" on the link as written: `@/` links never are.
                let external = settings.external && is_external(&dest_url);
                let dest_url = match dest_url.strip_prefix("@/") {
                    Some(internal) => {
                        let (target, anchor) = match internal.split_once('#') {
                            Some((t, a)) => (t, format!("#{a}")),
                            None => (internal, String::new()),
                        };
                        let url = links.get(target).ok_or_else(|| dest_url.to_string())?;
                        targets.push(target.to_string());
                        CowStr::from(format!("{url}{anchor}"))
                    }
                    None => dest_url,
                };
                if external {
                    Event::Html(external_link(&dest_url, &title).into())
                } else {
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })
                }
            }
            other => other,
        };
        events.push(event);
    }
    add_heading_ids(&mut events, settings.anchors);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok((html, targets))
}

fn is_external(url: &str) -> bool {
    url.starts_with("http:") || url.starts_with("https:")
}

/// Zola's opening tag of an external link (only `rel="external"` of its link settings is
/// accepted by the subset; the title is written as given, as Zola writes it).
fn external_link(url: &str, title: &str) -> String {
    let mut href = String::new();
    let _ = pulldown_cmark_escape::escape_href(&mut href, url);
    let title = if title.is_empty() {
        String::new()
    } else {
        format!("title=\"{title}\" ")
    };
    format!("<a rel=\"external\" {title}href=\"{href}\">")
}

/// Gives every heading an id as Zola does: an explicit `{#id}` stays; others get their text
/// slugified, numbered `-1`, `-2`… when already taken. Other heading attributes are dropped.
fn add_heading_ids(events: &mut [Event], strategy: SlugStrategy) {
    let mut taken: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id, attrs, .. }) = &mut events[i] {
            attrs.clear();
            if id.is_none() {
                let mut text = String::new();
                let mut j = i + 1;
                let mut depth = 0;
                while j < events.len() {
                    match &events[j] {
                        Event::End(TagEnd::Heading(_)) if depth == 0 => break,
                        Event::Start(_) => depth += 1,
                        Event::End(_) => depth -= 1,
                        Event::Text(t) | Event::Code(t) => text.push_str(t),
                        _ => {}
                    }
                    j += 1;
                }
                let name = match strategy {
                    SlugStrategy::On => slug::slugify(&text),
                    SlugStrategy::Safe | SlugStrategy::Off => {
                        text.replace(|c: char| c.is_ascii_whitespace(), "_")
                    }
                };
                let anchor = unique_anchor(&taken, name);
                taken.push(anchor.clone());
                if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                    *id = Some(anchor.into());
                }
            } else if let Some(own) = id {
                // Counted once more, as Zola pushes every heading's id after placing it.
                taken.push(own.to_string());
            }
        }
        i += 1;
    }
}

/// `name`, else `name-1`, `name-2`… whichever is free.
fn unique_anchor(taken: &[String], name: String) -> String {
    if !taken.contains(&name) {
        return name;
    }
    (1..)
        .map(|n| format!("{name}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::of(&SiteConfig::default())
    }

    #[test]
    fn internal_links_resolve_and_broken_ones_are_named() {
        let links = HashMap::from([("about.md".to_string(), "http://x/about/".to_string())]);
        let (html, targets) = render("[a](@/about.md#team)", &links, &settings()).unwrap();
        assert!(html.contains("<a href=\"http://x/about/#team\">"), "{html}");
        let (html, _) = render("[c](https://e.org/?a=1&b=2)", &links, &settings()).unwrap();
        assert!(
            html.contains("<a rel=\"external\" href=\"https://e.org/?a=1&amp;b=2\">"),
            "{html}"
        );
        assert_eq!(targets, ["about.md"]);
        assert_eq!(
            render("[b](@/nope.md)", &links, &settings()).unwrap_err(),
            "@/nope.md"
        );
    }

    #[test]
    fn headings_get_zola_ids() {
        let md = "# Про нас\n\n## Про нас\n\n## Мета {#goal}\n\n### `code` here\n";
        let (html, _) = render(md, &HashMap::new(), &settings()).unwrap();
        assert!(html.contains("<h1 id=\"pro-nas\">"), "{html}");
        assert!(html.contains("<h2 id=\"pro-nas-1\">"), "{html}");
        assert!(html.contains("<h2 id=\"goal\">"), "{html}");
        assert!(html.contains("<h3 id=\"code-here\">"), "{html}");
    }

    #[test]
    fn relative_links_are_not_external() {
        let (html, _) = render("[a](/x/) [b](mailto:a@b)", &HashMap::new(), &settings()).unwrap();
        assert!(html.contains("<a href=\"/x/\">"), "{html}");
        assert!(html.contains("<a href=\"mailto:a@b\">"), "{html}");
    }
}
