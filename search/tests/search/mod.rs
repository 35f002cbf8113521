//! Search behaviour over the fixed Ukrainian corpus: recall of inflected forms, apostrophe
//! variants, OCR look-alikes and typos; ranking; phrases, prefixes, boolean operators;
//! facets and filters; version switching; the read-only index.

use std::collections::BTreeSet;

use vidkryto_search::index::{build_index, BuildOptions};
use vidkryto_search::query::QueryError;
use vidkryto_search::{Layout, SearchIndex, SearchRequest, SearchResponse};

use crate::common::{corpus, indexed_corpus};
use vidkryto_search::query::MAX_EXPANSIONS;

fn open() -> SearchIndex {
    SearchIndex::open(&Layout::new(indexed_corpus())).unwrap()
}

fn search(index: &SearchIndex, q: &str) -> SearchResponse {
    index.search(&SearchRequest::new(q)).unwrap()
}

fn ids(response: &SearchResponse) -> BTreeSet<String> {
    response.hits.iter().map(|h| h.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn inflected_forms_are_found() {
    let index = open();
    let found = ids(&search(&index, "звернення"));
    // ap-001 "звернення", ap-003 "зверненнями", ap-007 "зверненнях", the register's order
    // "звернень", the appeals dataset "звернення/звернень".
    for id in ["ap-001", "ap-003", "ap-007", "kmr-2012-225", "kyiv-appeals"] {
        assert!(found.contains(id), "{id} missing from {found:?}");
    }
    assert_eq!(ids(&search(&index, "зверненнями")), found);
    assert!(
        !found.contains("ap-009"),
        "unrelated appeal found: {found:?}"
    );
}

#[test]
fn title_matches_rank_first() {
    let index = open();
    let response = search(&index, "розгляду звернень громадян");
    assert_eq!(response.hits[0].id, "kmr-2012-225", "{:?}", response.hits);
    assert_eq!(response.hits[0].url, "/register/kmr-2012-225/");
    assert_eq!(response.hits[0].doc_type, "document");
}

#[test]
fn apostrophe_variants_find_each_other() {
    let index = open();
    let expected = ids(&search(&index, "Солом'янський"));
    // The district is written with ' (ap-001), ʼ (ap-002) and ’ (ap-010).
    for id in ["ap-001", "ap-002", "ap-010"] {
        assert!(expected.contains(id), "{id} missing from {expected:?}");
    }
    for variant in [
        "Солом’янський",
        "Соломʼянський",
        "Солом`янський",
        "соломʼянського",
    ] {
        assert_eq!(ids(&search(&index, variant)), expected, "{variant}");
    }
}

#[test]
fn ocr_look_alikes_fold_but_latin_words_stay() {
    let index = open();
    let misto = ids(&search(&index, "місто"));
    assert!(misto.contains("ap-004"), "mixed-script Micтo: {misto:?}");
    assert!(misto.contains("ap-005"), "all-Latin MicTo: {misto:?}");
    assert!(ids(&search(&index, "MicTo")).contains("ap-004"));
    let taxi = search(&index, "taxi");
    assert_eq!(taxi.hits[0].id, "ap-006");
    assert!(!taxi.fuzzy);
}

fn fuzzy(q: &str) -> SearchRequest {
    let mut request = SearchRequest::new(q);
    request.fuzzy = true;
    request
}

#[test]
fn typos_get_a_suggestion_and_fuzzy_matching_only_when_asked() {
    let index = open();
    let exact = search(&index, "освітлення");
    assert!(!exact.fuzzy && exact.suggestions.is_empty(), "{exact:?}");
    // A typo: the exact (empty) result stays the answer, the correction is offered.
    let typo = search(&index, "майданчмка");
    assert!(!typo.fuzzy);
    assert_eq!(typo.total, 0, "{typo:?}");
    assert_eq!(typo.suggestions.len(), 1, "{typo:?}");
    let suggestion = &typo.suggestions[0];
    let corrected = search(&index, &suggestion.q);
    assert!(ids(&corrected).contains("ap-001"), "{suggestion:?}");
    assert_eq!(corrected.total, suggestion.total);
    // The explicit opt-in matches typo-tolerantly outright.
    let opted = index.search(&fuzzy("майданчмка")).unwrap();
    assert!(opted.fuzzy && opted.suggestions.is_empty());
    assert!(ids(&opted).contains("ap-001"), "{:?}", ids(&opted));
}

#[test]
fn distinct_words_stay_distinct() {
    let index = open();
    // Street lighting is not education: no hit of «освіта» may be there for «освітлення».
    let education = ids(&search(&index, "освіта"));
    let lighting = ids(&search(&index, "освітлення"));
    assert!(!lighting.is_empty());
    assert!(
        education.is_disjoint(&lighting),
        "{education:?} / {lighting:?}"
    );
}

#[test]
fn one_thing_is_listed_once() {
    let index = open();
    for q in ["освіт*", "звернення", "ремонт", "Київ"] {
        let mut request = SearchRequest::new(q);
        request.limit = 100;
        let response = index.search(&request).unwrap();
        let keys: Vec<(String, String)> = response
            .hits
            .iter()
            .map(|h| (h.doc_type.clone(), h.id.clone()))
            .collect();
        let unique: BTreeSet<&(String, String)> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len(), "{q}: {keys:?}");
    }
}

#[test]
fn repeated_words_cost_one_and_a_query_over_budget_is_refused() {
    let index = open();
    // 1000 characters of the same prefix: one prefix after de-duplication.
    let repeated = "вул* ".repeat(200);
    let started = std::time::Instant::now();
    let once = search(&index, "вул*");
    let many = search(&index, &repeated);
    assert_eq!(ids(&many), ids(&once));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // 40 different words are over the budget: refused, naming `q`.
    let words: Vec<String> = (0..40).map(|i| format!("слово{i}")).collect();
    let err = index
        .search(&SearchRequest::new(words.join(" ")))
        .unwrap_err();
    assert!(matches!(err, QueryError::TooManyTerms { .. }), "{err}");
    assert_eq!(err.parameter(), Some("q"));
}

/// The corpus with 4 000 more appeals naming 1 600 different streets that begin with «вул».
fn sizeable() -> SearchIndex {
    let (public, content) = corpus();
    let mut csv = String::from(crate::common::APPEALS);
    let consonants: Vec<char> = "бвгджклмнпрстфхчшщйьр".chars().collect();
    let vowels = ['а', 'и', 'у', 'я'];
    let mut streets = Vec::new();
    for a in &consonants[..20] {
        for v in vowels {
            for b in &consonants[..20] {
                streets.push(format!("вул{a}{v}{b}ка"));
            }
        }
    }
    for i in 0..4000 {
        let street = &streets[i % streets.len()];
        csv.push_str(&format!(
            "big-{i},2024-01-01,2024,web,Благоустрій,Печерський,,8a1,,,Виконано,Ремонт тротуару на {street},\n"
        ));
    }
    std::fs::write(public.join("data/kyiv-appeals/appeals.csv"), csv).unwrap();
    let layout = Layout::new(&public);
    build_index(&layout, Some(&content), &BuildOptions::default()).unwrap();
    SearchIndex::open(&layout).unwrap()
}

#[test]
fn an_amplifying_prefix_query_on_a_sizeable_index_is_refused_at_once() {
    let index = sizeable();
    let repeated = "вул* ".repeat(200);
    assert_eq!(repeated.chars().count(), 1000);
    let started = std::time::Instant::now();
    let err = index.search(&SearchRequest::new(&repeated)).unwrap_err();
    let spent = started.elapsed();
    assert!(
        matches!(err, QueryError::TooManyExpansions { max, .. } if max == MAX_EXPANSIONS),
        "{err}"
    );
    assert_eq!(err.parameter(), Some("q"));
    assert!(err.to_string().contains("вул*"), "{err}");
    // Refused from the term dictionary alone: far below one ordinary query's cost.
    assert!(spent < std::time::Duration::from_millis(500), "{spent:?}");
    // A repeated ordinary word costs one word.
    let once = search(&index, "тротуару");
    let many = search(&index, &"тротуару ".repeat(100));
    assert_eq!(once.total, many.total);
    assert!(once.total > 4000, "{}", once.total);
    // A longer prefix is within budget.
    assert!(search(&index, "вулба*").total > 0);
}

#[test]
fn phrases_prefixes_and_boolean_operators() {
    let index = open();
    assert_eq!(
        ids(&search(&index, "\"дитячого майданчика\"")),
        set(&["ap-001"])
    );
    assert!(search(&index, "\"майданчика дитячого\"").hits.is_empty());

    let prefix = ids(&search(&index, "освіт*"));
    for id in ["ap-004", "ap-007", "digital-kyiv-2024-2025/measures/2.1"] {
        assert!(prefix.contains(id), "{id} missing from {prefix:?}");
    }
    assert!(ids(&search(&index, "освіта*")).contains("ap-007"));

    let either = ids(&search(&index, "даху OR тротуару"));
    assert_eq!(either, set(&["ap-003", "ap-009"]));
    let without = ids(&search(&index, "ремонт -даху"));
    assert!(
        without.contains("ap-009") && !without.contains("ap-003"),
        "{without:?}"
    );
    let both = ids(&search(&index, "ремонт AND даху"));
    assert_eq!(both, set(&["ap-003"]));
}

#[test]
fn ghe_folds_at_index_and_query_time() {
    let index = open();
    assert!(ids(&search(&index, "ганок")).contains("ap-008"));
    assert!(ids(&search(&index, "ґанку")).contains("ap-008"));
}

#[test]
fn facets_count_the_whole_result_and_filters_narrow_it() {
    let index = open();
    let mut request = SearchRequest::new("освітлення");
    request.limit = 1;
    let response = index.search(&request).unwrap();
    assert_eq!(response.hits.len(), 1);
    let districts = response.facets.get("district").unwrap();
    let total: u64 = districts.iter().map(|f| f.count).sum();
    assert_eq!(total, response.total, "{districts:?}");
    let pechersk = districts.iter().find(|f| f.value == "Печерський").unwrap();
    assert_eq!(pechersk.count, 1);

    let filtered = index
        .search(&SearchRequest::new("освітлення").filter("district", "Печерський"))
        .unwrap();
    assert_eq!(ids(&filtered), set(&["ap-004"]));
    let years = index
        .search(
            &SearchRequest::new("звернення")
                .filter("year", "2023")
                .filter("type", "appeal"),
        )
        .unwrap();
    assert_eq!(ids(&years), set(&["ap-001"]));
}

#[test]
fn datasets_for_package_search() {
    let index = open();
    let mut request = SearchRequest::new("").filter("type", "dataset");
    request.limit = 100;
    let all = index.search(&request).unwrap();
    assert_eq!(all.total, 6, "three datasets in two languages");
    assert!(all.hits.iter().all(|h| h.doc_type == "dataset"));
    let english = index
        .search(
            &SearchRequest::new("appeals")
                .filter("type", "dataset")
                .filter("language", "en"),
        )
        .unwrap();
    assert_eq!(english.hits[0].url, "/en/datasets/kyiv-appeals/");
    // Column descriptions are searchable.
    let column = index
        .search(&SearchRequest::new("персональних").filter("type", "dataset"))
        .unwrap();
    assert_eq!(column.hits[0].id, "kyiv-appeals");
}

#[test]
fn budget_measures_kpis_and_pages() {
    let index = open();
    let measure = search(&index, "мобільного застосунку");
    assert_eq!(measure.hits[0].url, "/budget/digital-kyiv-2024-2025/1-1/");
    let kpi = index
        .search(&SearchRequest::new("користувачів").filter("type", "kpi"))
        .unwrap();
    assert_eq!(kpi.hits[0].url, "/budget/digital-kyiv-2024-2025/1-1/");
    let page = index
        .search(&SearchRequest::new("портал").filter("type", "page"))
        .unwrap();
    assert_eq!(page.hits[0].url, "/about/");
    let english = index
        .search(&SearchRequest::new("publishing").filter("type", "page"))
        .unwrap();
    assert_eq!(
        english.hits[0].url, "/en/about/",
        "English stemming: publishes ~ publishing"
    );
}

#[test]
fn snippets_are_escaped_and_highlighted() {
    let index = open();
    let response = search(&index, "майданчика");
    let hit = response.hits.iter().find(|h| h.id == "ap-001").unwrap();
    assert!(hit.snippet.contains("<b>майданчика</b>"), "{}", hit.snippet);
}

#[test]
fn bad_queries_are_errors_naming_the_parameter() {
    let index = open();
    let err = index
        .search(&SearchRequest::new("ремонт \"даху"))
        .unwrap_err();
    assert!(matches!(err, QueryError::Syntax(_)), "{err}");
    assert_eq!(err.parameter(), Some("q"));
    let err = index
        .search(&SearchRequest::new("я".repeat(5000)))
        .unwrap_err();
    assert!(matches!(err, QueryError::TooLong { .. }));
    let err = index.search(&SearchRequest::new("!!! ---")).unwrap_err();
    assert!(matches!(err, QueryError::NoWords), "{err}");
    let err = index
        .search(&SearchRequest::new("ремонт").filter("colour", "red"))
        .unwrap_err();
    assert_eq!(err.parameter(), Some("colour"));
    let err = index
        .search(&SearchRequest::new("ремонт").filter("year", "last"))
        .unwrap_err();
    assert_eq!(err.parameter(), Some("year"));
}

#[test]
fn a_rebuild_is_picked_up_without_a_restart_and_the_index_is_not_written() {
    let (public, content) = corpus();
    let layout = Layout::new(&public);
    let first = build_index(&layout, None, &BuildOptions::default()).unwrap();
    let index = SearchIndex::open(&layout).unwrap();
    assert!(index
        .search(&SearchRequest::new("портал").filter("type", "page"))
        .unwrap()
        .hits
        .is_empty());
    let second = build_index(&layout, Some(&content), &BuildOptions::default()).unwrap();
    assert_ne!(first.version, second.version);
    assert!(index.reload().unwrap());
    let response = index
        .search(&SearchRequest::new("портал").filter("type", "page"))
        .unwrap();
    assert_eq!(response.hits[0].url, "/about/");
    let version_dir = layout.index_root().join(&second.version);
    let lock_files: Vec<_> = std::fs::read_dir(&version_dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("lock"))
        .collect();
    assert!(lock_files.is_empty(), "the reader wrote {lock_files:?}");
}

/// Copies the published data of `from` into a new tree `to` (an index is built there).
fn copy_data(from: &std::path::Path, to: &std::path::Path) {
    let _ = std::fs::remove_dir_all(to);
    let mut stack = vec![std::path::PathBuf::from("data")];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(to.join(&rel)).unwrap();
        for entry in std::fs::read_dir(from.join(&rel)).unwrap() {
            let entry = entry.unwrap();
            let child = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                stack.push(child);
            } else {
                std::fs::copy(entry.path(), to.join(&child)).unwrap();
            }
        }
    }
}

