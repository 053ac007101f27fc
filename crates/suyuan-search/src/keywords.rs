//! What question generation reads a text as: its words with their parts
//! of speech, and its key terms by TF-IDF over jieba's segmentation. Only
//! nouns and noun-like words are key terms, since a question about a verb
//! or particle makes a poor question.

use jieba_rs::{Jieba, KeywordExtract, TfIdf};
use std::sync::LazyLock;
use suyuan_core::questions::Word;

/// jieba's dictionary is large: loaded once, on first use.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static TFIDF: LazyLock<TfIdf> = LazyLock::new(TfIdf::default);

/// The parts of speech a term may have: nouns (general, proper, of
/// places and organisations, other) and verbal nouns.
const NOUNS: [&str; 6] = ["n", "nr", "ns", "nt", "nz", "vn"];

/// The words of `text` in order, each with its part of speech.
pub fn words(text: &str) -> Vec<Word> {
    JIEBA
        .tag(text, true)
        .into_iter()
        .map(|tag| Word::new(tag.word, tag.tag))
        .collect()
}

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

    #[test]
    fn words_put_the_text_back_together_with_their_parts_of_speech() {
        let text = "第二条 国务院，即中央人民政府。";
        let words = words(text);
        assert_eq!(
            words.iter().map(|w| w.text.as_str()).collect::<String>(),
            text
        );
        assert!(
            words
                .iter()
                .any(|w| w.text == "国务院" && w.tag.starts_with('n')),
            "{words:?}"
        );
    }
}
