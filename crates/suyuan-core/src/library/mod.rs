//! Study material: how a file becomes a collection of chapters and
//! excerpts. Markdown in the statute corpus format (a title, dated history
//! lines, `<!-- INFO END -->`, `##`–`####` headings, articles `第…条`),
//! general Markdown and plain text.
//!
//! An excerpt is the smallest readable piece: one article (`第十七条之一 …`
//! with the paragraphs that follow it), one numbered item of an amendment
//! (`一、…`), or, where a text has neither, one paragraph.

mod docx;
mod pieces;

pub use docx::parse_docx;
pub use pieces::{Piece, TextTable, pieces, table_lines};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CollectionId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChapterId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExcerptId(pub i64);

macro_rules! display_id {
    ($($id:ty),*) => {$(
        impl fmt::Display for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}
display_id!(CollectionId, ChapterId, ExcerptId);

/// Who may read a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone, signed in or not.
    Public,
    /// The members of the owner unit's subtree.
    Subtree,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Subtree => "subtree",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        match input.trim() {
            "public" => Some(Visibility::Public),
            "subtree" | "unit" => Some(Visibility::Subtree),
            _ => None,
        }
    }
}

/// A title an admin gives a compilation or a heading inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadingError {
    #[error("a title or heading must not be empty")]
    Empty,
    #[error("a title or heading may have at most {MAX_HEADING_CHARS} characters")]
    TooLong,
}

