//! The substring tokenizer: Chinese as overlapping pairs of characters, so
//! that a phrase of the query's pairs finds every text that contains the
//! query, inside any longer compound word; letters and digits as lowercase
//! words. A lone Chinese character between non-Chinese ones is a token of
//! its own.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the tokenizer is registered under.
pub const GRAMS: &str = "grams";

pub use suyuan_core::text::is_chinese;

/// The tokens of a text, positions counted from 0.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i + 1).map_or(text.len(), |(at, _)| *at);
    let mut push = |from: usize, to: usize, word: String| {
        out.push(Token {
            offset_from: from,
            offset_to: to,
            position: out.len(),
            text: word,
            position_length: 1,
        });
    };
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if is_chinese(c) {
            let mut j = i;
            while j + 1 < chars.len() && is_chinese(chars[j + 1].1) {
                j += 1;
            }
            if j == i {
                push(at, end_of(i), c.to_string());
            }
            for k in i..j {
                let pair: String = [chars[k].1, chars[k + 1].1].iter().collect();
                push(chars[k].0, end_of(k + 1), pair);
            }
            i = j + 1;
        } else if c.is_alphanumeric() {
            let mut j = i;
            while j + 1 < chars.len()
                && chars[j + 1].1.is_alphanumeric()
                && !is_chinese(chars[j + 1].1)
            {
                j += 1;
            }
            let word: String = chars[i..=j].iter().map(|(_, c)| *c).collect();
            push(at, end_of(j), word.to_lowercase());
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// `count` phrases of 2 to 8 Chinese characters drawn from `texts`, the
/// same for the same seed: what recall is measured with (a few draws per
/// phrase at most, so short material may give fewer).
pub fn sample_phrases(texts: &[&str], count: usize, mut seed: u64) -> Vec<String> {
    let mut next = move |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n.max(1)
    };
    let mut phrases = Vec::with_capacity(count);
    for _ in 0..count * 20 {
        if phrases.len() == count || texts.is_empty() {
            break;
        }
        let chars: Vec<char> = texts[next(texts.len())].chars().collect();
        let length = 2 + next(7);
        if chars.len() < length {
            continue;
        }
        let start = next(chars.len() - length + 1);
        let phrase: String = chars[start..start + length].iter().collect();
        if phrase.chars().all(is_chinese) {
            phrases.push(phrase);
        }
    }
    phrases
}

#[derive(Clone, Default)]
pub struct Grams;

pub struct GramStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl Tokenizer for Grams {
    type TokenStream<'a> = GramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream {
        GramStream {
            tokens: tokens(text).into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for GramStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(String, usize)> {
        tokens(text)
            .into_iter()
            .map(|t| {
                assert_eq!(&text[t.offset_from..t.offset_to].to_lowercase(), &t.text);
                (t.text, t.position)
            })
            .collect()
    }

    #[test]
    fn chinese_is_pairs_and_words_are_words() {
        assert_eq!(
            texts("国家安全，GDP增长"),
            [
                ("国家".into(), 0),
                ("家安".into(), 1),
                ("安全".into(), 2),
                ("gdp".into(), 3),
                ("增长".into(), 4),
            ]
        );
        assert_eq!(
            texts("第1条 法"),
            [
                ("第".into(), 0),
                ("1".into(), 1),
                ("条".into(), 2),
                ("法".into(), 3)
            ]
        );
        assert!(texts("，。！ ").is_empty());
    }
}
