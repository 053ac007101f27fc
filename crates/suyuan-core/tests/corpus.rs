//! Reads the real statutes in `../shared/corpus/laws-zh`, when that folder
//! is there (it is beside the checkout in development and CI, not in a
//! user's clone); skipped otherwise, except in CI, where its absence fails.

use std::path::{Path, PathBuf};
use suyuan_core::library::Markup;

use suyuan_core::library::{ParsedCollection, article_label, parse_text};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/laws-zh");
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is absent, and CI must read the corpus",
            dir.display()
        );
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn parse(path: &Path) -> ParsedCollection {
    let text = std::fs::read_to_string(path).expect("read");
    parse_text(&path.display().to_string(), &text, Markup::Markdown)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn articles(parsed: &ParsedCollection) -> usize {
    parsed
        .excerpts
        .iter()
        .filter(|e| e.label.starts_with('第'))
        .count()
}

#[test]
fn every_statute_parses_with_one_excerpt_per_article() {
    let Some(dir) = corpus() else { return };
    let all = files(&dir);
    assert_eq!(all.len(), 151);
    for path in &all {
        let parsed = parse(path);
        let text = std::fs::read_to_string(path).expect("read");
        let lines_with_articles = text
            .lines()
            .filter(|l| article_label(l.trim()).is_some())
            .count();
        assert_eq!(articles(&parsed), lines_with_articles, "{}", path.display());
        assert!(!parsed.title.is_empty(), "{}", path.display());
    }
}

#[test]
fn known_statutes_have_their_article_counts() {
    let Some(dir) = corpus() else { return };
    assert_eq!(articles(&parse(&dir.join("宪法/宪法.md"))), 143);
    let civil: usize = files(&dir.join("民法典"))
        .iter()
        .map(|p| articles(&parse(p)))
        .sum();
    assert_eq!(civil, 1260);
    let criminal = parse(&dir.join("刑法/刑法.md"));
    assert!(
        criminal
            .excerpts
            .iter()
            .any(|e| e.label == "第一百二十条之一")
    );
    let amendment = parse(&dir.join("刑法/刑法修正案（九）.md"));
    assert_eq!(
        amendment
            .excerpts
            .iter()
            .filter(|e| e.label.ends_with('、'))
            .count(),
        52
    );
}

#[test]
fn versions_and_books_never_share_a_name() {
    let Some(dir) = corpus() else { return };
    let mut names = std::collections::HashSet::new();
    for path in files(&dir) {
        let parsed = parse(&path);
        let name =
            suyuan_core::library::display_title(&parsed.title, &parsed.subtitle, parsed.edition);
        assert!(names.insert(name.clone()), "two collections named {name}");
    }
}
