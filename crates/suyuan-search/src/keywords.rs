//! Key terms of a text, by TF-IDF over jieba's segmentation: what question
//! generation blanks out. Only nouns and noun-like words are kept, since a
//! blanked verb or particle makes a poor question.

use jieba_rs::{Jieba, KeywordExtract, TfIdf};
use std::sync::LazyLock;

/// jieba's dictionary is large: loaded once, on first use.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static TFIDF: LazyLock<TfIdf> = LazyLock::new(TfIdf::default);

/// The parts of speech a term may have: nouns (general, proper, of
/// places and organisations, other) and verbal nouns.
const NOUNS: [&str; 6] = ["n", "nr", "ns", "nt", "nz", "vn"];

/// Up to `top` key terms of `text`, the most telling first.
pub fn key_terms(text: &str, top: usize) -> Vec<String> {
    TFIDF
        .extract_keywords(
            &JIEBA,
            text,
            top,
            NOUNS.iter().map(|p| (*p).to_owned()).collect(),
        )
        .into_iter()
        .map(|k| k.keyword)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_terms_are_nouns_from_the_text() {
        let text = "中华人民共和国的一切权力属于人民。人民行使国家权力的机关是全国人民代表大会和地方各级人民代表大会。";
        let terms = key_terms(text, 5);
        assert!(!terms.is_empty() && terms.len() <= 5, "{terms:?}");
        assert!(terms.iter().all(|t| text.contains(t.as_str())), "{terms:?}");
        assert!(
            terms.iter().any(|t| t == "人民代表大会" || t == "权力"),
            "{terms:?}"
        );
        assert!(!terms.iter().any(|t| t == "属于" || t == "的"), "{terms:?}");
    }
}
