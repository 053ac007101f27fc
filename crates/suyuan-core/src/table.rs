//! Tables that people fill in a spreadsheet: CSV (UTF-8 or GB18030, as
//! Excel saves it in Chinese locales) or the first sheet of an XLSX
//! workbook, read into rows of text cells. Rosters and question banks
//! both come this way.

use std::io::Cursor;
use thiserror::Error;

/// The most rows a table may have.
pub const MAX_ROWS: usize = 500_000;
/// The most columns a sheet may use.
pub const MAX_COLUMNS: usize = 256;
/// The most cells a sheet may make (its rows times its used columns).
pub const MAX_CELLS: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TableError {
    #[error("the file is not a CSV or XLSX table: {0}")]
    Unreadable(String),
    #[error(
        "the XLSX archive is too large when unpacked ({entries} entries, {bytes} bytes; at most {max_entries} entries and {max_bytes} bytes)"
    )]
    ArchiveTooLarge {
        entries: usize,
        bytes: u64,
        max_entries: usize,
        max_bytes: u64,
    },
    #[error("the file has more than {0} rows")]
    TooManyRows(usize),
    #[error("the sheet uses more than {0} columns")]
    TooManyColumns(usize),
    #[error("the sheet has more than {0} cells")]
    TooManyCells(usize),
}

/// Reads a CSV or XLSX table (told apart by XLSX's zip signature). Row
/// `i` of the result is the spreadsheet's row `i + 1`, so that errors can
/// name the row a person sees. A cell we wrote quoted (`'=…`) reads back
/// as it was.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let mut table = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    for cell in table.iter_mut().flatten() {
        if cell.starts_with('\'') && quoted_formula(cell) {
            cell.remove(0);
        }
    }
    Ok(table)
}

/// What a spreadsheet may take as the start of a formula when a cell
/// begins with it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether text, past any leading quotes, starts like a formula.
fn quoted_formula(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// Text as written into a cell a spreadsheet opens: text that would start
/// a formula (`=HYPERLINK(…)` typed into a request, say) is quoted with a
/// leading `'`, which spreadsheets show as text and `read` takes off.
/// (Text that already starts with quotes before such a start gets one
/// more, so that it reads back whole.)
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if quoted_formula(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(TableError::Unreadable(
                    "the text is neither UTF-8 nor GB18030".into(),
                ));
            }
            text
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TableError::Unreadable(e.to_string()))?;
        if table.len() > MAX_ROWS {
            return Err(TableError::TooManyRows(MAX_ROWS));
        }
        // The reader skips blank lines; they stay in as empty rows, so
        // that row numbers are the file's line numbers.
        // (A record's position is where the reader started looking for
        // it, before the blank lines it skipped.)
        let line = record.position().map_or(0, |p| {
            let skipped = text.as_bytes()[(p.byte() as usize).min(text.len())..]
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .filter(|b| **b == b'\n')
                .count();
            p.line() as usize + skipped
        });
        while table.len() + 1 < line {
            table.push(Vec::new());
        }
        table.push(record.iter().map(str::to_owned).collect());
    }
    Ok(table)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    check_archive(bytes)?;
    use calamine::{Data, DataRef, Reader, Xlsx};
    let unreadable = |e: calamine::XlsxError| TableError::Unreadable(e.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| TableError::Unreadable("the workbook has no sheet".into()))?;
    // The cells are read one by one, and counted, before any table is
    // made: a sheet's size is what its cells say, not what it declares
    // (two cells far apart would otherwise make a table of billions).
    let mut reader = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(unreadable)?;
    let mut cells: Vec<((u32, u32), String)> = Vec::new();
    while let Some((cell, style)) = reader.next_cell_with_style_id().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        if row as usize >= MAX_ROWS {
            return Err(TableError::TooManyRows(MAX_ROWS));
        }
        if column as usize >= MAX_COLUMNS {
            return Err(TableError::TooManyColumns(MAX_COLUMNS));
        }
        // A number's format says how Excel shows it (000000 keeps a
        // member number's leading zeros).
        let format = reader
            .styles()
            .get(style)
            .and_then(|style| style.number_format.as_ref())
            .map(|format| format.format_code.clone());
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => (*s).to_owned(),
            // Numbers typed into Excel come back as floats; whole ones
            // are written without ".0", or as their format pads them.
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                whole_number(*f as i64, format.as_deref())
            }
            DataRef::Int(i) => whole_number(*i, format.as_deref()),
            other => Data::from(other.clone()).to_string(),
        };
        if cells.len() >= MAX_CELLS {
            return Err(TableError::TooManyCells(MAX_CELLS));
        }
        cells.push(((row, column), text));
    }
    // Rows are numbered from the sheet's first row, even when the cells
    // start lower, so that errors match what Excel shows; columns start
    // at the first one used.
    let last_row = cells.iter().map(|((r, _), _)| *r as usize).max();
    let first_column = cells.iter().map(|((_, c), _)| *c).min().unwrap_or(0);
    let width = cells
        .iter()
        .map(|((_, c), _)| (c - first_column) as usize + 1)
        .max()
        .unwrap_or(0);
    let height = last_row.map_or(0, |r| r + 1);
    if height.saturating_mul(width) > MAX_CELLS {
        return Err(TableError::TooManyCells(MAX_CELLS));
    }
    let first_row = cells
        .iter()
        .map(|((r, _), _)| *r as usize)
        .min()
        .unwrap_or(0);
    let mut table: Vec<Vec<String>> = (0..height)
        .map(|r| {
            if r < first_row {
                Vec::new()
            } else {
                vec![String::new(); width]
            }
        })
        .collect();
    for ((row, column), text) in cells {
        table[row as usize][(column - first_column) as usize] = text;
    }
    Ok(table)
}

