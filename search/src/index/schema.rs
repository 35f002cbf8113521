//! The index schema: one tantivy document per searchable thing, with analysed text fields
//! (`title`, `body`, and `all` for matching words in either), stored display fields, and one
//! facet field per filter.

use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED,
    STRING,
};
use tantivy::TantivyDocument;

use crate::analysis::ANALYZER;

/// Facet fields, in the order responses list them. Each is also a query filter.
pub const FACETS: [&str; 7] = [
    "type", "year", "district", "category", "status", "dataset", "language",
];

/// Handles to every field of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `<type>:<id>`, unique in the index.
    pub key: Field,
    /// The hit's type as a plain string (for display; filtering uses the facet).
    pub kind: Field,
    pub id: Field,
    pub title: Field,
    pub body: Field,
    /// The title twice and the body, without positions: a plain word is one term here, so
    /// a query of plain words is a conjunction of single terms, which tantivy ranks by
    /// block-max WAND (a union of a title and a body term per word it scores match by
    /// match). The title's second copy gives its words the weight `TITLE_BOOST` gives
    /// title matches in phrases and prefixes.
    pub all: Field,
    pub url: Field,
    /// Facet fields, in [`FACETS`] order.
    pub facets: [Field; 7],
}

impl Fields {
    pub fn facet(&self, name: &str) -> Option<Field> {
        FACETS
            .iter()
            .position(|f| *f == name)
            .map(|i| self.facets[i])
    }
}

/// Builds the schema.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let key = builder.add_text_field("key", STRING | STORED);
    let kind = builder.add_text_field("kind", STORED);
    let id = builder.add_text_field("id", STORED);
    let title = builder.add_text_field("title", text.clone());
    let body = builder.add_text_field("body", text);
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let all = builder.add_text_field("all", words);
    let url = builder.add_text_field("url", STORED);
    let facets = FACETS.map(|name| builder.add_facet_field(name, FacetOptions::default()));
    let fields = Fields {
        key,
        kind,
        id,
        title,
        body,
        all,
        url,
        facets,
    };
    (builder.build(), fields)
}

/// Looks the fields up in an opened index's schema; `None` names the first missing field.
pub fn fields_of(schema: &Schema) -> Result<Fields, String> {
    let get = |name: &str| schema.get_field(name).map_err(|_| name.to_string());
    let mut facets = [get("key")?; 7];
    for (slot, name) in facets.iter_mut().zip(FACETS) {
        *slot = get(name)?;
    }
    Ok(Fields {
        key: get("key")?,
        kind: get("kind")?,
        id: get("id")?,
        title: get("title")?,
        body: get("body")?,
        all: get("all")?,
        url: get("url")?,
        facets,
    })
}

/// The facet term for one value of a facet field: `/<value>`.
pub fn facet_value(value: &str) -> Facet {
    Facet::from_path([value])
}

/// Adds a searchable thing's text to its index document: every text field is filled here.
pub fn add_text(doc: &mut TantivyDocument, fields: &Fields, title: &str, body: &str) {
    doc.add_text(fields.title, title);
    doc.add_text(fields.body, body);
    doc.add_text(fields.all, title);
    doc.add_text(fields.all, title);
    doc.add_text(fields.all, body);
}
