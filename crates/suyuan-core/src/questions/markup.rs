//! The formats Moodle writes question text in, read into the one form the
//! bank keeps: plain text whose line breaks are `\n`. Pages show it with
//! its line breaks kept; no tag ever reaches them.
//!
//! HTML is parsed as a browser would (html5ever, through `scraper`):
//! paragraphs, `<div>`s, `<br>`s and list items become lines, entities are
//! decoded, images leave their alt text, and scripts, styles and every
//! other tag are dropped. Markdown is rendered to HTML first and Moodle's
//! own format is HTML whose line breaks count, so all three end up on the
//! same path.

use scraper::{ElementRef, Html, Node};

/// How a piece of question text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Plain,
    Html,
    Markdown,
    /// Moodle's own: HTML in which a new line is a line break. What GIFT
    /// text without a marker is.
    Moodle,
}

impl TextFormat {
    /// A GIFT marker (`[html]`, `[plain]`, `[markdown]`, `[moodle]`) at the
    /// start of `text`: the format it names and the text after it.
    pub fn gift_marker(text: &str) -> Option<(Self, &str)> {
        let text = text.trim_start();
        [
            ("[plain]", TextFormat::Plain),
            ("[html]", TextFormat::Html),
            ("[markdown]", TextFormat::Markdown),
            ("[moodle]", TextFormat::Moodle),
        ]
        .into_iter()
        .find_map(|(marker, format)| text.strip_prefix(marker).map(|rest| (format, rest)))
    }

    /// The format a Moodle XML `format` attribute names.
    pub fn moodle_xml(name: &str) -> Self {
        match name.trim() {
            "html" => TextFormat::Html,
            "moodle_auto_format" => TextFormat::Moodle,
            "markdown" => TextFormat::Markdown,
            _ => TextFormat::Plain,
        }
    }

    /// The text as the bank keeps it.
    pub fn to_text(self, source: &str) -> String {
        match self {
            TextFormat::Plain => source.trim().to_owned(),
            TextFormat::Html => html_to_text(source),
            TextFormat::Markdown => {
                let options = pulldown_cmark::Options::ENABLE_STRIKETHROUGH
                    | pulldown_cmark::Options::ENABLE_TABLES;
                let mut html = String::new();
                pulldown_cmark::html::push_html(
                    &mut html,
                    pulldown_cmark::Parser::new_ext(source, options),
                );
                html_to_text(&html)
            }
            TextFormat::Moodle => html_to_text(&moodle_line_breaks(source.trim())),
        }
    }
}

/// Moodle's format as HTML: each new line becomes `<br>`, except between
/// two tags (as Moodle does, so that `</p>` and `<p>` on lines of their own
/// add no empty line).
fn moodle_line_breaks(source: &str) -> String {
    let mut html = String::with_capacity(source.len());
    let mut previous: Option<&str> = None;
    for line in source.lines() {
        if let Some(previous) = previous {
            let between_tags =
                previous.trim_end().ends_with('>') && line.trim_start().starts_with('<');
            html.push_str(if between_tags { "\n" } else { "<br>" });
        }
        html.push_str(line);
        previous = Some(line);
    }
    html
}

/// Elements whose content is never text to show.
const DROPPED: [&str; 12] = [
    "script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "svg",
    "audio", "video",
];

/// Elements that stand on lines of their own.
const BLOCKS: [&str; 30] = [
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "caption",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "hr",
    "address",
];

/// The text of a piece of HTML, as lines.
pub fn html_to_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut lines = Lines::default();
    lines.element(fragment.root_element());
    lines.finish()
}

/// The text being written out, with what HTML's white space rules need.
#[derive(Default)]
struct Lines {
    out: String,
    /// White space was seen since the last character: one space is owed.
    space: bool,
    /// Inside `<pre>`, white space stands as written.
    pre: usize,
    /// The lists we are in: the next number of an ordered one, or none.
    lists: Vec<Option<u64>>,
}