/// A whole number as a number format made only of digit places (`0`, `#`,
/// `?`) and literal text (`"ZJ"`, `\-`) shows it: `000000` writes 1234 as
/// 001234. Any other format (General, decimals, dates) writes the digits.
fn whole_number(n: i64, format: Option<&str>) -> String {
    enum Part {
        Place(char),
        Literal(char),
    }
    let plain = n.to_string();
    let Some(format) = format.and_then(|f| f.split(';').next()) else {
        return plain;
    };
    let mut parts = Vec::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        match c {
            '0' | '#' | '?' => parts.push(Part::Place(c)),
            '"' => parts.extend(chars.by_ref().take_while(|c| *c != '"').map(Part::Literal)),
            '\\' => parts.extend(chars.next().map(Part::Literal)),
            '-' | ' ' | '(' | ')' | '/' | ':' | '_' => parts.push(Part::Literal(c)),
            c if !c.is_ascii() => parts.push(Part::Literal(c)),
            _ => return plain,
        }
    }
    let places = parts.iter().filter(|p| matches!(p, Part::Place(_))).count();
    if n < 0 || places == 0 {
        return plain;
    }
    // Digits fill the places from the right; the leftmost place takes all
    // that are left; a place without a digit shows what its kind shows.
    let mut digits = plain.as_str();
    let mut out: Vec<String> = Vec::new();
    let mut filled = 0;
    for part in parts.iter().rev() {
        match part {
            Part::Literal(c) => out.push(c.to_string()),
            Part::Place(kind) => {
                filled += 1;
                let take = if filled == places {
                    0
                } else {
                    digits.len().saturating_sub(1)
                };
                let (rest, shown) = digits.split_at(take);
                digits = rest;
                out.push(match (shown, kind) {
                    ("", '0') => "0".to_owned(),
                    ("", '?') => " ".to_owned(),
                    (shown, _) => shown.to_owned(),
                });
            }
        }
    }
    out.reverse();
    out.concat()
}

fn check_archive(bytes: &[u8]) -> Result<(), TableError> {
    use crate::archive::{ArchiveError, MAX_ENTRIES, MAX_UNPACKED_BYTES, check};
    match check(bytes) {
        Ok(_) => Ok(()),
        Err(ArchiveError::TooLarge { entries, bytes }) => Err(TableError::ArchiveTooLarge {
            entries,
            bytes,
            max_entries: MAX_ENTRIES,
            max_bytes: MAX_UNPACKED_BYTES,
        }),
        Err(other) => Err(TableError::Unreadable(other.to_string())),
    }
}

/// A cell of a table written out: text, or a number that a spreadsheet
/// adds up.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A share of one, shown as a percentage (0.875 is 87.5%).
    Percent(f64),
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Number(n as f64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Text(text) => f.write_str(text),
            Cell::Number(n) => write!(f, "{n}"),
            Cell::Percent(share) => write!(f, "{:.1}%", share * 100.0),
        }
    }
}

/// Writes rows as CSV in UTF-8 with a byte-order mark, so that Excel opens
/// Chinese text correctly.
pub fn write_csv<C: Clone + Into<Cell>>(rows: &[Vec<C>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for row in rows {
            let record: Vec<String> = row
                .iter()
                .map(|c| match c.clone().into() {
                    Cell::Text(text) => inert(&text).into_owned(),
                    number => number.to_string(),
                })
                .collect();
            // Writing to memory cannot fail.
            let _ = writer.write_record(record);
        }
        let _ = writer.flush();
    }
    out
}

/// Writes rows as an XLSX workbook of one sheet: the first row bold and
/// frozen as the header, numbers as numbers, columns wide enough for
/// their text.
pub fn write_xlsx<C: Clone + Into<Cell>>(
    sheet: &str,
    rows: &[Vec<C>],
) -> Result<Vec<u8>, TableError> {
    write_workbook(&[(sheet, rows)])
}

