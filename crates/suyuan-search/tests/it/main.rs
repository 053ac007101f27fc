//! The search index over a real store, on SQLite and PostgreSQL.

use std::collections::HashSet;
use suyuan_core::library::Markup;

use chrono::Utc;
use suyuan_core::library::{CollectionId, Visibility, parse_text};
use suyuan_core::units::UnitKind;
use suyuan_search::{SearchIndex, Within};
use suyuan_store::Store;
use suyuan_store::library::{Imported, NewCollection};
use suyuan_store::testing::{add_unit, each_backend};

const SECURITY: &str = "# 中华人民共和国国家安全法\n\n2015年7月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了维护国家安全，保卫人民民主专政的政权，制定本法。\n\n第二条 国家安全是指国家政权、主权、统一和领土完整相对处于没有危险的状态。\n\n## 第二章 维护国家安全的任务\n\n第三条 国家加强边防、海防和空防建设。\n";
const MARRIAGE: &str = "# 婚姻法\n\n2001年4月28日 通过\n\n<!-- INFO END -->\n\n第一条 实行婚姻自由、一夫一妻、男女平等的婚姻制度。\n\n第二条 禁止包办、买卖婚姻。\n";
const SPEECH: &str = "# On Study\n\nStudying the constitution protects the rights of citizens.\n\nEvery member reads daily and studies weekly.\n";

async fn import(
    store: &Store,
    name: &str,
    text: &str,
    owner: suyuan_core::units::UnitId,
    visibility: Visibility,
) -> CollectionId {
    let parsed = parse_text(name, text, Markup::Markdown).expect("parses");
    match &store
        .import_collections(
            &[NewCollection {
                category: "",
                parsed: &parsed,
                owner,
                visibility,
            }],
            Utc::now(),
        )
        .await
        .expect("import")[0]
    {
        Imported::Created { id, .. } | Imported::AlreadyThere { id, .. } => *id,
    }
}

fn all(ids: &[CollectionId]) -> HashSet<CollectionId> {
    ids.iter().copied().collect()
}

#[tokio::test]
async fn chinese_and_english_queries_find_their_text() {
    each_backend(|store| async move {
        let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
        let security = import(&store, "security.md", SECURITY, root.id, Visibility::Public).await;
        let marriage = import(&store, "marriage.md", MARRIAGE, root.id, Visibility::Public).await;
        let speech = import(&store, "speech.md", SPEECH, root.id, Visibility::Public).await;
        let index = SearchIndex::in_memory().expect("index");
        assert_eq!(index.catch_up(&store).await.expect("catch up"), 3 + 2 + 2);
        let readable = all(&[security, marriage, speech]);
        let within = Within {
            readable: &readable,
            collection: None,
        };

        let found = index.search("国家安全", &within, 10).expect("search");
        assert_eq!(found.total, 2, "{found:?}");
        assert!(found.hits.iter().all(|h| h.collection == security));
        let hit = &found.hits[0];
        assert_eq!(
            hit.collection_title,
            "中华人民共和国国家安全法（2015年7月1日）"
        );
        assert!(
            hit.snippet
                .iter()
                .any(|p| p.matched && p.text.contains("国家")),
            "{hit:?}"
        );
        assert!(!hit.heading_path.is_empty());

        let found = index.search("婚姻", &within, 10).expect("search");
        assert_eq!(found.total, 2);
        // Stemming: "study" finds "Studying" and "studies".
        let found = index.search("study", &within, 10).expect("search");
        assert_eq!(found.total, 2, "{found:?}");
        let found = index.search("constitutions", &within, 10).expect("search");
        assert_eq!(found.total, 1);
        assert!(
            index
                .search("", &within, 10)
                .expect("empty")
                .hits
                .is_empty()
        );
        // Odd input is searched leniently, never an error.
        index.search("国家 AND (", &within, 10).expect("lenient");
    })
    .await;
}