impl Heading {
    pub fn parse(input: &str) -> Result<Self, HeadingError> {
        let text = crate::text::tidy(input);
        match text.chars().count() {
            0 => Err(HeadingError::Empty),
            n if n > MAX_HEADING_CHARS => Err(HeadingError::TooLong),
            _ => Ok(Self(text)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The one rule for who may read a collection: public ones are for
/// everyone, others for the signed-in people `Principal::may_read` admits.
pub fn may_read(
    reader: Option<&crate::access::Principal>,
    visibility: Visibility,
    owner: &crate::units::UnitPath,
) -> bool {
    match reader {
        Some(reader) => reader.may_read(visibility, owner),
        None => visibility == Visibility::Public,
    }
}

/// A problem with a file, at a line (1-based; 0 when it is the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for MaterialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{}, line {}: {}", self.file, self.line, self.reason)
        }
    }
}

impl std::error::Error for MaterialError {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedChapter {
    /// 1 for the top level of headings.
    pub level: usize,
    pub heading: String,
    /// The enclosing chapter, as an index into `chapters`.
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedExcerpt {
    /// The innermost chapter it sits in, as an index into `chapters`.
    pub chapter: Option<usize>,
    /// `第十七条之一`, `一、` or empty for a plain paragraph.
    pub label: String,
    /// Paragraphs, separated by `\n`.
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCollection {
    pub title: String,
    /// A second title line, such as the book of a code (`人格权编`).
    pub subtitle: String,
    /// The version: from a `(2018-10-26)` in the file name, else the last
    /// date of the history lines.
    pub edition: Option<NaiveDate>,
    /// The history lines, as the file gives them.
    pub source: String,
    pub chapters: Vec<ParsedChapter>,
    pub excerpts: Vec<ParsedExcerpt>,
}

impl ParsedCollection {
    /// How many chapters it has as a reader counts them: its 章 when the
    /// headings name them (a code's 编 and a chapter's 节 are not
    /// chapters), else its outermost headings.
    pub fn chapter_count(&self) -> usize {
        let named = self
            .chapters
            .iter()
            .filter(|c| is_chapter_heading(&c.heading))
            .count();
        if named > 0 {
            return named;
        }
        let outermost = self.chapters.iter().map(|c| c.level).min();
        self.chapters
            .iter()
            .filter(|c| Some(c.level) == outermost)
            .count()
    }

    /// The headings from the outermost chapter down to `chapter`.
    pub fn heading_path(&self, chapter: Option<usize>) -> Vec<&str> {
        let mut path = Vec::new();
        let mut at = chapter;
        while let Some(index) = at {
            let Some(c) = self.chapters.get(index) else {
                break;
            };
            path.push(c.heading.as_str());
            at = c.parent;
        }
        path.reverse();
        path
    }

    pub fn char_count(&self) -> usize {
        self.excerpts.iter().map(|e| e.text.chars().count()).sum()
    }
}

/// The name a member sees: the title, the subtitle (a book of a code) and
/// the edition's date, so that no two versions or books read alike. A
/// title that already names its year (宪法修正案（1988年）) keeps it alone.
pub fn display_title(title: &str, subtitle: &str, edition: Option<NaiveDate>) -> String {
    let mut name = title.to_owned();
    if !subtitle.is_empty() {
        name.push('·');
        name.push_str(subtitle);
    }
    if let Some(date) = edition {
        use chrono::Datelike;
        if !title.contains(&format!("{}年", date.year())) {
            name.push_str(&format!(
                "（{}年{}月{}日）",
                date.year(),
                date.month(),
                date.day()
            ));
        }
    }
    name
}

const DIGITS: &str = "零一二三四五六七八九十百千〇两";

/// A number in Chinese counting numerals, as articles are numbered:
/// 十二, 一百零三, 一千二百六十, 一万零五.
pub fn chinese_number(n: u32) -> String {
    const ONES: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    // Below ten thousand; `whole` says whether it stands first, where
    // ten to nineteen read 十… rather than 一十….
    fn below_10000(n: u32, whole: bool) -> String {
        let mut out = String::new();
        let mut zero = false;
        for (unit, size) in [('千', 1000), ('百', 100), ('十', 10), (' ', 1)] {
            let digit = (n / size % 10) as usize;
            if digit == 0 {
                zero = !out.is_empty();
                continue;
            }
            if zero {
                out.push('零');
                zero = false;
            }
            if !(size == 10 && digit == 1 && whole && out.is_empty()) {
                out.push(ONES[digit]);
            }
            if size > 1 {
                out.push(unit);
            }
        }
        out
    }
    match n {
        0 => "零".to_owned(),
        1..=9_999 => below_10000(n, true),
        _ => {
            let (high, low) = (n / 10_000, n % 10_000);
            let mut out = chinese_number(high);
            out.push('万');
            if low > 0 {
                if low < 1000 {
                    out.push('零');
                }
                out.push_str(&below_10000(low, false));
            }
            out
        }
    }
}

/// `第十七条之一` at the start of a line, followed by a space or the end.
pub fn article_label(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('第')?;
    let number_len: usize = rest
        .chars()
        .take_while(|c| DIGITS.contains(*c))
        .map(char::len_utf8)
        .sum();
    if number_len == 0 {
        return None;
    }
    let mut end = '第'.len_utf8() + number_len;
    let after = line[end..].strip_prefix('条')?;
    end += '条'.len_utf8();
    if let Some(suffix) = after.strip_prefix('之') {
        let n: usize = suffix
            .chars()
            .take_while(|c| DIGITS.contains(*c))
            .map(char::len_utf8)
            .sum();
        if n > 0 {
            end += '之'.len_utf8() + n;
        }
    }
    let next = line[end..].chars().next();
    matches!(next, None | Some(' ' | '\u{3000}')).then(|| &line[..end])
}

/// Whether an excerpt gives something to read: not an article whose text
/// is gone (`第一百九十九条 （删去）`, or a label alone) and not a bare
/// heading that a file wrote as a paragraph (`第一章 总则`). Plans and
/// generated questions pass over the rest.
pub fn is_readable(text: &str) -> bool {
    let text = text.trim();
    let body = article_label(text)
        .or_else(|| item_label(text))
        .map_or(text, |label| &text[label.len()..])
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    let deleted = matches!(
        body.trim_matches(['（', '）', '(', ')', '【', '】', '[', ']']),
        "删去" | "删除" | "已删除" | "已删去" | "废止" | "已废止"
    );
    !(body.is_empty() || deleted || is_bare_heading(text))
}

/// `第一章 总则`, `第二节　一般规定`, `第三编 合同`: a heading line, short
/// and without a sentence's end.
fn is_bare_heading(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('第') else {
        return false;
    };
    let number = rest.trim_start_matches(|c| DIGITS.contains(c));
    number.len() < rest.len()
        && ["编", "分编", "章", "节", "部分"]
            .iter()
            .any(|unit| number.starts_with(unit))
        && text.chars().count() <= 40
        && !text.contains(['。', '；', '：'])
        && !text.contains('\n')
}

/// `一、` at the start of a line: an amendment's numbered item.
pub fn item_label(line: &str) -> Option<&str> {
    let number_len: usize = line
        .chars()
        .take_while(|c| DIGITS.contains(*c))
        .map(char::len_utf8)
        .sum();
    (number_len > 0 && line[number_len..].starts_with('、'))
        .then(|| &line[..number_len + '、'.len_utf8()])
}

/// What starts an excerpt in a file: decided once per file, from what it
/// holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Articles,
    Items,
    Paragraphs,
}

const INFO_END: &str = "<!-- INFO END -->";
const FORCE_BREAK: &str = "<!-- FORCE BREAK -->";
pub const MAX_HEADING_CHARS: usize = 200;

/// A file's content, whatever its format: headings (with their depth,
/// deeper is more nested), paragraphs of text, and notes (a footnote,
/// `注1：…`) referenced from the block before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    Heading { depth: usize, text: String },
    Text(String),
    Note(String),
}

/// Turns blocks into chapters and excerpts: each heading opens a chapter
/// inside the open ones that are shallower; each article (or amendment
/// item, or — in a text that has neither — paragraph) is an excerpt, and
/// the paragraphs after an article or item belong to it. Notes follow the
/// paragraphs of the excerpt that references them (a note referenced in a
/// heading, of the excerpt that comes next).
pub(crate) fn assemble(
    file: &str,
    blocks: &[(usize, Block)],
) -> Result<(Vec<ParsedChapter>, Vec<ParsedExcerpt>), MaterialError> {
    let texts = || {
        blocks.iter().filter_map(|(_, b)| match b {
            Block::Text(text) => Some(text.as_str()),
            Block::Heading { .. } | Block::Note(_) => None,
        })
    };
    let mode = if texts().any(|t| article_label(t).is_some()) {
        Mode::Articles
    } else if texts().any(|t| item_label(t).is_some()) {
        Mode::Items
    } else {
        Mode::Paragraphs
    };
    let mut chapters: Vec<ParsedChapter> = Vec::new();
    let mut excerpts: Vec<ParsedExcerpt> = Vec::new();
    // The open chapters: (depth, index).
    let mut open: Vec<(usize, usize)> = Vec::new();
    // Whether the last excerpt takes the paragraphs that follow.
    let mut continuing = false;
    // Notes per excerpt, added after its last paragraph; and those that
    // wait for the next excerpt.
    let mut notes: Vec<Vec<&str>> = Vec::new();
    let mut waiting: Vec<&str> = Vec::new();
    // The excerpt the last block went into, none after a heading.
    let mut current: Option<usize> = None;
    for (number, block) in blocks {
        match block {
            Block::Note(note) => match current {
                Some(index) => notes[index].push(note),
                None => waiting.push(note),
            },
            Block::Heading { depth, text } => {
                if text.chars().count() > MAX_HEADING_CHARS {
                    return Err(MaterialError {
                        file: file.to_owned(),
                        line: *number,
                        reason: "a heading is longer than 200 characters".into(),
                    });
                }
                while open.last().is_some_and(|(level, _)| level >= depth) {
                    open.pop();
                }
                chapters.push(ParsedChapter {
                    level: open.len() + 1,
                    heading: tidy_heading(text),
                    parent: open.last().map(|(_, i)| *i),
                });
                open.push((*depth, chapters.len() - 1));
                continuing = false;
                current = None;
            }
            Block::Text(line) => {
                let chapter = open.last().map(|(_, i)| *i);
                let label = match mode {
                    Mode::Articles => article_label(line),
                    Mode::Items => item_label(line),
                    Mode::Paragraphs => None,
                };
                match label {
                    Some(label) => {
                        excerpts.push(ParsedExcerpt {
                            chapter,
                            label: label.to_owned(),
                            text: line.clone(),
                            line: *number,
                        });
                        continuing = true;
                    }
                    None if continuing && mode != Mode::Paragraphs => {
                        if let Some(last) = excerpts.last_mut() {
                            last.text.push('\n');
                            last.text.push_str(line);
                        }
                    }
                    None => excerpts.push(ParsedExcerpt {
                        chapter,
                        label: String::new(),
                        text: line.clone(),
                        line: *number,
                    }),
                }
                if notes.len() < excerpts.len() {
                    notes.push(std::mem::take(&mut waiting));
                }
                current = excerpts.len().checked_sub(1);
            }
        }
    }
    if let Some(last) = notes.last_mut() {
        last.append(&mut waiting);
    }
    for (excerpt, notes) in excerpts.iter_mut().zip(notes) {
        for note in notes {
            excerpt.text.push('\n');
            excerpt.text.push_str(note);
        }
    }
    Ok((chapters, excerpts))
}

/// How a text file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// The corpus format, or general Markdown: `#` headings and front
    /// matter.
    Markdown,
    /// Plain text: a short first line is the title, and nothing else is
    /// markup.
    Plain,
}

/// Parses Markdown (the corpus format, or general Markdown) or plain
/// text. `file` names the file in errors and may carry the edition date.
pub fn parse_text(
    file: &str,
    text: &str,
    markup: Markup,
) -> Result<ParsedCollection, MaterialError> {
    let plain = markup == Markup::Plain;
    let fail = |line: usize, reason: &str| MaterialError {
        file: file.to_owned(),
        line,
        reason: reason.to_owned(),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end()))
        .collect();