impl Lines {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n')
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if self.pre > 0 {
                self.out.push(if c == '\u{a0}' { ' ' } else { c });
            } else if c.is_ascii_whitespace() {
                self.space = true;
            } else {
                if std::mem::take(&mut self.space) && !self.at_line_start() {
                    self.out.push(' ');
                }
                // A no-break space is a space to whoever reads or types it.
                self.out.push(if c == '\u{a0}' { ' ' } else { c });
            }
        }
    }

    /// A block starts or ends: what follows goes on a new line.
    fn block(&mut self) {
        self.space = false;
        if !self.at_line_start() {
            self.out.push('\n');
        }
    }

    fn element(&mut self, element: ElementRef<'_>) {
        let name = element.value().name();
        if DROPPED.contains(&name) {
            return;
        }
        match name {
            "br" => {
                self.space = false;
                self.out.push('\n');
                return;
            }
            "img" => {
                if let Some(alt) = element.value().attr("alt") {
                    self.text(alt);
                }
                return;
            }
            // Cells of a row: side by side.
            "td" | "th" => self.space = true,
            _ => {}
        }
        let block = BLOCKS.contains(&name);
        if block {
            self.block();
        }
        match name {
            "ul" => self.lists.push(None),
            "ol" => {
                let start = element
                    .value()
                    .attr("start")
                    .and_then(|s| s.trim().parse().ok())
                    .unwrap_or(1);
                self.lists.push(Some(start));
            }
            "li" => match self.lists.last_mut() {
                Some(Some(number)) => {
                    self.out.push_str(&format!("{number}. "));
                    *number += 1;
                }
                _ => self.out.push_str("• "),
            },
            "pre" => self.pre += 1,
            _ => {}
        }
        for child in element.children() {
            match child.value() {
                Node::Text(text) => self.text(text),
                Node::Element(_) => {
                    if let Some(child) = ElementRef::wrap(child) {
                        self.element(child);
                    }
                }
                _ => {}
            }
        }
        match name {
            "ul" | "ol" => {
                self.lists.pop();
            }
            "pre" => self.pre -= 1,
            _ => {}
        }
        if block {
            self.block();
        }
    }

    /// The lines, each without spaces at its ends, with at most one empty
    /// line in a row and none at either end.
    fn finish(self) -> String {
        let mut text = String::with_capacity(self.out.len());
        let mut empty = 0;
        for line in self.out.lines().map(str::trim) {
            if line.is_empty() {
                empty += 1;
                continue;
            }
            if !text.is_empty() {
                text.push_str(if empty > 0 { "\n\n" } else { "\n" });
            }
            text.push_str(line);
            empty = 0;
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_lines_without_tags() {
        let html = r#"<p dir="ltr" style="text-align: left;">中华人民共和国的一切权力属于<strong>人民</strong>。<br>
            第二行</p><p>第三行&nbsp;&amp;&nbsp;&lt;宪法&gt; &#x4E2D;&#22269;</p>
            <div>第四行</div><script>alert("x")</script><style>p { color: red }</style>"#;
        assert_eq!(
            html_to_text(html),
            "中华人民共和国的一切权力属于人民。\n第二行\n第三行 & <宪法> 中国\n第四行"
        );
    }

    #[test]
    fn lists_are_lines_and_images_leave_their_alt_text() {
        let html = "<p>下列说法正确的是：</p><ol><li>甲</li><li><span>乙</span></li></ol>\
            <ul><li>丙</li></ul><p><img src=\"@@PLUGINFILE@@/a.png\" alt=\"宪法图\"><img src=\"b.png\"></p>";
        assert_eq!(
            html_to_text(html),
            "下列说法正确的是：\n1. 甲\n2. 乙\n• 丙\n宪法图"
        );
    }

    #[test]
    fn white_space_collapses_as_in_a_browser_and_empty_paragraphs_stay_one_line() {
        let html = "<p>  a \n\t b  </p>\n<p><br></p>\n<p>c</p><p></p><p></p><p></p><p>d</p>";
        assert_eq!(html_to_text(html), "a b\n\nc\nd");
        assert_eq!(html_to_text("1 < 2 &unknown; x"), "1 < 2 &unknown; x");
        assert_eq!(
            html_to_text("<table><tr><td>a</td><td>b</td></tr></table>"),
            "a b"
        );
    }

    #[test]
    fn markdown_is_rendered_to_lines() {
        let markdown =
            "宪法是**根本法**，具有*最高*法律效力。\n\n- 第一项\n- 第二项\n\n1. 甲\n2. `乙`";
        assert_eq!(
            TextFormat::Markdown.to_text(markdown),
            "宪法是根本法，具有最高法律效力。\n• 第一项\n• 第二项\n1. 甲\n2. 乙"
        );
        assert_eq!(
            TextFormat::Markdown.to_text("a<script>x</script> <b>b</b>"),
            "a b"
        );
    }

    #[test]
    fn moodles_own_format_keeps_its_line_breaks() {
        assert_eq!(
            TextFormat::Moodle.to_text("第一行\n第二行 <b>粗</b>\n"),
            "第一行\n第二行 粗"
        );
        assert_eq!(TextFormat::Moodle.to_text("<p>a</p>\n<p>b</p>"), "a\nb");
        assert_eq!(TextFormat::Plain.to_text(" <b>a</b>\n"), "<b>a</b>");
    }

    #[test]
    fn gift_markers_name_a_format() {
        assert_eq!(
            TextFormat::gift_marker("[html]<p>a</p>"),
            Some((TextFormat::Html, "<p>a</p>"))
        );
        assert_eq!(
            TextFormat::gift_marker(" [markdown]**a**"),
            Some((TextFormat::Markdown, "**a**"))
        );
        assert_eq!(TextFormat::gift_marker("[x]a"), None);
    }
}
