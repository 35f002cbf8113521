//! A fixed, realistic Ukrainian corpus written as a published layout, for the search tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use vidkryto_search::index::{build_index, BuildOptions};
use vidkryto_search::Layout;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty directory under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "vidkryto-search-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Published anonymised appeals (the columns of the team brief).
pub const APPEALS: &str = "\
id,date,year,channel,category,district,street,h3_cell,lat,lon,status,text,resolution
ap-001,2023-03-01,2023,web,Благоустрій,Солом'янський,вулиця Медова,8a1,50.43,30.47,Виконано,Прошу розглянути звернення щодо ремонту дитячого майданчика біля школи,Майданчик відремонтовано
ap-002,2023-04-03,2023,phone,Благоустрій,Солом'янський,,8a2,,,В роботі,Мешканці Соломʼянського району скаржаться на сміття у сквері,Направлено до КП
ap-003,2024-02-05,2024,web,Житлово-комунальне господарство,Печерський,вулиця Лютеранська,8a3,50.44,30.53,Виконано,Відповідь надано за зверненнями мешканців будинку про ремонт даху,Дах полагоджено
ap-004,2024-05-06,2024,web,Освітлення,Печерський,,8a4,,,Виконано,Micтo потребує нового освітлення на набережній,Встановлено ліхтарі
ap-005,2022-06-07,2022,letter,Освітлення,Дарницький,,8a5,,,Відхилено,Старий лист: MicTo без освітлення вночі,
ap-006,2024-07-08,2024,web,Транспорт,Оболонський,,8a6,,,В роботі,Служба taxi не відповідає на виклики біля метро,
ap-007,2024-08-09,2024,web,Освіта,Голосіївський,,8a7,,,Виконано,У зверненнях батьки просять відкрити новий клас у школі,Клас відкрито
ap-008,2024-09-10,2024,phone,Благоустрій,Солом'янський,,8a8,,,Виконано,Прибрати ґанок під'їзду та полагодити лавку,Прибрано
ap-009,2024-10-11,2024,web,Благоустрій,Шевченківський,,8a9,,,Виконано,Ремонт тротуару після зимового сезону,Відремонтовано
ap-010,2024-11-12,2024,web,Освітлення,Солом’янський,,8b0,,,В роботі,Не працює освітлення у дворі будинку по Солом’янській площі,
";

pub const REGISTER: &str = "\
document_id,kind,kind_label,number,date,issuer,title,title_kind,status,status_label,source_document,source_section,url,note
kmr-2011-824,decision,рішення,824/7060,2011-12-15,Київська міська рада,Про затвердження Міської цільової програми розвитку електронного урядування,own,in-force,чинний,000.txt,розділ 1,,
kmr-2012-225,order,розпорядження,225,2012-02-10,Київська міська державна адміністрація,Про порядок розгляду звернень громадян у контактному центрі,own,in-force,чинний,000.txt,розділ 2,,
kmr-2013-letter,letter,лист,050/17-4113,2013-05-20,Департамент інформаційно-комунікаційних технологій,Щодо впровадження електронного документообігу,own,in-force,чинний,002.txt,розділ 3,,
";

pub const MEASURES: &str = "\
measure_id,goal,task_number,task,measure,term,executor,funding_source,funding_source_label,amount_2024,amount_2025,amount_total
1.1,Цифрові послуги,1,Розвиток сервісів,Розвиток мобільного застосунку «Київ Цифровий»,2024–2025,Департамент ІКТ,city,бюджет міста Києва,100.5,200.0,300.5
2.1,Цифрова освіта,2,Освітні сервіси,Електронний журнал і щоденник для шкіл,2025,Департамент освіти,other,інші джерела,,50.0,50.0
";