    // Optional YAML front matter.
    let mut start = 0;
    if !plain && lines.first().is_some_and(|(_, l)| *l == "---") {
        let close = lines
            .iter()
            .skip(1)
            .position(|(_, l)| *l == "---" || *l == "...")
            .ok_or_else(|| fail(1, "the front matter that opens with --- is never closed"))?;
        start = close + 2;
    }
    let body = &lines[start..];

    // Title, subtitle and header lines.
    let mut title = String::new();
    let mut subtitle = String::new();
    let mut history = Vec::new();
    let mut content_from = 0;
    let has_info_end = body.iter().any(|(_, l)| l.trim() == INFO_END);
    let mut index = 0;
    while index < body.len() {
        let (_, line) = body[index];
        let trimmed = line.trim();
        if !plain && let Some(heading) = trimmed.strip_prefix("# ") {
            if title.is_empty() {
                title = heading.trim().to_owned();
            } else if subtitle.is_empty() && (has_info_end || history.is_empty()) {
                subtitle = heading.trim().to_owned();
            } else {
                break;
            }
            index += 1;
            content_from = index;
            continue;
        }
        if trimmed == INFO_END {
            content_from = index + 1;
            break;
        }
        if has_info_end && !title.is_empty() {
            if !trimmed.is_empty() {
                history.push(trimmed.to_owned());
            }
            index += 1;
            continue;
        }
        if trimmed.is_empty() {
            index += 1;
            continue;
        }
        break;
    }
    // A short first line is the title of a plain text.
    let first_line = body
        .iter()
        .enumerate()
        .find(|(_, (_, l))| !l.trim().is_empty());
    if plain
        && let Some((i, (_, first))) = first_line
        && first.trim().chars().count() <= 60
        && article_label(first.trim()).is_none()
    {
        title = first.trim().to_owned();
        content_from = i + 1;
    }
    if title.is_empty() {
        title = file_stem(file);
    }
    if title.chars().count() > MAX_HEADING_CHARS {
        return Err(fail(1, "the title is longer than 200 characters"));
    }