/// What a reader sees of an answer: the total, the facets and the hits as a set (equal
/// scores may come in another order from another segment layout).
fn seen(response: &SearchResponse) -> (u64, String, BTreeSet<String>) {
    (
        response.total,
        serde_json::to_string(&response.facets).unwrap(),
        response.hits.iter().map(|h| h.url.clone()).collect(),
    )
}

#[test]
fn an_updated_index_answers_as_one_built_afresh_and_the_published_one_is_untouched() {
    let (public, content) = corpus();
    let root = public.parent().unwrap().to_path_buf();
    let published = Layout::new(&public);
    build_index(&published, Some(&content), &BuildOptions::default()).unwrap();
    let published_index = SearchIndex::open(&published).unwrap();
    // The next build's tree: one appeal edited, one removed, one added.
    let next = root.join("next");
    copy_data(&public, &next);
    let csv_file = next.join("data/kyiv-appeals/appeals.csv");
    let csv = std::fs::read_to_string(&csv_file).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    assert!(lines[1].starts_with("ap-001,") && lines[2].starts_with("ap-002,"));
    lines[1] = lines[1].replace("дитячого майданчика", "зорепадного майданчика");
    lines.remove(2);
    lines.push(
        "ap-new,2024-05-01,2024,web,Благоустрій,Печерський,,8a1,,,Виконано,Світлячковий ліхтар не світить,"
            .to_string(),
    );
    std::fs::write(&csv_file, lines.join("\n") + "\n").unwrap();
    let next_layout = Layout::new(&next);
    let updated = build_index(
        &next_layout,
        Some(&content),
        &BuildOptions {
            update_from: Some(public.clone()),
            ..BuildOptions::default()
        },
    )
    .unwrap();
    assert_eq!(updated.indexed, 2, "the edited and the added appeal");
    let fresh_tree = root.join("fresh");
    copy_data(&next, &fresh_tree);
    let fresh_layout = Layout::new(&fresh_tree);
    let fresh = build_index(&fresh_layout, Some(&content), &BuildOptions::default()).unwrap();
    assert_eq!(fresh.indexed, fresh.documents);
    assert_eq!(
        (updated.documents, &updated.by_type),
        (fresh.documents, &fresh.by_type)
    );
    let (updated_index, fresh_index) = (
        SearchIndex::open(&next_layout).unwrap(),
        SearchIndex::open(&fresh_layout).unwrap(),
    );
    for q in [
        "зорепадного",
        "дитячого майданчика",
        "світлячковий",
        "сміття",
        "ремонт",
        "звернення",
        "портал",
    ] {
        let request = SearchRequest {
            limit: 100,
            ..SearchRequest::new(q)
        };
        assert_eq!(
            seen(&updated_index.search(&request).unwrap()),
            seen(&fresh_index.search(&request).unwrap()),
            "{q}"
        );
    }
    assert_eq!(
        updated_index
            .search(&SearchRequest::new("зорепадного"))
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        updated_index
            .search(&SearchRequest::new("сміття у сквері"))
            .unwrap()
            .total,
        0
    );
    // The published index still answers as it did: the update linked its files, and
    // wrote none of them.
    let old = published_index
        .search(&SearchRequest::new("сміття у сквері"))
        .unwrap();
    assert_eq!(old.total, 1);
    assert_eq!(
        published_index
            .search(&SearchRequest::new("зорепадного"))
            .unwrap()
            .total,
        0
    );
}