/// A workbook of several sheets, each written as `write_xlsx` writes one.
pub fn write_workbook<C: Clone + Into<Cell>>(
    sheets: &[(&str, &[Vec<C>])],
) -> Result<Vec<u8>, TableError> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| TableError::Unreadable(e.to_string());
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    for (sheet, rows) in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(*sheet).map_err(failed)?;
        let mut widths: Vec<usize> = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c16) = (r as u32, c as u16);
                let cell: Cell = cell.clone().into();
                match (&cell, r) {
                    (Cell::Text(text), 0) => {
                        worksheet.write_string_with_format(r, c16, inert(text), &bold)
                    }
                    (Cell::Text(text), _) => worksheet.write_string(r, c16, inert(text)),
                    (Cell::Number(n), _) => worksheet.write_number(r, c16, *n),
                    (Cell::Percent(share), _) => {
                        worksheet.write_number_with_format(r, c16, *share, &percent)
                    }
                }
                .map_err(failed)?;
                // A Chinese character is about two columns wide.
                let width: usize = cell
                    .to_string()
                    .chars()
                    .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                    .sum();
                if widths.len() <= c {
                    widths.resize(c + 1, 0);
                }
                widths[c] = widths[c].max(width);
            }
        }
        for (c, width) in widths.iter().enumerate() {
            worksheet
                .set_column_width(c as u16, (*width).clamp(6, 60) as f64 + 2.0)
                .map_err(failed)?;
        }
        worksheet.set_freeze_panes(1, 0).map_err(failed)?;
    }
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_start_a_formula_is_written_inert_and_read_back_whole() {
        let typed = [
            "=HYPERLINK(\"http://evil.example\",\"点我\")",
            "+86 139",
            "-5 的绝对值",
            "@SUM(A1)",
            "\t=1",
            "'=already quoted",
            "''-twice",
            "'plain quote",
            "平常的字",
        ];
        let rows: Vec<Vec<Cell>> = vec![
            typed.iter().map(|t| Cell::from(*t)).collect(),
            vec![Cell::Number(-3.0), Cell::from("x")],
        ];
        let csv = write_csv(&rows);
        let xlsx = write_xlsx("t", &rows).expect("workbook");
        for (format, bytes) in [("csv", csv), ("xlsx", xlsx)] {
            let table = read_raw(&bytes, format);
            for cell in &table[0] {
                assert!(!cell.starts_with(FORMULA_STARTS), "{format}: {cell:?}");
            }
            assert_eq!(table[1][0], "-3", "{format}: numbers stay numbers");
            let back = read(&bytes).expect("read");
            assert_eq!(back[0], typed, "{format}");
        }
    }

    #[test]
    fn a_sheet_is_bounded_by_its_cells_before_a_table_is_made() {
        let workbook = |cells: &[(u32, u16)]| {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            for (row, column) in cells {
                sheet.write_string(*row, *column, "x").expect("cell");
            }
            workbook.save_to_buffer().expect("workbook")
        };
        // Two cells far apart: a table of a hundred million, refused.
        assert_eq!(
            read(&workbook(&[(0, 0), (499_000, 250)])),
            Err(TableError::TooManyCells(MAX_CELLS))
        );
        assert_eq!(
            read(&workbook(&[(0, 0), (0, 300)])),
            Err(TableError::TooManyColumns(MAX_COLUMNS))
        );
        assert_eq!(
            read(&workbook(&[(600_000, 0)])),
            Err(TableError::TooManyRows(MAX_ROWS))
        );
        // Cells that start low and to the right keep their row numbers.
        let table = read(&workbook(&[(2, 3), (3, 4)])).expect("table");
        assert_eq!(table.len(), 4);
        assert!(table[0].is_empty() && table[1].is_empty());
        assert_eq!(table[2], ["x", ""]);
        assert_eq!(table[3], ["", "x"]);
    }

    /// The cells as a spreadsheet holds them, before `read` unquotes.
    fn read_raw(bytes: &[u8], format: &str) -> Vec<Vec<String>> {
        match format {
            "csv" => read_csv(bytes).expect("csv"),
            _ => read_xlsx(bytes).expect("xlsx"),
        }
    }

    #[test]
    fn whole_numbers_are_written_as_their_format_shows_them() {
        assert_eq!(whole_number(1234, Some("000000")), "001234");
        assert_eq!(whole_number(1234, Some("\"0\"00000")), "001234");
        assert_eq!(whole_number(1234567, Some("000-0000")), "123-4567");
        assert_eq!(whole_number(12, Some("\"ZJ\"####")), "ZJ12");
        assert_eq!(whole_number(0, Some("000")), "000");
        assert_eq!(whole_number(1234, Some("General")), "1234");
        assert_eq!(whole_number(1234, Some("#,##0")), "1234");
        assert_eq!(whole_number(1234, Some("0.00")), "1234");
        assert_eq!(whole_number(1234, None), "1234");
    }
}