#[tokio::test]
async fn results_are_scoped_and_filterable() {
    each_backend(|store| async move {
        let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
        let security = import(&store, "security.md", SECURITY, root.id, Visibility::Public).await;
        let marriage = import(
            &store,
            "marriage.md",
            MARRIAGE,
            root.id,
            Visibility::Subtree,
        )
        .await;
        let index = SearchIndex::in_memory().expect("index");
        index.catch_up(&store).await.expect("catch up");
        let only_security = all(&[security]);
        let found = index
            .search(
                "第一条",
                &Within {
                    readable: &only_security,
                    collection: None,
                },
                10,
            )
            .expect("search");
        assert!(
            found.hits.iter().all(|h| h.collection == security),
            "{found:?}"
        );
        let both = all(&[security, marriage]);
        let filtered = index
            .search(
                "第一条",
                &Within {
                    readable: &both,
                    collection: Some(marriage),
                },
                10,
            )
            .expect("search");
        assert!(
            !filtered.hits.is_empty() && filtered.hits.iter().all(|h| h.collection == marriage)
        );
        let forbidden = index
            .search(
                "第一条",
                &Within {
                    readable: &only_security,
                    collection: Some(marriage),
                },
                10,
            )
            .expect("search");
        assert!(forbidden.hits.is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_index_on_disk_catches_up_and_survives_a_restart() {
    each_backend(|store| async move {
        let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
        let security = import(&store, "security.md", SECURITY, root.id, Visibility::Public).await;
        let dir = tempfile::tempdir().expect("dir");
        {
            let index = SearchIndex::open(dir.path()).expect("open");
            assert_eq!(index.catch_up(&store).await.expect("build"), 3);
            assert_eq!(
                index.version(),
                store.library_version().await.expect("version")
            );
        }
        let index = SearchIndex::open(dir.path()).expect("reopen");
        assert_eq!(index.len(), 3);
        assert_eq!(index.catch_up(&store).await.expect("nothing new"), 0);
        let marriage = import(&store, "marriage.md", MARRIAGE, root.id, Visibility::Public).await;
        assert_eq!(index.catch_up(&store).await.expect("the new one"), 2);
        assert_eq!(index.len(), 5);
        let readable = all(&[security, marriage]);
        assert_eq!(
            index
                .search(
                    "婚姻",
                    &Within {
                        readable: &readable,
                        collection: None
                    },
                    10
                )
                .expect("search")
                .total,
            2
        );
        // Pointed at a database behind it (say, restored from an older
        // backup), the index starts again from that database.
        let other = suyuan_store::testing::TestDb::sqlite();
        let older = other.open().await;
        let unit = add_unit(&older, None, "zj", "浙江省", UnitKind::Province).await;
        import(&older, "marriage.md", MARRIAGE, unit.id, Visibility::Public).await;
        assert_eq!(
            index
                .catch_up(&older)
                .await
                .expect("rebuild from the older one"),
            2
        );
        assert_eq!(index.len(), 2);
        // A foreign directory is replaced by a fresh index.
        let junk = tempfile::tempdir().expect("dir");
        std::fs::write(junk.path().join("meta.json"), "not an index").expect("write");
        let rebuilt = SearchIndex::open(junk.path()).expect("fresh");
        assert_eq!(rebuilt.version(), 0);
        assert_eq!(rebuilt.catch_up(&store).await.expect("rebuild"), 5);
    })
    .await;
}

/// A path inside the statute corpus, which is beside the checkout in
/// development and CI but not in a user's clone: a test without it is
/// skipped, except in CI, where its absence fails.
fn corpus(inside: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/laws-zh")
        .join(inside);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is absent, and CI must read the corpus",
        path.display()
    );
    eprintln!("skipping: {} is absent", path.display());
    None
}

#[tokio::test]
async fn the_whole_corpus_is_searchable() {
    let Some(dir) = corpus("") else {
        return;
    };
    let db = suyuan_store::testing::TestDb::sqlite();
    let store = db.open().await;
    let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
    let mut parsed = Vec::new();
    let mut stack = vec![dir];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                parsed.push(
                    suyuan_core::library::parse_file(&path.display().to_string(), &bytes)
                        .expect("parses"),
                );
            }
        }
    }
    let items: Vec<NewCollection> = parsed
        .iter()
        .map(|p| NewCollection {
            category: "",
            parsed: p,
            owner: root.id,
            visibility: Visibility::Public,
        })
        .collect();
    store
        .import_collections(&items, Utc::now())
        .await
        .expect("import");
    let index = SearchIndex::in_memory().expect("index");
    let indexed = index.catch_up(&store).await.expect("index");
    assert!(indexed > 10_000, "{indexed}");
    let readable: HashSet<CollectionId> = store
        .collections()
        .await
        .expect("list")
        .iter()
        .map(|c| c.id)
        .collect();
    let within = Within {
        readable: &readable,
        collection: None,
    };
    let found = index.search("国家安全", &within, 10).expect("search");
    assert!(found.total > 10, "{found:?}");
    assert!(
        found
            .hits
            .iter()
            .any(|h| h.collection_title.contains("国家安全法")),
        "{found:?}"
    );
    let found = index.search("土地承包经营权", &within, 10).expect("search");
    assert!(
        found
            .hits
            .iter()
            .any(|h| h.collection_title.contains("农村土地承包法")
                || h.collection_title.contains("民法典")),
        "{found:?}"
    );

    // Searching 宪法 puts the Constitution itself first.
    let found = index.search("宪法", &within, 10).expect("search");
    let first = found.hits.first().map(|h| h.collection_title.as_str());
    assert!(
        first.is_some_and(|title| title.starts_with("中华人民共和国宪法（")),
        "{first:?}"
    );

    // Every excerpt that contains a phrase is found: phrases of 2 to 8
    // Chinese characters drawn from the corpus itself, against a scan.
    let mut texts: Vec<String> = Vec::new();
    for id in &readable {
        texts.extend(
            store
                .excerpts(*id, None)
                .await
                .expect("excerpts")
                .into_iter()
                .map(|e| e.text),
        );
    }
    let (recall, phrases) = recall(&index, &within, &texts, 200);
    assert!(recall >= 0.99, "recall {recall} over {phrases} phrases");
}