    let content = &body[content_from.min(body.len())..];
    let mut blocks = Vec::with_capacity(content.len());
    for &(number, raw) in content {
        let line = raw.trim();
        if line.is_empty() || line == FORCE_BREAK || line == INFO_END {
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        let heading = line[hashes..].trim();
        let block =
            if !plain && hashes >= 2 && line[hashes..].starts_with(' ') && !heading.is_empty() {
                Block::Heading {
                    depth: hashes,
                    text: heading.to_owned(),
                }
            } else {
                Block::Text(line.to_owned())
            };
        blocks.push((number, block));
    }
    let (chapters, excerpts) = assemble(file, &blocks)?;
    if excerpts.is_empty() {
        return Err(fail(0, "there is no text to read in this file"));
    }
    Ok(ParsedCollection {
        edition: edition_from_name(file)
            .or_else(|| history.iter().filter_map(|l| chinese_date(l)).next_back()),
        source: history.join("\n"),
        title,
        subtitle,
        chapters,
        excerpts,
    })
}

/// Reads a file of study material by its name: Markdown (`.md`,
/// `.markdown`) or plain text (`.txt`), in UTF-8 or GB18030, or Word
/// (`.docx`).
pub fn parse_file(file: &str, bytes: &[u8]) -> Result<ParsedCollection, MaterialError> {
    let fail = |reason: &str| MaterialError {
        file: file.to_owned(),
        line: 0,
        reason: reason.to_owned(),
    };
    let extension = file
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let markup = match extension.as_str() {
        "md" | "markdown" => Markup::Markdown,
        "txt" => Markup::Plain,
        "docx" => return parse_docx(file, bytes),
        _ => {
            return Err(fail(
                "not a study material file: use .md, .markdown, .txt or .docx",
            ));
        }
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(fail("the text is neither UTF-8 nor GB18030"));
            }
            text
        }
    };
    parse_text(file, &text, markup)
}

