//! A Table Schema compiled for checking: each field's type and constraints, the key
//! columns as positions, the missing values and the mixed-script policy. It reports every
//! problem of the schema at once rather than the first.

use serde_json::Value as Json;

use super::constraints::{self, Constraints};
use super::fast::Fast;
use super::types::Kind;
use crate::catalog::{Field, Schema};

/// What a mixed Latin/Cyrillic word in a text cell is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptPolicy {
    Ignore,
    Warning,
    Error,
}

/// One compiled field.
#[derive(Debug, Clone)]
pub struct CompiledField {
    pub name: String,
    pub kind: Kind,
    pub constraints: Constraints,
    pub script: ScriptPolicy,
    /// The common valid cells, accepted without the full parser.
    pub fast: Fast,
}

/// A foreign key: local columns and what they point at.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub fields: Vec<usize>,
    pub field_names: Vec<String>,
    /// The resource referenced; `None` for the resource itself (`"resource": ""`).
    pub resource: Option<String>,
    pub reference_fields: Vec<String>,
}

/// A Table Schema ready to check rows with.
#[derive(Debug, Clone)]
pub struct CompiledSchema {
    pub fields: Vec<CompiledField>,
    pub primary_key: Vec<usize>,
    pub unique: Vec<usize>,
    pub foreign_keys: Vec<ForeignKey>,
    pub missing_values: Vec<String>,
    /// `missingValues` is the default `[""]`: a length test per cell suffices.
    only_empty_missing: bool,
}

impl CompiledSchema {
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub fn is_missing(&self, cell: &str) -> bool {
        if self.only_empty_missing {
            cell.is_empty()
        } else {
            self.missing_values.iter().any(|m| m == cell)
        }
    }

    /// [`Self::is_missing`] for raw bytes (the blank-row test, before decoding).
    pub fn is_missing_bytes(&self, cell: &[u8]) -> bool {
        if self.only_empty_missing {
            cell.is_empty()
        } else {
            std::str::from_utf8(cell).is_ok_and(|s| self.is_missing(s))
        }
    }

    pub fn names(&self, positions: &[usize]) -> String {
        positions
            .iter()
            .map(|i| self.fields[*i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn script_policy(
    value: Option<&Json>,
    default: ScriptPolicy,
    errors: &mut Vec<String>,
    whom: &str,
) -> ScriptPolicy {
    match value.and_then(Json::as_str) {
        None if value.is_none() => default,
        Some("error") => ScriptPolicy::Error,
        Some("warning") => ScriptPolicy::Warning,
        Some("ignore") => ScriptPolicy::Ignore,
        _ => {
            errors.push(format!(
                "{whom}: `x_mixed_script` must be \"error\", \"warning\" or \"ignore\""
            ));
            default
        }
    }
}

/// Names given as a string or an array of strings (`primaryKey`, `foreignKeys[].fields`).
fn names(value: &Json) -> Option<Vec<String>> {
    match value {
        Json::String(s) => Some(vec![s.clone()]),
        Json::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

fn compile_field(field: &Field, default: ScriptPolicy, errors: &mut Vec<String>) -> CompiledField {
    let kind = Kind::compile(field).unwrap_or_else(|e| {
        errors.push(e.to_string());
        Kind::Any
    });
    let constraints = Constraints::compile(field, &kind).unwrap_or_else(|e| {
        errors.push(e.to_string());
        Constraints::default()
    });
    let script = if kind.is_string() {
        script_policy(
            field.extra.get("x_mixed_script"),
            default,
            errors,
            &format!("field `{}`", field.name),
        )
    } else {
        ScriptPolicy::Ignore
    };
    CompiledField {
        name: field.name.clone(),
        fast: constraints.fast(&kind),
        kind,
        constraints,
        script,
    }
}

/// Compiles `schema`, or lists everything wrong with it.
pub fn compile(schema: &Schema) -> Result<CompiledSchema, Vec<String>> {
    let mut errors = Vec::new();
    let default = script_policy(
        schema.extra.get("x_mixed_script"),
        ScriptPolicy::Warning,
        &mut errors,
        "schema",
    );
    let fields: Vec<CompiledField> = schema
        .fields
        .iter()
        .map(|f| compile_field(f, default, &mut errors))
        .collect();
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].iter().any(|g| g.name == f.name) {
            errors.push(format!("field `{}` is declared twice", f.name));
        }
    }
    let position = |name: &str, what: &str, errors: &mut Vec<String>| {
        let found = fields.iter().position(|f| f.name == name);
        if found.is_none() {
            errors.push(format!(
                "{what} names field `{name}`, which the schema does not have"
            ));
        }
        found
    };
    let mut primary_key = Vec::new();
    if let Some(pk) = &schema.primary_key {
        match names(pk) {
            Some(names) => {
                for name in names {
                    if let Some(i) = position(&name, "`primaryKey`", &mut errors) {
                        primary_key.push(i);
                    }
                }
            }
            None => errors.push("`primaryKey` must be a field name or an array of them".into()),
        }
    }
    let mut foreign_keys = Vec::new();
    for (n, fk) in schema.foreign_keys.iter().enumerate() {
        let what = format!("`foreignKeys[{n}]`");
        let local = fk.get("fields").and_then(names);
        let reference = fk.get("reference");
        let resource = reference
            .and_then(|r| r.get("resource"))
            .and_then(Json::as_str);
        let remote = reference.and_then(|r| r.get("fields")).and_then(names);
        let (Some(local), Some(resource), Some(remote)) = (local, resource, remote) else {
            errors.push(format!(
                "{what} must have `fields` and `reference` with `resource` and `fields`"
            ));
            continue;
        };
        let positions: Vec<usize> = local
            .iter()
            .filter_map(|name| position(name, &what, &mut errors))
            .collect();
        if local.len() != remote.len() {
            errors.push(format!(
                "{what} has {} local fields but {} reference fields",
                local.len(),
                remote.len()
            ));
            continue;
        }
        if positions.len() == local.len() {
            foreign_keys.push(ForeignKey {
                fields: positions,
                field_names: local,
                resource: (!resource.is_empty()).then(|| resource.to_string()),
                reference_fields: remote,
            });
        }
    }
    // An empty key is reported once per row as a `primary-key` error (see `table`), as
    // frictionless does, not as a `required` constraint of each key column.
    let missing = constraints::missing_values(schema.missing_values.as_ref());
    let unique = (0..fields.len())
        .filter(|i| fields[*i].constraints.unique)
        .collect();
    if errors.is_empty() {
        Ok(CompiledSchema {
            fields,
            primary_key,
            unique,
            foreign_keys,
            only_empty_missing: missing == [""],
            missing_values: missing,
        })
    } else {
        Err(errors)
    }
}
