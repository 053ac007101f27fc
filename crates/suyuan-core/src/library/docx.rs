//! DOCX, as offices compile their material in Word: paragraphs in the
//! Title style give the title, Heading 1–9 styles (or an outline level)
//! give chapters, and other paragraphs give the text.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;

use super::{Block, MaterialError, ParsedCollection, assemble};
use crate::archive;
use crate::text::xml_entity;

/// What a paragraph style makes of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Title,
    Heading(usize),
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Paragraph style ids and what they mean, from `word/styles.xml`: a name
/// `heading N` or `Title`, or an outline level.
fn style_roles(xml: &str) -> HashMap<String, Role> {
    let mut roles = HashMap::new();
    let mut reader = Reader::from_str(xml);
    let mut current: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.name().as_ref() == "w:style" => {
                current = attribute(&e, "w:styleId");
            }
            Ok(Event::End(e)) if e.name().as_ref() == "w:style" => current = None,
            Ok(Event::Empty(e)) => {
                let Some(id) = &current else { continue };
                match e.name().as_ref() {
                    "w:name" => {
                        let name = attribute(&e, "w:val")
                            .unwrap_or_default()
                            .to_ascii_lowercase();
                        if name == "title" {
                            roles.insert(id.clone(), Role::Title);
                        } else if let Some(level) = name
                            .strip_prefix("heading ")
                            .and_then(|n| n.trim().parse().ok())
                        {
                            roles.insert(id.clone(), Role::Heading(level));
                        }
                    }
                    "w:outlineLvl" => {
                        if let Some(level) =
                            attribute(&e, "w:val").and_then(|v| v.parse::<usize>().ok())
                        {
                            roles.entry(id.clone()).or_insert(Role::Heading(level + 1));
                        }
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    roles
}

/// Reads a DOCX file into a collection.
pub fn parse_docx(file: &str, bytes: &[u8]) -> Result<ParsedCollection, MaterialError> {
    let fail = |line: usize, reason: String| MaterialError {
        file: file.to_owned(),
        line,
        reason,
    };
    let mut archive = archive::check(bytes).map_err(|e| fail(0, e.to_string()))?;
    let document = archive::text(&mut archive, "word/document.xml")
        .map_err(|e| fail(0, e.to_string()))?
        .ok_or_else(|| fail(0, "not a Word document: it has no word/document.xml".into()))?;
    let styles = archive::text(&mut archive, "word/styles.xml")
        .map_err(|e| fail(0, e.to_string()))?
        .map(|xml| style_roles(&xml))
        .unwrap_or_default();

    let mut title = String::new();
    let mut blocks = Vec::new();
    let mut reader = Reader::from_str(&document);
    let mut paragraph: Option<(String, Option<Role>)> = None;
    let mut in_text = false;
    let mut number = 0;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| fail(number, format!("the document's XML is broken: {e}")))?;
        match event {
            Event::Start(e) if e.name().as_ref() == "w:p" => {
                paragraph = Some((String::new(), None))
            }
            Event::Empty(e) if e.name().as_ref() == "w:p" => number += 1,
            Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_text = false,
            Event::Empty(e) => {
                let Some((text, role)) = paragraph.as_mut() else {
                    continue;
                };
                match e.name().as_ref() {
                    "w:pStyle" => {
                        if let Some(found) =
                            attribute(&e, "w:val").and_then(|id| styles.get(&id).copied())
                        {
                            *role = Some(found);
                        }
                    }
                    "w:outlineLvl" => {
                        if let Some(level) =
                            attribute(&e, "w:val").and_then(|v| v.parse::<usize>().ok())
                            && level < 9
                        {
                            role.get_or_insert(Role::Heading(level + 1));
                        }
                    }
                    "w:tab" | "w:br" => text.push(' '),
                    _ => {}
                }
            }
            Event::Text(e) if in_text => {
                if let Some((text, _)) = paragraph.as_mut() {
                    text.push_str(&e.xml10_content());
                }
            }
            Event::GeneralRef(e) if in_text => {
                if let Some((text, _)) = paragraph.as_mut() {
                    let resolved = e
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .or_else(|| xml_entity(e.as_ref()));
                    if let Some(c) = resolved {
                        text.push(c);
                    }
                }
            }
            Event::End(e) if e.name().as_ref() == "w:p" => {
                number += 1;
                let Some((text, role)) = paragraph.take() else {
                    continue;
                };
                let text = crate::text::tidy(&text);
                if text.is_empty() {
                    continue;
                }
                match role {
                    Some(Role::Title) if title.is_empty() => title = text,
                    Some(Role::Title) => blocks.push((number, Block::Heading { depth: 1, text })),
                    Some(Role::Heading(level)) => blocks.push((
                        number,
                        Block::Heading {
                            depth: level + 1,
                            text,
                        },
                    )),
                    None => blocks.push((number, Block::Text(text))),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Without a Title paragraph, a first heading above all others names
    // the document; else the file does.
    if title.is_empty() {
        let shallowest = blocks
            .iter()
            .filter_map(|(_, b)| match b {
                Block::Heading { depth, .. } => Some(*depth),
                Block::Text(_) => None,
            })
            .min();
        let heads = blocks
            .iter()
            .filter(
                |(_, b)| matches!(b, Block::Heading { depth, .. } if Some(*depth) == shallowest),
            )
            .count();
        if heads == 1
            && let Some((_, Block::Heading { text, .. })) = blocks.first().cloned()
        {
            title = text;
            blocks.remove(0);
        } else {
            title = super::file_stem(file);
        }
    }
    let (chapters, excerpts) = assemble(file, &blocks)?;
    if excerpts.is_empty() {
        return Err(fail(0, "there is no text to read in this document".into()));
    }
    Ok(ParsedCollection {
        title,
        subtitle: String::new(),
        edition: super::edition_from_name(file),
        source: String::new(),
        chapters,
        excerpts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal Word document: the parts this reader looks at.
    pub(crate) fn docx(document_body: &str, styles: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{document_body}</w:body></w:document>"#
        );
        let styles = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">{styles}</w:styles>"#
        );
        for (name, text) in [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", document.as_str()),
            ("word/styles.xml", styles.as_str()),
        ] {
            zip.start_file(name, options).expect("entry");
            zip.write_all(text.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    fn p(style: Option<&str>, text: &str) -> String {
        let style = style
            .map(|s| format!(r#"<w:pPr><w:pStyle w:val="{s}"/></w:pPr>"#))
            .unwrap_or_default();
        format!(r#"<w:p>{style}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
    }

    const STYLES: &str = r#"<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/></w:style>"#;

    #[test]
    fn headings_become_chapters_and_articles_excerpts() {
        let body = [
            p(Some("a3"), "学习资料汇编"),
            p(Some("1"), "第一章 总则"),
            p(None, "第一条 为了学习&amp;实践，编写本资料。"),
            p(None, "本条第二款。"),
            p(Some("2"), "第一节 细则"),
            p(None, "第二条 细则的内容。"),
            p(Some("1"), "第二章 附则"),
            p(None, "第三条 自印发之日起施行。"),
            r#"<w:p/>"#.to_owned(),
        ]
        .concat();
        let parsed = parse_docx("资料.docx", &docx(&body, STYLES)).expect("parses");
        assert_eq!(parsed.title, "学习资料汇编");
        assert_eq!(parsed.chapters.len(), 3);
        assert_eq!(parsed.chapters[1].parent, Some(0));
        let labels: Vec<&str> = parsed.excerpts.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["第一条", "第二条", "第三条"]);
        assert_eq!(
            parsed.excerpts[0].text,
            "第一条 为了学习&实践，编写本资料。\n本条第二款。"
        );
        assert_eq!(
            parsed.heading_path(parsed.excerpts[1].chapter),
            ["第一章 总则", "第一节 细则"]
        );
    }

    #[test]
    fn outline_levels_and_plain_paragraphs() {
        let body = format!(
            r#"<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>讲话摘编</w:t></w:r></w:p>{}{}"#,
            p(None, "第一段。"),
            p(None, "第二段。")
        );
        let parsed = parse_docx("speech.docx", &docx(&body, "")).expect("parses");
        assert_eq!(parsed.title, "讲话摘编");
        assert_eq!(parsed.excerpts.len(), 2);
        assert!(parsed.chapters.is_empty());
    }

    #[test]
    fn broken_or_empty_documents_are_refused_by_name() {
        let err = parse_docx("x.docx", b"not a zip").expect_err("not a zip");
        assert!(err.to_string().starts_with("x.docx:"), "{err}");
        let err = parse_docx("empty.docx", &docx("", STYLES)).expect_err("nothing to read");
        assert!(err.to_string().contains("no text"), "{err}");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..1001 {
            zip.start_file(format!("f{i}"), options).expect("entry");
        }
        let bomb = zip.finish().expect("zip").into_inner();
        let err = parse_docx("many.docx", &bomb).expect_err("too many entries");
        assert!(err.to_string().contains("too large"), "{err}");
    }
}