/// Whether a file name is one `parse_file` reads.
pub fn is_material(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    let name = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    // A folder's README describes the folder; it is not study material.
    !name.starts_with("readme.")
        && [".md", ".markdown", ".txt", ".docx"]
            .iter()
            .any(|e| lower.ends_with(e))
}

/// Whether a heading is a chapter's: `第三章 国家机构`.
pub fn is_chapter_heading(heading: &str) -> bool {
    let label = heading.split_whitespace().next().unwrap_or_default();
    label.starts_with('第') && label.ends_with('章')
}

/// The categories of China's body of law, in the order the NPC lists
/// them, the Constitution first: the library shows its categories so.
pub const CATEGORY_ORDER: [&str; 9] = [
    "宪法",
    "宪法相关法",
    "民法典",
    "民法商法",
    "行政法",
    "经济法",
    "社会法",
    "刑法",
    "诉讼与非诉讼程序法",
];

/// Where a category stands in the library: those of `CATEGORY_ORDER` in
/// its order, then any other by name, then material with none.
pub fn category_rank(category: &str) -> (usize, &str) {
    match CATEGORY_ORDER.iter().position(|c| *c == category) {
        Some(place) => (place, ""),
        None if category.is_empty() => (CATEGORY_ORDER.len() + 1, ""),
        None => (CATEGORY_ORDER.len(), category),
    }
}

/// Headings in the corpus pad with two spaces (`第一章  总纲`).
fn tidy_heading(heading: &str) -> String {
    crate::text::tidy(heading)
}

pub(crate) fn file_stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let stem = stem.split('(').next().unwrap_or(stem).trim();
    if stem.is_empty() {
        "未命名".to_owned()
    } else {
        stem.to_owned()
    }
}

/// `(2018-10-26)` in a file name.
pub(crate) fn edition_from_name(file: &str) -> Option<NaiveDate> {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let open = name.rfind('(')?;
    let close = name[open..].find(')')? + open;
    NaiveDate::parse_from_str(&name[open + 1..close], "%Y-%m-%d").ok()
}

