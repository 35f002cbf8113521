//! Turtle for a JSON-LD document in the compact shape `dcat` writes: prefixed keys declared in
//! its `@context`, `@id`/`@type`, `{"@value", "@language" | "@type"}` literals, `{"@id"}`
//! references, nested nodes and arrays. It is not a JSON-LD processor — it reads only the shape
//! we write — so `/catalog.ttl` and `/catalog.jsonld` come from one document and cannot
//! disagree. Escaping and prefixes are oxttl's.

use std::collections::BTreeMap;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use oxttl::TurtleSerializer;
use serde_json::Value;

/// Why a document could not be written as Turtle (a bug in the document, not in a request).
#[derive(Debug, thiserror::Error)]
pub enum TurtleError {
    #[error("`{0}` is not an IRI and has no declared prefix")]
    Iri(String),
    #[error("`{0}` is not a language tag")]
    Language(String),
    #[error("cannot write Turtle")]
    Write(#[from] std::io::Error),
}

struct Converter {
    prefixes: BTreeMap<String, String>,
    triples: Vec<Triple>,
    /// Blank nodes are numbered in document order, so the same document gives the same bytes
    /// (one ETag, one body) on every request.
    blanks: usize,
}

/// The document's triples as Turtle, with its `@context` prefixes declared.
pub fn to_turtle(document: &Value) -> Result<Vec<u8>, TurtleError> {
    let prefixes: BTreeMap<String, String> = document["@context"]
        .as_object()
        .map(|context| {
            context
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let mut converter = Converter {
        prefixes,
        triples: Vec::new(),
        blanks: 0,
    };
    converter.node(document)?;
    let mut serializer = TurtleSerializer::new();
    for (name, iri) in &converter.prefixes {
        serializer = serializer
            .with_prefix(name, iri)
            .map_err(|_| TurtleError::Iri(iri.clone()))?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for triple in &converter.triples {
        writer.serialize_triple(triple)?;
    }
    Ok(writer.finish()?)
}

impl Converter {
    /// `dct:title` → `http://purl.org/dc/terms/title`; absolute IRIs stay as they are.
    fn iri(&self, name: &str) -> Result<NamedNode, TurtleError> {
        let expanded = match name.split_once(':') {
            Some((prefix, local)) if self.prefixes.contains_key(prefix) => {
                format!("{}{local}", self.prefixes[prefix])
            }
            _ => name.to_string(),
        };
        // An undeclared prefix would otherwise pass as an IRI scheme (`foo:bar`).
        let absolute = ["http://", "https://", "urn:"]
            .iter()
            .any(|scheme| expanded.starts_with(scheme));
        if !absolute {
            return Err(TurtleError::Iri(name.to_string()));
        }
        NamedNode::new(expanded).map_err(|_| TurtleError::Iri(name.to_string()))
    }

    /// Adds the triples of a node object; returns its subject.
    fn node(&mut self, node: &Value) -> Result<NamedOrBlankNode, TurtleError> {
        let subject: NamedOrBlankNode = match node["@id"].as_str() {
            Some(id) => self.iri(id)?.into(),
            None => {
                self.blanks += 1;
                BlankNode::new_unchecked(format!("b{}", self.blanks)).into()
            }
        };
        let Some(object) = node.as_object() else {
            return Ok(subject);
        };
        for (key, value) in object {
            match key.as_str() {
                "@context" | "@id" => {}
                "@type" => {
                    for kind in one_or_many(value) {
                        if let Some(kind) = kind.as_str() {
                            let kind = self.iri(kind)?;
                            self.triples
                                .push(Triple::new(subject.clone(), rdf::TYPE, kind));
                        }
                    }
                }
                _ => {
                    let predicate = self.iri(key)?;
                    for item in one_or_many(value) {
                        if let Some(object) = self.term(item)? {
                            self.triples.push(Triple::new(
                                subject.clone(),
                                predicate.clone(),
                                object,
                            ));
                        }
                    }
                }
            }
        }
        Ok(subject)
    }

    fn term(&mut self, value: &Value) -> Result<Option<Term>, TurtleError> {
        Ok(Some(match value {
            Value::Null | Value::Array(_) => return Ok(None),
            Value::String(text) => Literal::new_simple_literal(text).into(),
            Value::Bool(b) => Literal::new_typed_literal(b.to_string(), xsd::BOOLEAN).into(),
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                Literal::new_typed_literal(n.to_string(), xsd::INTEGER).into()
            }
            Value::Number(n) => Literal::new_typed_literal(n.to_string(), xsd::DOUBLE).into(),
            Value::Object(object) => match (object.get("@value"), object.get("@id")) {
                (Some(literal), _) => {
                    let text = match literal {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if let Some(language) = object.get("@language").and_then(Value::as_str) {
                        Literal::new_language_tagged_literal(text, language)
                            .map_err(|_| TurtleError::Language(language.to_string()))?
                            .into()
                    } else if let Some(kind) = object.get("@type").and_then(Value::as_str) {
                        Literal::new_typed_literal(text, self.iri(kind)?).into()
                    } else {
                        Literal::new_simple_literal(text).into()
                    }
                }
                (None, Some(Value::String(id))) if object.len() == 1 => self.iri(id)?.into(),
                _ => self.node(value)?.into(),
            },
        }))
    }
}

fn one_or_many(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_prefixed_triples_with_literals_references_and_nested_nodes() {
        let document = json!({
            "@context": {"dct": "http://purl.org/dc/terms/", "dcat": "http://www.w3.org/ns/dcat#"},
            "@id": "http://example.org/catalog",
            "@type": "dcat:Catalog",
            "dct:title": [{"@value": "Каталог \"відкритих\" даних", "@language": "uk"}],
            "dcat:dataset": [{
                "@id": "http://example.org/d/1",
                "@type": "dcat:Dataset",
                "dct:modified": {"@value": "2026-11-20", "@type": "http://www.w3.org/2001/XMLSchema#date"},
                "dct:publisher": {"dct:title": "Рада"},
                "dcat:keyword": ["бюджет", "ІТ"],
                "dct:license": null,
            }],
        });
        let turtle = String::from_utf8(to_turtle(&document).unwrap()).unwrap();
        assert!(
            turtle.contains("@prefix dct: <http://purl.org/dc/terms/>"),
            "{turtle}"
        );
        assert!(
            turtle.contains("<http://example.org/catalog> a dcat:Catalog"),
            "{turtle}"
        );
        assert!(
            turtle.contains(r#""Каталог \"відкритих\" даних"@uk"#),
            "{turtle}"
        );
        assert!(
            turtle.contains("dcat:dataset <http://example.org/d/1>"),
            "{turtle}"
        );
        assert!(
            turtle.contains(r#""2026-11-20"^^<http://www.w3.org/2001/XMLSchema#date>"#)
                || turtle.contains("xsd:date"),
            "{turtle}"
        );
        assert!(
            turtle.contains(r#""бюджет""#) && turtle.contains(r#""ІТ""#),
            "{turtle}"
        );
        assert!(turtle.contains("dct:publisher"), "{turtle}");
        assert!(!turtle.contains("license"), "{turtle}");
    }

    #[test]
    fn an_undeclared_prefix_is_an_error_not_a_bad_iri() {
        let document = json!({"@id": "http://example.org/x", "foo:bar": "baz"});
        assert!(matches!(to_turtle(&document), Err(TurtleError::Iri(name)) if name == "foo:bar"));
    }
}