/// Recall of `count` phrases drawn from `texts` against a substring scan:
/// the share of the excerpts containing them that search counts.
fn recall(
    index: &SearchIndex,
    within: &Within<'_>,
    texts: &[String],
    count: usize,
) -> (f64, usize) {
    let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let phrases = suyuan_search::grams::sample_phrases(&strs, count, 25);
    let (mut expected, mut found) = (0usize, 0usize);
    for phrase in &phrases {
        expected += texts.iter().filter(|t| t.contains(phrase.as_str())).count();
        found += index.search(phrase, within, 1).expect("search").total;
    }
    (found as f64 / expected.max(1) as f64, phrases.len())
}

#[tokio::test]
async fn results_come_a_page_at_a_time() {
    each_backend(|store| async move {
        let root = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
        let mut text = String::from("# 学习读本\n\n<!-- INFO END -->\n\n");
        for i in 0..45 {
            text.push_str(&format!("第{i}段：坚持学习宪法。\n\n"));
        }
        let book = import(&store, "book.md", &text, root.id, Visibility::Public).await;
        let index = SearchIndex::in_memory().expect("index");
        index.catch_up(&store).await.expect("catch up");
        let readable = all(&[book]);
        let within = Within {
            readable: &readable,
            collection: None,
        };
        let mut seen = HashSet::new();
        for (offset, expected) in [(0, 20), (20, 20), (40, 5), (60, 0)] {
            let page = index
                .search_from("学习", &within, offset, 20)
                .expect("search");
            assert_eq!(page.total, 45, "the count is the whole result");
            assert_eq!(page.hits.len(), expected, "from {offset}");
            for hit in page.hits {
                assert!(seen.insert(hit.excerpt), "{:?} shown twice", hit.excerpt);
            }
        }
        assert_eq!(seen.len(), 45, "every result can be paged to");
    })
    .await;
}

