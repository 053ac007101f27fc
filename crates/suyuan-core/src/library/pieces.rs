//! How an excerpt's text is laid out: paragraphs, one a line, and tables,
//! written as consecutive lines of pipe rows (`| 项目 | 标准 |`), with a
//! row of dashes (`| --- | --- |`) under header rows. Parsers write tables
//! with `table_lines`, and every page that shows an excerpt reads its text
//! with `pieces`, so that a table stays a table wherever it is shown.

/// A run of an excerpt's text as it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Paragraph(String),
    Table(TextTable),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextTable {
    /// The header rows, above a row of dashes.
    pub head: Vec<Vec<String>>,
    pub body: Vec<Vec<String>>,
}

/// A table's rows as lines of the excerpt's text. A `|` inside a cell
/// becomes the full-width `｜`, so that it cannot split the cell when read
/// back; line breaks inside a cell become spaces.
pub fn table_lines(head: &[Vec<String>], body: &[Vec<String>]) -> String {
    let line = |row: &Vec<String>| {
        let mut line = String::from("|");
        for cell in row {
            let cell = crate::text::tidy(&cell.replace('|', "｜"));
            line.push(' ');
            line.push_str(&cell);
            line.push_str(" |");
        }
        line
    };
    let mut lines: Vec<String> = head.iter().map(line).collect();
    if !head.is_empty() {
        let columns = head
            .iter()
            .chain(body)
            .map(Vec::len)
            .max()
            .unwrap_or(1)
            .max(1);
        lines.push(format!("|{}", " --- |".repeat(columns)));
    }
    lines.extend(body.iter().map(line));
    lines.join("\n")
}

/// The cells of a pipe row, or `None` when the line is not one.
fn row_cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(|c| c.trim().to_owned()).collect())
}

fn is_rule(cells: &[String]) -> bool {
    cells
        .iter()
        .all(|c| !c.is_empty() && c.contains('-') && c.chars().all(|ch| matches!(ch, '-' | ':')))
}

/// An excerpt's text as paragraphs and tables: consecutive pipe rows make
/// one table.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut table: Option<TextTable> = None;
    for line in text.lines() {
        match row_cells(line) {
            Some(cells) => {
                let current = table.get_or_insert_with(TextTable::default);
                if is_rule(&cells) {
                    // Rows above the dashes are the header.
                    current.head.append(&mut current.body);
                } else {
                    current.body.push(cells);
                }
            }
            None => {
                if let Some(done) = table.take() {
                    out.push(Piece::Table(done));
                }
                let line = line.trim();
                if !line.is_empty() {
                    out.push(Piece::Paragraph(line.to_owned()));
                }
            }
        }
    }
    if let Some(done) = table {
        out.push(Piece::Table(done));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn tables_written_are_read_back_between_paragraphs() {
        let head = [row(&["项目", "标准"])];
        let body = [row(&["住房|补贴", "每月\n500元"]), row(&["交通"])];
        let lines = table_lines(&head, &body);
        assert_eq!(
            lines,
            "| 项目 | 标准 |\n| --- | --- |\n| 住房｜补贴 | 每月 500元 |\n| 交通 |"
        );
        let text = format!("第一条 标准如下：\n{lines}\n以上标准按年调整。");
        assert_eq!(
            pieces(&text),
            [
                Piece::Paragraph("第一条 标准如下：".into()),
                Piece::Table(TextTable {
                    head: vec![row(&["项目", "标准"])],
                    body: vec![row(&["住房｜补贴", "每月 500元"]), row(&["交通"])],
                }),
                Piece::Paragraph("以上标准按年调整。".into()),
            ]
        );
    }

    #[test]
    fn a_line_that_only_starts_with_a_bar_is_a_paragraph() {
        assert_eq!(
            pieces("|不是表格\n| a |"),
            [
                Piece::Paragraph("|不是表格".into()),
                Piece::Table(TextTable {
                    head: vec![],
                    body: vec![row(&["a"])],
                }),
            ]
        );
    }
}
