//! Check figures for `communities-digital-survey` (seed 003): 12 oblast-centre and 7
//! city communities returned 20 questionnaires, two of them from Mykolaiv.

use crate::common::*;

const DATASET: &str = "communities-digital-survey";

#[test]
fn nineteen_communities_twelve_oblast_centres_and_seven_cities() {
    let communities = table(DATASET, "communities.csv");
    assert_eq!(communities.rows.len(), 19);
    assert_eq!(communities.filter("group", "oblast-centre").rows.len(), 12);
    assert_eq!(
        communities
            .filter("group", "city-of-oblast-significance")
            .rows
            .len(),
        7
    );
}

#[test]
fn twenty_questionnaires_two_from_mykolaiv() {
    let communities = table(DATASET, "communities.csv");
    assert_figure(communities.sum("questionnaires"), 20.0);
    assert_figure(
        communities
            .row("community", "Миколаївська")
            .number("questionnaires"),
        2.0,
    );
    assert_figure(
        communities
            .filter("group", "oblast-centre")
            .sum("questionnaires"),
        13.0,
    );
    assert_figure(
        communities
            .filter("group", "city-of-oblast-significance")
            .sum("questionnaires"),
        7.0,
    );
}

#[test]
fn checks_declare_the_questionnaire_counts() {
    let package = package(DATASET);
    let checks = package["checks"].as_array().expect("`checks` is an array");
    let expected = |group: Option<&str>| {
        checks
            .iter()
            .find(|c| {
                c["rule"] == "column-total"
                    && c["resource"] == "communities"
                    && c["column"] == "questionnaires"
                    && c["where"]["group"].as_str() == group
            })
            .unwrap_or_else(|| panic!("no questionnaire check for {group:?}"))["expected"]
            .as_f64()
            .unwrap()
    };
    assert_figure(expected(None), 20.0);
    assert_figure(expected(Some("oblast-centre")), 13.0);
    assert_figure(expected(Some("city-of-oblast-significance")), 7.0);
}

#[test]
fn answers_match_the_questions_and_are_searchable_text() {
    let questions = table(DATASET, "questions.csv");
    let answers = table(DATASET, "answers.csv");
    assert_eq!(questions.rows.len(), 6);
    assert_eq!(answers.rows.len(), 41);
    for (question, count) in [
        ("1", 16.0),
        ("2", 0.0),
        ("3", 0.0),
        ("4", 0.0),
        ("5", 13.0),
        ("6", 12.0),
    ] {
        let stated = questions
            .row("question", question)
            .number("answers_in_text");
        assert_figure(stated, count);
        assert_figure(
            answers.filter("question", question).rows.len() as f64,
            count,
        );
    }
    let text = answers.column("answer");
    assert!(text.iter().all(|a| !a.is_empty()));
    for phrase in [
        "Іноваційний прорив",
        "12504 тис. грн було виділено в 2021 році",
        "На 2021 рік виділено 2991,8 тис. грн",
        "програмного забезпечення з відкритим вихідним кодом",
        "https://smartcity.mvk.if.ua",
    ] {
        assert!(
            text.iter().any(|a| a.contains(phrase)),
            "no answer contains {phrase:?}"
        );
    }
}

#[test]
fn named_communities_are_participants() {
    let communities = table(DATASET, "communities.csv");
    let names = communities.column("community");
    let answers = table(DATASET, "answers.csv");
    for named in answers.column("named_community") {
        assert!(
            named.is_empty() || names.contains(&named),
            "unknown community {named:?}"
        );
    }
    assert_eq!(
        answers
            .row("named_community", "Маріупольська")
            .get("question"),
        "1"
    );
}