/// The first `2018年3月11日` in a line.
pub fn chinese_date(line: &str) -> Option<NaiveDate> {
    let year_at = line.find('年')?;
    let year: i32 = line[..year_at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .ok()?;
    let rest = &line[year_at + '年'.len_utf8()..];
    let month_at = rest.find('月')?;
    let month: u32 = rest[..month_at].parse().ok()?;
    let rest = &rest[month_at + '月'.len_utf8()..];
    let day_at = rest.find('日')?;
    let day: u32 = rest[..day_at].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapters_are_counted_as_a_reader_counts_them() {
        let code = "# 刑法\n\n## 第一编 总则\n\n### 第一章 任务\n\n第一条 甲。\n\n### 第二章 犯罪\n\n#### 第一节 责任\n\n第二条 乙。\n\n## 第二编 分则\n\n### 第三章 罪名\n\n第三条 丙。\n";
        let parsed = parse_file("刑法.md", code.as_bytes()).expect("parse");
        assert_eq!(parsed.chapters.len(), 6, "every heading is kept");
        assert_eq!(parsed.chapter_count(), 3, "three 章, not 编 or 节");
        let plain = "# 讲义\n\n## 开篇\n\n一段。\n\n### 小节\n\n二段。\n\n## 结语\n\n三段。\n";
        let parsed = parse_file("讲义.md", plain.as_bytes()).expect("parse");
        assert_eq!(
            parsed.chapter_count(),
            2,
            "without 章, the outermost headings"
        );
        assert!(!is_material("corpus/README.md") && is_material("corpus/宪法/宪法.md"));
    }

    #[test]
    fn the_constitution_s_category_comes_first_and_none_last() {
        let mut categories = vec!["", "刑法", "地方法规", "宪法", "民法商法"];
        categories.sort_by_key(|c| category_rank(c));
        assert_eq!(categories, ["宪法", "民法商法", "刑法", "地方法规", ""]);
    }

    #[test]
    fn deleted_articles_labels_alone_and_bare_headings_are_not_read() {
        for text in [
            "第一百九十九条 （删去）",
            "第一百九十九条 (删去)",
            "第十条",
            "第三条\u{3000}",
            "第一章 总则",
            "第二节　一般规定",
            "第三编 合同",
            "第一分编 通则",
            "  ",
        ] {
            assert!(!is_readable(text), "{text}");
        }
        for text in [
            "第一条 为了保障公民权利，制定本法。",
            "第一章规定的事项，依照本法执行。",
            "一、删去刑法第一百九十九条。",
            "中华人民共和国是工人阶级领导的社会主义国家。",
        ] {
            assert!(is_readable(text), "{text}");
        }
    }

    const STATUTE: &str = "# 中华人民共和国示例法

2018年10月26日 第十三届全国人民代表大会常务委员会第六次会议通过

2020年5月1日 第二次修正

<!-- INFO END -->

## 第一章  总则

第一条 为了示例，制定本法。

第二条 本法适用于示例。
有下列情形之一的：
（一）第一种；

<!-- FORCE BREAK -->

（二）第二种。

### 第一节 细则

第二条之一 新增的一条。

## 第二章 附则

第三条 本法自公布之日起施行。
";

    #[test]
    fn reads_the_corpus_format() {
        let parsed = parse_text("宪法相关法/示例法.md", STATUTE, Markup::Markdown).expect("parses");
        assert_eq!(parsed.title, "中华人民共和国示例法");
        assert_eq!(parsed.edition, NaiveDate::from_ymd_opt(2020, 5, 1));
        assert!(parsed.source.contains("第六次会议通过"));
        let labels: Vec<&str> = parsed.excerpts.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["第一条", "第二条", "第二条之一", "第三条"]);
        assert_eq!(
            parsed.excerpts[1].text,
            "第二条 本法适用于示例。\n有下列情形之一的：\n（一）第一种；\n（二）第二种。"
        );
        assert_eq!(parsed.chapters.len(), 3);
        assert_eq!(parsed.chapters[0].heading, "第一章 总则");
        assert_eq!(parsed.chapters[1].parent, Some(0));
        assert_eq!(
            parsed.heading_path(parsed.excerpts[2].chapter),
            ["第一章 总则", "第一节 细则"]
        );
        assert_eq!(
            parsed.heading_path(parsed.excerpts[3].chapter),
            ["第二章 附则"]
        );
        assert_eq!(parsed.excerpts[0].line, 11);
    }

    #[test]
    fn a_preamble_without_articles_is_read_paragraph_by_paragraph() {
        let text = "# 宪法\n\n1982年12月4日 通过\n\n<!-- INFO END -->\n\n## 序言\n\n第一段。\n\n<!-- FORCE BREAK -->\n\n第二段。\n\n## 第一章 总纲\n\n第一条 第一条的文字。\n";
        let parsed = parse_text("宪法.md", text, Markup::Markdown).expect("parses");
        let texts: Vec<&str> = parsed.excerpts.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["第一段。", "第二段。", "第一条 第一条的文字。"]);
    }

    #[test]
    fn amendments_are_read_item_by_item() {
        let text = "# 刑法修正案（七）\n\n2009年2月28日 通过\n\n<!-- INFO END -->\n\n一、将刑法第一百五十一条修改为：“……”\n\n增加一款作为第四款：“……”\n\n二、将刑法第一百八十条修改为：“……”\n";
        let parsed = parse_text("刑法修正案（七）.md", text, Markup::Markdown).expect("parses");
        assert_eq!(parsed.excerpts.len(), 2);
        assert_eq!(parsed.excerpts[0].label, "一、");
        assert!(parsed.excerpts[0].text.contains("第四款"));
        assert!(parsed.chapters.is_empty());
    }

    #[test]
    fn front_matter_subtitles_and_file_dates() {
        let text = "---\ntags: [law]\n---\n# 中华人民共和国民法典\n# 人格权编\n2020年5月28日 通过\n2021年1月1日 施行\n<!-- INFO END -->\n## 第一章 一般规定\n第九百八十九条 本编调整……\n";
        let parsed = parse_text("民法典/人格权编.md", text, Markup::Markdown).expect("parses");
        assert_eq!(parsed.subtitle, "人格权编");
        assert_eq!(parsed.edition, NaiveDate::from_ymd_opt(2021, 1, 1));
        assert_eq!(
            display_title(&parsed.title, &parsed.subtitle, parsed.edition),
            "中华人民共和国民法典·人格权编（2021年1月1日）"
        );
        assert_eq!(
            display_title(
                "中华人民共和国宪法修正案（1988年）",
                "",
                NaiveDate::from_ymd_opt(1988, 4, 12)
            ),
            "中华人民共和国宪法修正案（1988年）"
        );
        let named = parse_text(
            "国徽法(2020-10-17).md",
            "# 国徽法\n\n2009年 通过\n\n<!-- INFO END -->\n\n第一条 文字。\n",
            Markup::Markdown,
        )
        .expect("parses");
        assert_eq!(named.edition, NaiveDate::from_ymd_opt(2020, 10, 17));
        let unclosed = parse_text("x.md", "---\ntags: [law]\n# 标题\n", Markup::Markdown)
            .expect_err("unclosed");
        assert_eq!(unclosed.line, 1);
        assert!(unclosed.to_string().starts_with("x.md, line 1:"));
    }

    #[test]
    fn general_markdown_and_plain_text() {
        let md = "# 学习札记\n\n## 一、关于学习\n\n学习是一种态度。\n\n学而不思则罔。\n\n## 二、关于实践\n\n实践出真知。\n";
        let parsed = parse_text("notes.md", md, Markup::Markdown).expect("parses");
        assert_eq!(parsed.excerpts.len(), 3);
        assert_eq!(
            parsed.heading_path(parsed.excerpts[2].chapter),
            ["二、关于实践"]
        );
        let txt = "重要讲话摘编\n\n第一段话。\n\n第二段话。\n";
        let parsed = parse_text("speech.txt", txt, Markup::Plain).expect("parses");
        assert_eq!(parsed.title, "重要讲话摘编");
        assert_eq!(parsed.excerpts.len(), 2);
        let empty =
            parse_text("empty.md", "# 只有标题\n", Markup::Markdown).expect_err("nothing to read");
        assert!(empty.to_string().contains("no text"));
    }

    #[test]
    fn numbers_read_as_articles_are_numbered() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (103, "一百零三"),
            (110, "一百一十"),
            (1005, "一千零五"),
            (1260, "一千二百六十"),
            (10_005, "一万零五"),
            (10_010, "一万零一十"),
            (123_456, "十二万三千四百五十六"),
        ];
        for (n, chinese) in cases {
            assert_eq!(chinese_number(n), chinese, "{n}");
            if n >= 10_000 {
                continue;
            }
            let label = format!("第{chinese}条");
            assert_eq!(article_label(&label), Some(label.as_str()));
        }
    }

    #[test]
    fn labels_are_recognized_exactly() {
        assert_eq!(article_label("第十七条之一 内容"), Some("第十七条之一"));
        assert_eq!(article_label("第一百零五条　内容"), Some("第一百零五条"));
        assert_eq!(article_label("第二条"), Some("第二条"));
        assert_eq!(article_label("第二条规定的"), None);
        assert_eq!(article_label("第一章 总则"), None);
        assert_eq!(item_label("十二、内容"), Some("十二、"));
        assert_eq!(item_label("（一）内容"), None);
        assert_eq!(
            chinese_date("2018年3月11日 第十三届"),
            NaiveDate::from_ymd_opt(2018, 3, 11)
        );
    }
}