pub const KPIS: &str = "\
kpi_id,measure_id,indicator_type,indicator_type_label,indicator,unit,value_2024,value_2025,note
1,1.1,product,показник продукту,Кількість користувачів застосунку,тис. осіб,800,1000,
2,2.1,quality,показник якості,Частка шкіл з електронним журналом,%,,90,
";

fn package(
    name: &str,
    title: &str,
    title_en: &str,
    topic: &str,
    resources: &[(&str, &[(&str, &str)])],
) -> String {
    let resources: Vec<serde_json::Value> = resources
        .iter()
        .map(|(res, fields)| {
            serde_json::json!({
                "name": res,
                "path": format!("{res}.csv"),
                "schema": {"fields": fields.iter().map(|(n, d)| serde_json::json!({"name": n, "description": d})).collect::<Vec<_>>()}
            })
        })
        .collect();
    serde_json::json!({
        "name": name,
        "title": title,
        "title_en": title_en,
        "description": format!("Опис: {title}"),
        "description_en": format!("About: {title_en}"),
        "topic": topic,
        "keywords": ["відкриті дані"],
        "resources": resources,
    })
    .to_string()
}

/// Writes the fixed corpus as a published layout (+ editorial pages) under a fresh dir and
/// returns (public dir, content dir).
pub fn corpus() -> (PathBuf, PathBuf) {
    let root = scratch("corpus");
    let public = root.join("public");
    let content = root.join("content");
    let data = public.join("data");
    write(
        &data.join("catalog.json"),
        r#"[{"name":"public-information-register"},{"name":"kyiv-appeals"},{"name":"digital-kyiv-2024-2025"}]"#,
    );
    write(
        &data.join("public-information-register/datapackage.json"),
        &package(
            "public-information-register",
            "Реєстр публічної інформації",
            "Register of public information",
            "public-information",
            &[(
                "documents",
                &[
                    ("document_id", "Ідентифікатор документа"),
                    ("title", "Назва документа"),
                ],
            )],
        ),
    );
    write(
        &data.join("public-information-register/documents.csv"),
        REGISTER,
    );
    write(
        &data.join("kyiv-appeals/datapackage.json"),
        &package(
            "kyiv-appeals",
            "Знеособлені звернення громадян",
            "Anonymised citizen appeals",
            "appeals",
            &[(
                "appeals",
                &[
                    ("district", "Район міста"),
                    ("text", "Текст звернення без персональних даних"),
                ],
            )],
        ),
    );
    write(&data.join("kyiv-appeals/appeals.csv"), APPEALS);
    write(
        &data.join("digital-kyiv-2024-2025/datapackage.json"),
        &package(
            "digital-kyiv-2024-2025",
            "Програма «Цифровий Київ» на 2024–2025 роки",
            "Digital Kyiv programme 2024–2025",
            "budget",
            &[
                (
                    "measures",
                    &[
                        ("measure", "Назва заходу"),
                        ("amount_2024", "Обсяг фінансування на 2024 рік"),
                    ],
                ),
                ("kpis", &[("indicator", "Назва показника")]),
            ],
        ),
    );
    write(&data.join("digital-kyiv-2024-2025/measures.csv"), MEASURES);
    write(&data.join("digital-kyiv-2024-2025/kpis.csv"), KPIS);
    write(
        &content.join("about.md"),
        "+++\ntitle = \"Про портал\"\n+++\n\nПортал публікує **відкриті дані** міста та знеособлені звернення.\n",
    );
    write(
        &content.join("about.en.md"),
        "+++\ntitle = \"About the portal\"\n+++\n\nThe portal publishes the city's open data and anonymised appeals.\n",
    );
    write(
        &public.join("index.html"),
        "<!doctype html><h1>Відкрито</h1>",
    );
    (public, content)
}

/// The corpus with its index built.
pub fn indexed_corpus() -> PathBuf {
    let (public, content) = corpus();
    build_index(
        &Layout::new(&public),
        Some(&content),
        &BuildOptions::default(),
    )
    .unwrap();
    public
}
