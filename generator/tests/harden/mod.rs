//! Issue 12 on the build side, through the real binary: one build at a time per output
//! folder (two builds started together, the lock held, `--wait`), staging leftovers of dead
//! builds cleared, and package and resource names that would escape `public/` refused in
//! `build` and `validate` naming the file and the key.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{dataset_dir, portal_config};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vidkryto-harden-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `vidkryto.toml` in `root` publishing `datasets` (folders) into `public`.
fn config(root: &Path, file: &str, public: &Path, datasets: &[PathBuf]) -> PathBuf {
    let mut entries = String::new();
    for dir in datasets {
        let name = dir.file_name().unwrap().to_string_lossy();
        entries.push_str(&format!(
            "[[datasets]]\nname = \"{name}\"\npath = \"{}\"\n",
            dir.display()
        ));
    }
    let text = portal_config(&root.join(format!("build-{file}")), public, &entries);
    let path = root.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn vidkryto(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vidkryto"));
    command.args(args);
    command
}

fn build(config: &Path, extra: &[&str]) -> Command {
    let mut command = vidkryto(&["--config", config.to_str().unwrap(), "build"]);
    command
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Datasets in `catalog.json`, row stores and dataset pages of a published tree.
fn published(public: &Path) -> (Vec<String>, Vec<String>, Vec<String>) {
    let catalog: serde_json::Value =
        serde_json::from_slice(&std::fs::read(public.join("data/catalog.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = catalog
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let names = |dir: PathBuf| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let stores = names(public.join("_store"));
    let pages: Vec<String> = names(public.join("datasets"))
        .into_iter()
        .filter(|n| public.join("datasets").join(n).join("index.html").is_file() && n != "page")
        .collect();
    listed.sort();
    (listed, stores, pages)
}

#[test]
fn two_builds_started_together_never_mix_their_outputs() {
    let root = scratch("two");
    let public = root.join("public");
    let one = [dataset_dir("kyiv-egov-2012-2014")];
    let two = [
        dataset_dir("kyiv-egov-2012-2014"),
        dataset_dir("kyiv-egov-2015-2018"),
    ];
    let first = config(&root, "one.toml", &public, &one);
    let second = config(&root, "two.toml", &public, &two);
    // A staging tree left by a build that was killed.
    std::fs::create_dir_all(root.join(".public.tmp-999999/data")).unwrap();

    let a = build(&first, &[]).spawn().unwrap();
    let b = build(&second, &[]).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() || b.status.success(),
        "{}\n{}",
        stderr(&a),
        stderr(&b)
    );
    for out in [&a, &b] {
        if !out.status.success() {
            let message = stderr(out);
            assert!(message.contains("another `vidkryto build`"), "{message}");
            assert!(
                message.contains(".public.lock") && message.contains("--wait"),
                "{message}"
            );
        }
    }
    let (listed, stores, pages) = published(&public);
    assert_eq!(listed, stores, "catalogue and row stores agree");
    assert_eq!(listed, pages, "catalogue and dataset pages agree");
    assert!(
        !root.join(".public.tmp-999999").exists(),
        "the dead build's staging tree is gone"
    );

    // With --wait both run, one after the other, and the tree is whichever came last, whole.
    let a = build(&first, &["--wait"]).spawn().unwrap();
    let b = build(&second, &["--wait"]).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
    let (listed, stores, pages) = published(&public);
    assert_eq!(listed, stores);
    assert_eq!(listed, pages);
    let leftovers: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The cursor key was made beside public/, owner-only, never inside it.
    let key = root.join(".public.cursor-key");
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_build_holding_the_lock_makes_the_next_refuse_or_wait() {
    let root = scratch("held");
    let public = root.join("public");
    let file = config(
        &root,
        "one.toml",
        &public,
        &[dataset_dir("kyiv-egov-2012-2014")],
    );
    let held = vidkryto::staging::BuildLock::acquire(&public, false).unwrap();
    let refused = build(&file, &[]).output().unwrap();
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains(&format!("process {}", std::process::id())),
        "names the holder: {message}"
    );
    assert!(!public.exists(), "nothing written");
    let mut waiting = build(&file, &["--wait"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(waiting.try_wait().unwrap().is_none(), "--wait waits");
    drop(held);
    let out = waiting.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("waiting for another `vidkryto build`"));
    assert!(public.join("data/catalog.json").is_file());
    std::fs::remove_dir_all(&root).unwrap();
}

/// A copy of a bundled package with one key of `datapackage.json` changed.
fn hostile_package(root: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let from = dataset_dir("kyiv-egov-2012-2014");
    let dir = root.join("datasets/kyiv-egov-2012-2014");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&from).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let file = dir.join("datapackage.json");
    let mut package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    edit(&mut package);
    std::fs::write(&file, serde_json::to_vec_pretty(&package).unwrap()).unwrap();
    dir
}

#[test]
fn names_and_paths_that_escape_are_refused_by_build_and_validate() {
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit); 4] = [
        ("name", |p| p["name"] = "../../../../x".into()),
        ("resources[0].name", |p| {
            p["resources"][0]["name"] = "../../../../x".into()
        }),
        ("resources[0].path", |p| {
            p["resources"][0]["path"] = "/etc/hostname".into()
        }),
        ("resources[0].path", |p| {
            p["resources"][0]["path"] = "../../../../etc/hostname".into()
        }),
    ];
    for (i, (key, edit)) in cases.into_iter().enumerate() {
        let root = scratch(&format!("names-{i}"));
        let public = root.join("deep/er/public");
        let dir = hostile_package(&root, edit);
        let file = config(&root, "vidkryto.toml", &public, std::slice::from_ref(&dir));
        let out = build(&file, &[]).output().unwrap();
        assert!(!out.status.success(), "{key}: the build passed");
        let message = stderr(&out);
        assert!(
            message.contains("datapackage.json") && message.contains(&format!("key `{key}`")),
            "{key}: {message}"
        );
        let out = vidkryto(&["validate", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{key}: validate passed");
        assert!(
            stderr(&out).contains(&format!("key `{key}`")),
            "{key}: {}",
            stderr(&out)
        );
        assert!(!public.exists(), "{key}: something was published");
        assert!(!root.join("x").exists() && !root.join("deep/x").exists());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
