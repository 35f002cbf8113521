//! What `vidkryto validate` is pointed at, read as a data package: a package folder, a
//! package or resource descriptor (JSON or YAML), a table with a Table Schema file, or a bare
//! table. Frictionless's descriptor forms (schema and dialect given as paths, multipart
//! `path` arrays, inline `data`, a dialect nested under `csv`) are normalised into the
//! package model of `catalog`, and descriptor mistakes become report errors naming the key,
//! not a refusal to validate. Reading the tables themselves is `sources`'.

// A refusal (an `Issue` by value) happens once per resource at most: boxing it would buy
// nothing but noise.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::report::{Issue, Kind};
use crate::catalog::{Package, Resource, Schema};

/// A package ready to validate: the model, its descriptor errors and, per resource (in
/// the package's order), where its table is.
pub struct Loaded {
    pub package: Package,
    /// Errors of the package descriptor itself.
    pub errors: Vec<Issue>,
    pub plans: Vec<Plan>,
    /// One resource validated without its package (a resource descriptor or a table):
    /// foreign keys to other resources cannot be checked.
    pub standalone: bool,
}

impl Loaded {
    /// Keeps only the resources `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&Resource) -> bool) {
        let resources = std::mem::take(&mut self.package.resources);
        let plans = std::mem::take(&mut self.plans);
        for (resource, plan) in resources.into_iter().zip(plans) {
            if keep(&resource) {
                self.package.resources.push(resource);
                self.plans.push(plan);
            }
        }
    }
}

/// What to read for one resource.
#[derive(Debug, Clone)]
pub enum Plan {
    Table(Box<Table>),
    /// The resource descriptor is invalid: these errors are its report, its data is not read.
    Invalid(Vec<Issue>),
}

/// Where a resource's table is and how it is stored.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The files, in order (more than one: a multipart resource, read as one stream).
    pub parts: Vec<PathBuf>,
    /// Inline `data` (rows as arrays, or objects keyed by field name).
    pub inline: Option<Json>,
    /// `csv`, `tsv`, `xlsx`, `xls`, `ods`, `json`, `jsonl`, `ndjson`, or another (refused).
    pub format: String,
    /// `gz` or `zip` (another is refused).
    pub compression: Option<String>,
    /// A remote path: read through `vidkryto pull`, not here.
    pub remote: Option<String>,
    /// Declared size and hash (`md5:…`, `sha256:…`; bare hex is MD5), checked on the bytes.
    pub bytes: Option<u64>,
    pub hash: Option<String>,
    /// The schema's field names (the header of JSON rows keyed by name).
    pub fields: Vec<String>,
}

