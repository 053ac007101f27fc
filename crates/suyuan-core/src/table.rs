//! Tables that people fill in a spreadsheet: CSV (UTF-8 or GB18030, as
//! Excel saves it in Chinese locales) or the first sheet of an XLSX
//! workbook, read into rows of text cells. Rosters and question banks
//! both come this way.

use std::io::Cursor;
use thiserror::Error;

/// The most rows a table may have.
pub const MAX_ROWS: usize = 500_000;

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
}

/// Reads a CSV or XLSX table (told apart by XLSX's zip signature). Row
/// `i` of the result is the spreadsheet's row `i + 1`, so that errors can
/// name the row a person sees.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
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
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| TableError::Unreadable(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| TableError::Unreadable("the workbook has no sheet".into()))?
        .map_err(|e| TableError::Unreadable(e.to_string()))?;
    if range.height() > MAX_ROWS {
        return Err(TableError::TooManyRows(MAX_ROWS));
    }
    // Rows are numbered from the sheet's first row, even when the used
    // range starts lower, so that errors match what Excel shows.
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut table = vec![Vec::new(); first_row];
    table.extend(range.rows().map(|row| {
        row.iter()
            .map(|cell| match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                // Numbers typed into Excel come back as floats; whole ones
                // are written without ".0".
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Data::Int(i) => i.to_string(),
                other => other.to_string(),
            })
            .collect()
    }));
    Ok(table)
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
            let record: Vec<String> = row.iter().map(|c| c.clone().into().to_string()).collect();
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
                        worksheet.write_string_with_format(r, c16, text, &bold)
                    }
                    (Cell::Text(text), _) => worksheet.write_string(r, c16, text),
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