/// Every question proposed from the whole Constitution keeps the rules a
/// person setting a test keeps: it names the statute and cites the
/// article, asks about a sentence of that article that stands alone,
/// blanks or swaps a whole term (a run of the segmenter's words), and a
/// single choice has one right option among four distinct ones.
#[test]
fn questions_from_the_constitution_read_as_a_person_wrote_them() {
    use suyuan_core::library::ExcerptId;
    use suyuan_core::questions::{Answer, BLANK, Material, Reading, propose};
    use suyuan_search::keywords::{key_terms, words};

    let Some(path) = corpus("宪法/宪法.md") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read");
    let parsed = parse_text("宪法.md", &text, Markup::Markdown).expect("parses");
    let segmented: Vec<_> = parsed.excerpts.iter().map(|e| words(&e.text)).collect();
    let material = Material::new(&parsed.title, segmented.iter().map(Vec::as_slice));
    let mut asked = 0;
    for (index, (excerpt, words)) in parsed.excerpts.iter().zip(&segmented).enumerate() {
        let place = if excerpt.label.is_empty() {
            "序言".to_owned()
        } else {
            excerpt.label.clone()
        };
        let terms = key_terms(&excerpt.text, 8);
        let reading = Reading {
            excerpt: ExcerptId(index as i64),
            place: &place,
            words,
            key_terms: &terms,
        };
        // Where the segmenter's words begin and end, in bytes.
        let mut bounds = vec![0];
        for word in words {
            bounds.push(bounds.last().copied().unwrap_or(0) + word.text.len());
        }
        let whole = |term: &str| {
            excerpt
                .text
                .match_indices(term)
                .any(|(at, _)| bounds.contains(&at) && bounds.contains(&(at + term.len())))
        };
        for question in propose(reading, &material, "宪法", 3) {
            asked += 1;
            let text = &question.text;
            let sentence = text
                .strip_prefix("根据《宪法》，")
                .and_then(|s| s.strip_suffix('。'))
                .unwrap_or_else(|| panic!("names the statute: {text}"));
            assert!(
                question
                    .explanation
                    .starts_with(&format!("见《宪法》{place}：“")),
                "cites the article: {question:?}"
            );
            for leaning in ["修改为", "本法", "下列", "：", "（一）", "前款"] {
                assert!(!sentence.contains(leaning), "stands alone: {text}");
            }
            let filled = |term: &str| sentence.replacen(BLANK, term, 1);
            match &question.answer {
                Answer::Blank { accepted, .. } => {
                    assert!(excerpt.text.contains(&filled(&accepted[0])), "{text}");
                    assert!(whole(&accepted[0]), "a whole term: {text} {accepted:?}");
                }
                Answer::Single { choices } => {
                    assert_eq!(choices.len(), 4, "{text}");
                    let right: Vec<_> = choices.iter().filter(|c| c.is_right()).collect();
                    assert_eq!(right.len(), 1, "{text}");
                    assert!(excerpt.text.contains(&filled(&right[0].text)), "{text}");
                    assert!(whole(&right[0].text), "a whole term: {text}");
                    let distinct: HashSet<_> = choices.iter().map(|c| &c.text).collect();
                    assert_eq!(distinct.len(), 4, "{choices:?}");
                    for wrong in choices.iter().filter(|c| !c.is_right()) {
                        assert!(!sentence.contains(&wrong.text), "{text} {choices:?}");
                    }
                }
                Answer::TrueFalse { correct, .. } => {
                    assert_eq!(
                        *correct,
                        excerpt.text.contains(sentence),
                        "a true statement is the article's own: {text}"
                    );
                }
                other => panic!("no other kind is proposed: {other:?}"),
            }
        }
    }
    assert!(asked >= 120, "only {asked} questions from the Constitution");
}

/// Every search the fuzz target keeps (`fuzz/corpus/search_query`) and
/// every crash case fuzzing found (`fuzz/regressions/search_query`) is
/// searched again, over a real index with text in it: refused or
/// answered, never a panic.
#[tokio::test]
async fn every_kept_fuzz_search_is_answered_without_a_panic() {
    each_backend(|store| async move {
        let province = add_unit(&store, None, "zj", "浙江省", UnitKind::Province).await;
        let law = import(
            &store,
            "security.md",
            SECURITY,
            province.id,
            Visibility::Public,
        )
        .await;
        let index = SearchIndex::in_memory().expect("index");
        index.catch_up(&store).await.expect("indexed");
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut searched = 0;
        for kept in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(kept).join("search_query")) else {
                continue;
            };
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).expect("read");
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                let _ = index.search(
                    text,
                    &Within {
                        readable: &all(&[law]),
                        collection: None,
                    },
                    10,
                );
                searched += 1;
            }
        }
        assert!(searched > 0, "fuzz/corpus/search_query keeps its seeds");
    })
    .await;
}