/// Reads a JSON or YAML document (by extension; anything else is tried as JSON, then YAML).
pub fn read_value(path: &Path) -> Result<Json, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let ext = extension(path);
    let yaml = || {
        serde_norway::from_str::<Json>(&text)
            .map_err(|e| format!("`{}` is not valid YAML: {e}", path.display()))
    };
    match ext.as_str() {
        "yaml" | "yml" => yaml(),
        "json" => serde_json::from_str(&text)
            .map_err(|e| format!("`{}` is not valid JSON: {e}", path.display())),
        _ => serde_json::from_str(&text).or_else(|_| yaml()),
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Loads what `path` names: a folder (its `datapackage.json`), a descriptor, or a table.
/// Fails only when there is nothing to read.
pub fn load(path: &Path) -> Result<Loaded, String> {
    if path.is_dir() {
        let file = path.join("datapackage.json");
        let value = read_value(&file)?;
        let loaded = package_from_value(value, path);
        safe_names(&loaded, &file)?;
        return Ok(loaded);
    }
    if !path.exists() {
        return Err(format!(
            "cannot read `{}`: it does not exist",
            path.display()
        ));
    }
    let dir = parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(extension(path).as_str(), "json" | "yaml" | "yml") {
        let value = match read_value(path) {
            Ok(value) => value,
            Err(message) => {
                return Ok(invalid_package(Issue::table(Kind::PackageError, message)));
            }
        };
        let is_package = value.get("resources").is_some() || name.contains("package");
        let loaded = if is_package {
            package_from_value(value, &dir)
        } else {
            let mut package = Map::new();
            package.insert("resources".into(), Json::Array(vec![value]));
            let mut loaded = package_from_value(Json::Object(package), &dir);
            loaded.standalone = true;
            loaded
        };
        safe_names(&loaded, path)?;
        return Ok(loaded);
    }
    Ok(for_table(path, None))
}

/// One table, with a Table Schema file or (`None`) without one.
pub fn for_table(data: &Path, schema: Option<&Path>) -> Loaded {
    let stem = data
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "table".into());
    let mut resource = Map::new();
    resource.insert("name".into(), Json::String(stem));
    let file = data
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    resource.insert("path".into(), Json::String(file));
    if let Some(schema) = schema {
        match read_value(schema) {
            // A schema file may carry the table's `encoding` and `dialect` (an extension
            // `validate --schema` has always read).
            Ok(value) => {
                for key in ["encoding", "dialect"] {
                    if let Some(v) = value.get(key) {
                        resource.insert(key.into(), v.clone());
                    }
                }
                resource.insert("schema".into(), value);
            }
            Err(message) => {
                let mut loaded = package_from_value(
                    Json::Object(Map::from_iter([(
                        "resources".to_string(),
                        Json::Array(vec![Json::Object(resource)]),
                    )])),
                    &parent(data),
                );
                let message = format!("the schema is not a Table Schema: {message}");
                loaded.plans[0] = Plan::Invalid(vec![Issue::table(Kind::SchemaError, message)]);
                loaded.standalone = true;
                return loaded;
            }
        }
    }
    let mut package = Map::new();
    package.insert(
        "resources".into(),
        Json::Array(vec![Json::Object(resource)]),
    );
    let mut loaded = package_from_value(Json::Object(package), &parent(data));
    loaded.standalone = true;
    loaded
}

fn parent(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn invalid_package(issue: Issue) -> Loaded {
    Loaded {
        package: empty_package(PathBuf::new()),
        errors: vec![issue],
        plans: Vec::new(),
        standalone: false,
    }
}

fn empty_package(dir: PathBuf) -> Package {
    let mut package: Package = serde_json::from_value(serde_json::json!({"name": ""}))
        .unwrap_or_else(|_| unreachable_package());
    package.dir = dir;
    package
}

/// `Package` always deserialises from `{"name": ""}`; this only keeps the code panic-free.
fn unreachable_package() -> Package {
    Package {
        name: String::new(),
        title: String::new(),
        title_en: String::new(),
        description: String::new(),
        description_en: String::new(),
        version: None,
        created: None,
        modified: None,
        topic: None,
        keywords: Vec::new(),
        keywords_en: Vec::new(),
        licenses: Vec::new(),
        contributors: Vec::new(),
        sources: Vec::new(),
        resources: Vec::new(),
        checks: Vec::new(),
        private: false,
        extra: Map::new(),
        dir: PathBuf::new(),
    }
}

/// Names and paths become folders and files under `public/`: a descriptor that breaks the
/// package model's rule (`Package::check_names`: Frictionless's name pattern, no `..`, no
/// absolute path) is refused, naming the key. URLs are not paths of the folder.
fn safe_names(loaded: &Loaded, file: &Path) -> Result<(), String> {
    let mut checked = loaded.package.clone();
    for (r, plan) in checked.resources.iter_mut().zip(&loaded.plans) {
        if matches!(plan, Plan::Table(t) if t.remote.is_some()) {
            r.path = None;
        }
    }
    checked.check_names(file).map_err(|e| e.to_string())
}

/// Keys Frictionless users put one level too high, and where they belong.
const MISPLACED: [(&str, &str); 2] = [
    ("fields", "schema.fields"),
    ("missingValues", "schema.missingValues"),
];

/// Builds the package model from a descriptor, collecting its errors.
pub fn package_from_value(value: Json, dir: &Path) -> Loaded {
    let Json::Object(mut map) = value else {
        return invalid_package(Issue::table(
            Kind::PackageError,
            "the package descriptor must be an object with `resources`",
        ));
    };
    let mut errors = Vec::new();
    for (key, place) in MISPLACED {
        if map.contains_key(key) {
            errors.push(Issue::table(
                Kind::PackageError,
                format!("`{key}` is a package key here; it belongs in each resource's `{place}`"),
            ));
        }
    }
    let resources = match map.remove("resources") {
        Some(Json::Array(items)) => {
            if items.is_empty() {
                errors.push(Issue::table(
                    Kind::PackageError,
                    "`resources` is empty: a data package describes at least one resource",
                ));
            }
            items
        }
        None => {
            errors.push(Issue::table(
                Kind::PackageError,
                "`resources` is missing: a data package lists its resources",
            ));
            Vec::new()
        }
        Some(other) => {
            errors.push(Issue::table(
                Kind::PackageError,
                format!(
                    "`resources` must be an array of resources, not {}",
                    kind_of(&other)
                ),
            ));
            Vec::new()
        }
    };
    let mut package = match serde_json::from_value::<Package>(Json::Object(map)) {
        Ok(package) => package,
        Err(e) => {
            errors.push(Issue::table(
                Kind::PackageError,
                format!("the package descriptor does not fit Data Package: {e}"),
            ));
            empty_package(dir.to_path_buf())
        }
    };
    package.dir = dir.to_path_buf();
    let mut plans = Vec::new();
    for (i, value) in resources.into_iter().enumerate() {
        let (resource, plan) = resource_from_value(value, dir, i);
        package.resources.push(resource);
        plans.push(plan);
    }
    Loaded {
        package,
        errors,
        plans,
        standalone: false,
    }
}

fn kind_of(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A URL (`https://…`, `sqlite:///…`), not a path of the package folder.
fn is_remote(path: &str) -> bool {
    path.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A descriptor given as a path (`"schema": "schema.json"`), read relative to the package.
fn dereference(value: Json, dir: &Path, key: &str, kind: Kind) -> Result<Json, Issue> {
    match value {
        Json::String(path) if is_remote(&path) => Err(Issue::table(
            Kind::SchemeError,
            format!("`{key}` is the remote \"{path}\": pull it with `vidkryto pull` and refer to the local copy"),
        )),
        Json::String(path) => read_value(&dir.join(&path))
            .map_err(|message| Issue::table(kind, format!("`{key}`: {message}"))),
        other => Ok(other),
    }
}

/// The field types of Table Schema v1.
const TYPES: [&str; 15] = [
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "time",
    "datetime",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "object",
    "array",
    "any",
];

/// A schema descriptor's shape, checked before it is read into the model, so that a
/// schema that is not an object, or has no `fields`, is a report error naming the key.
fn schema_problems(value: &Json) -> Vec<Issue> {
    let Json::Object(map) = value else {
        return vec![Issue::table(
            Kind::SchemaError,
            format!(
                "`schema` must be an object with `fields`, not {}",
                kind_of(value)
            ),
        )];
    };
    let mut problems = Vec::new();
    match map.get("fields") {
        None => problems.push(Issue::table(
            Kind::SchemaError,
            "`schema` has no `fields`: a Table Schema lists its fields",
        )),
        Some(Json::Array(fields)) => {
            for (i, field) in fields.iter().enumerate() {
                let named = field.get("name").is_some_and(Json::is_string);
                if !named {
                    problems.push(Issue::table(
                        Kind::FieldError,
                        format!("`schema.fields[{i}]` must be an object with a `name`"),
                    ));
                    continue;
                }
                let kind = field.get("type").and_then(Json::as_str).unwrap_or("string");
                if !TYPES.contains(&kind) {
                    problems.push(Issue::table(
                        Kind::FieldError,
                        format!(
                            "field `{}` has unknown type `{kind}`; use one of {}",
                            field.get("name").and_then(Json::as_str).unwrap_or_default(),
                            TYPES.join(", ")
                        ),
                    ));
                }
                if field.get("required").is_some() {
                    problems.push(Issue::table(
                        Kind::FieldError,
                        format!("`schema.fields[{i}].required` belongs in `constraints.required`"),
                    ));
                }
            }
        }
        Some(other) => problems.push(Issue::table(
            Kind::SchemaError,
            format!("`schema.fields` must be an array, not {}", kind_of(other)),
        )),
    }
    // A field that cannot be built stops the schema there, as in frictionless.
    if problems.iter().any(|p| p.kind == Kind::FieldError) {
        problems.retain(|p| p.kind == Kind::FieldError);
        return problems;
    }
    if let Some(pk) = map.get("primaryKey") {
        let ok = pk.is_string()
            || pk
                .as_array()
                .is_some_and(|items| items.iter().all(Json::is_string));
        if !ok {
            problems.push(Issue::table(
                Kind::SchemaError,
                "`schema.primaryKey` must be a field name or an array of field names",
            ));
        }
    }
    problems
}

/// Frictionless 5 nests CSV options under `dialect.csv`; v1 has them at the top.
fn flatten_dialect(value: Json) -> Json {
    let Json::Object(mut map) = value else {
        return value;
    };
    if let Some(Json::Object(csv)) = map.remove("csv") {
        for (k, v) in csv {
            map.entry(k).or_insert(v);
        }
    }
    map.remove("json");
    map.remove("excel");
    Json::Object(map)
}

/// The format of a table: declared, else from the path (a compression suffix removed).
fn format_of(map: &Map<String, Json>, first: Option<&str>) -> (String, Option<String>) {
    let declared_compression = map
        .get("compression")
        .and_then(Json::as_str)
        .map(str::to_lowercase);
    let mut name = first.unwrap_or_default().to_lowercase();
    let mut compression = declared_compression;
    for ext in ["gz", "zip"] {
        if let Some(stem) = name.strip_suffix(&format!(".{ext}")) {
            compression.get_or_insert_with(|| ext.to_string());
            name = stem.to_string();
        }
    }
    let format = map
        .get("format")
        .and_then(Json::as_str)
        .map(str::to_lowercase)
        .or_else(|| {
            Path::new(&name)
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "csv".into());
    (format, compression)
}

/// One resource descriptor: the model, and what to read (or why nothing can be).
fn resource_from_value(value: Json, dir: &Path, index: usize) -> (Resource, Plan) {
    let fallback = || placeholder(index);
    let Json::Object(mut map) = value else {
        return (
            fallback(),
            Plan::Invalid(vec![Issue::table(
                Kind::ResourceError,
                format!(
                    "`resources[{index}]` must be an object, not {}",
                    kind_of(&value)
                ),
            )]),
        );
    };
    let mut errors = Vec::new();
    if !map.get("name").is_some_and(Json::is_string) {
        errors.push(Issue::table(
            Kind::ResourceError,
            format!("`resources[{index}]` has no `name`: give the resource a name"),
        ));
        map.insert(
            "name".into(),
            Json::String(format!("resource{}", index + 1)),
        );
    }
    for (key, place) in MISPLACED {
        if map.contains_key(key) {
            errors.push(Issue::table(
                Kind::ResourceError,
                format!("`{key}` is a resource key here; it belongs in `{place}`"),
            ));
        }
    }
    let mut table = Table::default();
    // A CKAN resource gives its file as `url`.
    let path = map.remove("path").or_else(|| match map.get("url") {
        Some(Json::String(url)) if !url.is_empty() => Some(Json::String(url.clone())),
        _ => None,
    });
    let paths: Vec<String> = match path {
        None => Vec::new(),
        Some(Json::String(p)) => vec![p],
        Some(Json::Array(items)) if items.iter().all(Json::is_string) && !items.is_empty() => items
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect(),
        Some(other) => {
            errors.push(Issue::table(
                Kind::ResourceError,
                format!(
                    "`path` must be a string or an array of strings, not {}",
                    kind_of(&other)
                ),
            ));
            Vec::new()
        }
    };
    table.inline = map.remove("data");
    if paths.is_empty() && table.inline.is_none() && errors.is_empty() {
        errors.push(Issue::table(
            Kind::ResourceError,
            "the resource has neither `path` nor `data`: give the file it describes",
        ));
    }
    if let Some(remote) = paths.iter().find(|p| is_remote(p)) {
        table.remote = Some(remote.clone());
    }
    table.parts = paths.iter().map(|p| dir.join(p)).collect();
    let (format, compression) = format_of(&map, paths.first().map(String::as_str));
    table.format = if table.inline.is_some() && map.get("format").is_none() {
        "inline".into()
    } else {
        format
    };
    table.compression = compression;
    table.bytes = map.get("bytes").and_then(Json::as_u64);
    table.hash = map
        .get("hash")
        .and_then(Json::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_string);
    if let Some(first) = paths.first() {
        map.insert("path".into(), Json::String(first.clone()));
    }
    match map
        .remove("schema")
        .map(|s| dereference(s, dir, "schema", Kind::SchemaError))
    {
        None => {}
        Some(Err(issue)) => errors.push(issue),
        Some(Ok(schema)) => {
            let problems = schema_problems(&schema);
            if problems.is_empty() {
                match serde_json::from_value::<Schema>(schema.clone()) {
                    Ok(parsed) => {
                        table.fields = parsed.fields.into_iter().map(|f| f.name).collect();
                        map.insert("schema".into(), schema);
                    }
                    Err(e) => errors.push(Issue::table(
                        Kind::SchemaError,
                        format!("`schema` is not a Table Schema: {e}"),
                    )),
                }
            } else {
                errors.extend(problems);
            }
        }
    }
    match map
        .remove("dialect")
        .map(|d| dereference(d, dir, "dialect", Kind::DialectError))
    {
        None => {}
        Some(Err(issue)) => errors.push(issue),
        Some(Ok(dialect)) => {
            map.insert("dialect".into(), flatten_dialect(dialect));
        }
    }
    let resource = match serde_json::from_value::<Resource>(Json::Object(map)) {
        Ok(resource) => resource,
        Err(e) => {
            errors.push(Issue::table(
                Kind::ResourceError,
                format!("`resources[{index}]` does not fit Data Resource: {e}"),
            ));
            fallback()
        }
    };
    let plan = if errors.is_empty() {
        Plan::Table(Box::new(table))
    } else {
        Plan::Invalid(errors)
    };
    (resource, plan)
}

fn placeholder(index: usize) -> Resource {
    let value = serde_json::json!({"name": format!("resource{}", index + 1)});
    serde_json::from_value(value).unwrap_or_else(|_| Resource {
        name: format!("resource{}", index + 1),
        path: None,
        title: String::new(),
        title_en: String::new(),
        description: String::new(),
        description_en: String::new(),
        encoding: None,
        dialect: None,
        schema: None,
        private: false,
        pull: None,
        cached: None,
        extra: Map::new(),
    })
}

/// The plans of a package already in the model (as `build` has it): every resource is a
/// file of the package folder.
pub fn from_package(package: &Package) -> Loaded {
    Loaded {
        package: package.clone(),
        errors: Vec::new(),
        plans: package
            .resources
            .iter()
            .map(|resource| plan_of(package, resource))
            .collect(),
        standalone: false,
    }
}

/// The plan of one `resource` of `package` (see [`from_package`]).
pub fn plan_of(package: &Package, resource: &Resource) -> Plan {
    let path = resource.path.clone().unwrap_or_default();
    let map = &resource.extra;
    // A pulled resource is its cached copy: the pull stage's normal-form CSV.
    let cached = resource.cached.is_some();
    let (format, compression) = if cached {
        ("csv".to_string(), None)
    } else {
        format_of(map, Some(&path))
    };
    Plan::Table(Box::new(Table {
        parts: vec![package.resource_path(resource)],
        inline: None,
        format,
        compression,
        remote: (!cached && is_remote(&path)).then_some(path),
        bytes: map.get("bytes").and_then(Json::as_u64),
        hash: map
            .get("hash")
            .and_then(Json::as_str)
            .filter(|h| !h.is_empty())
            .map(str::to_string),
        fields: resource
            .schema
            .iter()
            .flat_map(|s| s.fields.iter().map(|f| f.name.clone()))
            .collect(),
    }))
}

/// Package-level rules: unique resource names.
pub fn package_rules(package: &Package) -> Vec<Issue> {
    let mut issues = Vec::new();
    for (i, r) in package.resources.iter().enumerate() {
        if let Some(first) = package.resources[..i].iter().position(|o| o.name == r.name) {
            issues.push(Issue::table(
                Kind::PackageError,
                format!(
                    "resources {} and {} are both named `{}`: resource names must be unique",
                    first + 1,
                    i + 1,
                    r.name
                ),
            ));
        }
    }
    issues
}
