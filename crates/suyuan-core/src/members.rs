//! Members: who they are, and how a roster file becomes member rows.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use thiserror::Error;

use crate::access::Role;
use crate::table::{self, TableError};
use crate::text::{half_width, tidy};
use crate::units::UnitRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberId(pub i64);

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An e-mail address, checked for its shape only (the mail server has the
/// last word): one `@`, a dot in the domain, no spaces, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let address = input.trim();
        let shaped = address.len() <= 254
            && !address.chars().any(char::is_whitespace)
            && address.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if shaped {
            Ok(Self(address.to_owned()))
        } else {
            Err(FieldError::BadEmail(address.chars().take(60).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    #[error("must not be empty")]
    Empty,
    #[error("may have at most {0} characters")]
    TooLong(usize),
    #[error("{0:?} is not a member number: use letters, digits, '-' or '_'")]
    BadMemberNumber(String),
    #[error("{0:?} is not a mobile phone number (11 digits starting with 1)")]
    BadPhone(String),
    #[error("{0:?} is not an e-mail address such as name@example.com")]
    BadEmail(String),
    #[error("a password needs at least {0} characters")]
    PasswordTooShort(usize),
    #[error("a password may have at most {0} characters")]
    PasswordTooLong(usize),
    #[error("a password must not contain your name, member number or phone number")]
    PasswordPersonal,
    #[error(
        "this password is among those people use most, or too easy to guess: choose a longer one, or several words"
    )]
    PasswordCommon,
}

/// A person's name as written, such as 王秀英.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 50;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let name = tidy(input);
        match name.chars().count() {
            0 => Err(FieldError::Empty),
            n if n > Self::MAX => Err(FieldError::TooLong(Self::MAX)),
            _ => Ok(Self(name)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The organization's number for a member; also their sign-in name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MemberNumber(String);

impl MemberNumber {
    pub const MAX: usize = 40;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let number = half_width(input).trim().to_owned();
        if number.is_empty() {
            return Err(FieldError::Empty);
        }
        let valid = number.len() <= Self::MAX
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(number))
        } else {
            Err(FieldError::BadMemberNumber(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland mobile number, stored as its 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let digits: String = half_width(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits);
        let valid = digits.len() == 11
            && digits.starts_with('1')
            && digits.bytes().all(|b| b.is_ascii_digit());
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(FieldError::BadPhone(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password someone chose, checked against the length policy. Its
/// `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        match input.chars().count() {
            n if n < Self::MIN => Err(FieldError::PasswordTooShort(Self::MIN)),
            n if n > Self::MAX => Err(FieldError::PasswordTooLong(Self::MAX)),
            _ => Ok(Self(input.to_owned())),
        }
    }

    /// A password a member chooses for themselves: long enough, without
    /// their own name, number or phone (`personal`), and not among the
    /// passwords people use most nor as easy to guess (zxcvbn's estimate,
    /// whose lists ship in the binary, below a million guesses).
    pub fn chosen(input: &str, personal: &[&str]) -> Result<Self, FieldError> {
        let password = Self::parse(input)?;
        let lower = input.to_lowercase();
        let digits: String = input.chars().filter(char::is_ascii_digit).collect();
        let contains = |part: &str| {
            let part = part.trim().to_lowercase();
            let part_digits: String = part.chars().filter(char::is_ascii_digit).collect();
            // A phone is found however it is spaced or dashed.
            (part.chars().count() >= 2 && lower.contains(&part))
                || (part_digits.len() >= 6 && digits.contains(&part_digits))
        };
        if personal.iter().any(|part| contains(part)) {
            return Err(FieldError::PasswordPersonal);
        }
        if zxcvbn::zxcvbn(input, personal).score() < zxcvbn::Score::Two {
            return Err(FieldError::PasswordCommon);
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A temporary password an admin reads out to a member: ten letters
    /// and digits from random bytes, none that are told apart with
    /// difficulty (no 0/o, 1/l/i), in two groups of five.
    pub fn temporary(random: [u8; 10]) -> Self {
        const READABLE: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
        let chars: Vec<char> = random
            .iter()
            .map(|b| char::from(READABLE[usize::from(*b) % READABLE.len()]))
            .collect();
        let (first, second) = chars.split_at(5);
        Self(format!(
            "{}-{}",
            first.iter().collect::<String>(),
            second.iter().collect::<String>()
        ))
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// One member as a roster file gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// The row number as a spreadsheet shows it: the header is row 1.
    pub row: usize,
    pub name: PersonName,
    pub number: MemberNumber,
    pub unit: UnitRef,
    pub phone: Option<Phone>,
    pub role: Role,
    /// The unit column's header as written in the file, for errors found
    /// when the unit is looked up.
    pub unit_column: String,
}

/// A problem with one cell (or row) of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {}: {}", self.row, column, self.reason),
            None => write!(f, "row {}: {}", self.row, self.reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("row 1 (the header) has no column {0}")]
    MissingColumn(&'static str),
    #[error("row 1 (the header) has two columns for {field}: {first} and {second}")]
    DuplicateColumn {
        field: &'static str,
        first: String,
        second: String,
    },
    #[error("the file has a header but no member rows")]
    NoRows,
    #[error("nothing was imported; {} problem(s) found:\n{}", .0.len(), join_rows(.0))]
    Rows(Vec<RowError>),
}

fn join_rows(errors: &[RowError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many problems one refusal lists before it stops counting.
pub const MAX_REPORTED: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Name,
    Number,
    Unit,
    Phone,
    Role,
}

impl Field {
    fn from_header(header: &str) -> Option<Self> {
        let key = tidy(header).to_lowercase().replace(' ', "_");
        match key.as_str() {
            "姓名" | "name" => Some(Field::Name),
            "编号" | "member_number" | "number" => Some(Field::Number),
            "单位" | "unit" => Some(Field::Unit),
            "手机" | "手机号" | "手机号码" | "移动电话" | "联系电话" | "电话" | "电话号码"
            | "联系方式" | "mobile" | "mobile_phone" | "phone" | "phone_number" | "tel"
            | "telephone" => Some(Field::Phone),
            "角色" | "role" => Some(Field::Role),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Field::Name => "姓名/name",
            Field::Number => "编号/member_number",
            Field::Unit => "单位/unit",
            Field::Phone => "手机/phone",
            Field::Role => "角色/role",
        }
    }
}

/// A roster read: its members, and the columns that were not read (by
/// their header, or by their letter where the header is empty), which the
/// person importing must be told of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub rows: Vec<MemberRow>,
    pub ignored_columns: Vec<String>,
}

/// Reads a roster (CSV in UTF-8 or GB18030, or the first sheet of an XLSX
/// workbook) into member rows, checking every cell. All or nothing: any
/// problem refuses the whole file, listing the rows and columns at fault.
pub fn parse_roster(bytes: &[u8]) -> Result<Roster, ImportError> {
    rows_from_table(table::read(bytes)?)
}

/// `序号`: the row's place in the list, which rosters often begin with.
fn is_serial(header: &str) -> bool {
    matches!(
        tidy(header).to_lowercase().as_str(),
        "序号" | "no" | "no." | "#"
    )
}

/// A column's letters as a spreadsheet shows them: A, …, Z, AA, ….
fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        n -= 1;
        letters.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    letters.iter().rev().collect()
}

fn rows_from_table(table: Vec<Vec<String>>) -> Result<Roster, ImportError> {
    let header_index = table
        .iter()
        .position(|row| row.iter().any(|cell| !cell.trim().is_empty()))
        .ok_or(ImportError::NoRows)?;
    let header = &table[header_index];
    let mut columns: HashMap<Field, (usize, String)> = HashMap::new();
    let mut ignored_columns = Vec::new();
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    for index in 0..width {
        let title = header.get(index).map_or("", String::as_str);
        match Field::from_header(title) {
            // A running count of the rows: nothing to keep.
            None if is_serial(title) => {}
            Some(field) => {
                if let Some((_, first)) = columns.insert(field, (index, tidy(title))) {
                    return Err(ImportError::DuplicateColumn {
                        field: field.label(),
                        first,
                        second: tidy(title),
                    });
                }
            }
            None if !tidy(title).is_empty() => ignored_columns.push(tidy(title)),
            // A column without a header is named by its letter, if it
            // holds anything.
            None => {
                let filled = table
                    .iter()
                    .skip(header_index + 1)
                    .any(|row| row.get(index).is_some_and(|c| !c.trim().is_empty()));
                if filled {
                    ignored_columns.push(column_letters(index));
                }
            }
        }
    }
    for field in [Field::Name, Field::Number, Field::Unit] {
        if !columns.contains_key(&field) {
            return Err(ImportError::MissingColumn(field.label()));
        }
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen_numbers: HashMap<MemberNumber, usize> = HashMap::new();
    let mut seen_phones: HashMap<Phone, usize> = HashMap::new();
    for (index, cells) in table.iter().enumerate().skip(header_index + 1) {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let row = index + 1;
        let cell = |field: Field| -> Option<(&str, &str)> {
            columns
                .get(&field)
                .map(|(i, title)| (cells.get(*i).map_or("", |s| s.as_str()), title.as_str()))
        };
        let mut fail = |title: &str, reason: String| {
            errors.push(RowError {
                row,
                column: Some(title.to_owned()),
                reason,
            });
        };
        let checked = |field: Field| cell(field).unwrap_or(("", field.label()));

        let (value, title) = checked(Field::Name);
        let name = PersonName::parse(value)
            .map_err(|e| fail(title, e.to_string()))
            .ok();
        let (value, title) = checked(Field::Number);
        let number = MemberNumber::parse(value)
            .map_err(|e| fail(title, e.to_string()))
            .ok();
        if let Some(number) = &number
            && let Some(first) = seen_numbers.insert(number.clone(), row)
        {
            fail(
                title,
                format!(
                    "member number {} already appears on row {first}",
                    number.as_str()
                ),
            );
        }
        let (value, unit_title) = checked(Field::Unit);
        let unit = if value.trim().is_empty() {
            fail(unit_title, FieldError::Empty.to_string());
            None
        } else {
            UnitRef::parse(value)
                .map_err(|e| fail(unit_title, e.to_string()))
                .ok()
        };
        let phone = match cell(Field::Phone) {
            Some((value, title)) if !value.trim().is_empty() => match Phone::parse(value) {
                Ok(phone) => {
                    if let Some(first) = seen_phones.insert(phone.clone(), row) {
                        fail(
                            title,
                            format!("phone {} already appears on row {first}", phone.as_str()),
                        );
                    }
                    Some(Some(phone))
                }
                Err(e) => {
                    fail(title, e.to_string());
                    None
                }
            },
            _ => Some(None),
        };
        let role = match cell(Field::Role) {
            Some((value, title)) if !value.trim().is_empty() => Role::parse(value)
                .map_err(|e| fail(title, e.to_string()))
                .ok(),
            _ => Some(Role::Member),
        };
        if let (Some(name), Some(number), Some(unit), Some(phone), Some(role)) =
            (name, number, unit, phone, role)
        {
            rows.push(MemberRow {
                row,
                name,
                number,
                unit,
                phone,
                role,
                unit_column: unit_title.to_owned(),
            });
        }
        if errors.len() >= MAX_REPORTED {
            break;
        }
    }
    if !errors.is_empty() {
        errors.truncate(MAX_REPORTED);
        return Err(ImportError::Rows(errors));
    }
    if rows.is_empty() {
        return Err(ImportError::NoRows);
    }
    Ok(Roster {
        rows,
        ignored_columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_for_their_shape() {
        assert_eq!(
            Email::parse(" chen@example.org ").map(|e| e.as_str().to_owned()),
            Ok("chen@example.org".to_owned())
        );
        for bad in [
            "",
            "chen",
            "chen@",
            "@example.org",
            "chen@example",
            "a b@example.org",
            "a@b@c.org",
            "chen@.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_accept_common_spellings() {
        assert_eq!(
            Phone::parse("138-0000-1234").map(|p| p.0),
            Ok("13800001234".into())
        );
        assert_eq!(
            Phone::parse("+86 138 0000 1234").map(|p| p.0),
            Ok("13800001234".into())
        );
        assert_eq!(
            Phone::parse("１３８００００１２３４").map(|p| p.0),
            Ok("13800001234".into())
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("23800001234").is_err());
    }

    #[test]
    fn member_numbers_fold_full_width() {
        assert_eq!(
            MemberNumber::parse(" ＺＪ００１ ").map(|n| n.0),
            Ok("ZJ001".into())
        );
        assert!(MemberNumber::parse("张三").is_err());
    }

    #[test]
    fn passwords_have_a_length_policy_and_hide_themselves() {
        assert!(NewPassword::parse("short").is_err());
        let password = NewPassword::parse("long enough").expect("valid");
        assert!(!format!("{password:?}").contains("long"));
    }

    #[test]
    fn reads_a_csv_with_chinese_headers() {
        let csv = "姓名,编号,单位,手机,角色\n王秀英,ZJ001,浙江省/杭州市,13800001234,管理员\n李强,ZJ002,zj-hz,,\n";
        let rows = parse_roster(csv.as_bytes()).expect("valid roster").rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].role, Role::Admin);
        assert_eq!(rows[1].phone, None);
        assert_eq!(rows[1].role, Role::Member);
        assert_eq!(rows[1].unit.to_string(), "zj-hz");
    }

    #[test]
    fn reads_english_headers_in_any_order_and_gbk() {
        let csv = "unit,Member Number,name\nzj,A1,张三\n";
        let rows = parse_roster(csv.as_bytes()).expect("valid roster").rows;
        assert_eq!(rows[0].name.as_str(), "张三");
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,编号,单位\n张三,A1,zj\n");
        let rows = parse_roster(&gbk).expect("valid GBK roster").rows;
        assert_eq!(rows[0].name.as_str(), "张三");
    }

    #[test]
    fn a_bad_cell_names_its_row_and_column() {
        let csv = "姓名,编号,单位,手机\n张三,A1,zj,13800001234\n李四,A2,zj,12\n";
        let err = parse_roster(csv.as_bytes()).expect_err("bad phone");
        let ImportError::Rows(errors) = &err else {
            panic!("expected row errors, got {err:?}");
        };
        assert_eq!(errors[0].row, 3);
        assert_eq!(errors[0].column.as_deref(), Some("手机"));
        assert!(err.to_string().contains("row 3, column 手机"));
    }

    #[test]
    fn duplicates_in_the_file_are_refused() {
        let csv = "姓名,编号,单位\n张三,A1,zj\n李四,A1,zj\n";
        let err = parse_roster(csv.as_bytes()).expect_err("duplicate number");
        assert!(err.to_string().contains("row 3, column 编号"), "{err}");
        assert!(err.to_string().contains("row 2"), "{err}");
    }

    #[test]
    fn phone_columns_are_understood_and_unknown_ones_named() {
        let csv = "序号,姓名,编号,单位,手机号码,民族,,备注\n1,张三,001234,zj,138 0000 1234,汉族,,\n2,李四,001235,zj,,回族,x,\n";
        let roster = parse_roster(csv.as_bytes()).expect("valid roster");
        assert_eq!(
            roster.rows[0].phone.as_ref().map(Phone::as_str),
            Some("13800001234")
        );
        // A CSV cell is text: its leading zeros stay.
        assert_eq!(roster.rows[0].number.as_str(), "001234");
        // 序号 is only a count; 备注 has a header and is named though
        // empty; the seventh column has none, but holds an x.
        assert_eq!(roster.ignored_columns, ["民族", "G", "备注"]);
        for header in ["联系电话", "电话", "联系方式", "Mobile", "phone", "手机号"] {
            let csv = format!("姓名,编号,单位,{header}\n张三,A1,zj,13800001234\n");
            let roster = parse_roster(csv.as_bytes()).expect("valid roster");
            assert!(roster.rows[0].phone.is_some(), "{header}");
            assert!(roster.ignored_columns.is_empty(), "{header}");
        }
        let err = parse_roster("姓名,编号,单位,手机,联系电话\n张三,A1,zj,,\n".as_bytes())
            .expect_err("two phone columns");
        assert_eq!(
            err.to_string(),
            "row 1 (the header) has two columns for 手机/phone: 手机 and 联系电话"
        );
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }

    #[test]
    fn a_chosen_password_is_not_the_persons_own_details_nor_a_common_one() {
        let personal = ["ZJ100", "陈静", "139-0000-1111"];
        for own in [
            "zj100zj100",
            "我是陈静我是陈静",
            "p13900001111",
            "1390000 1111x",
        ] {
            assert_eq!(
                NewPassword::chosen(own, &personal).map(|_| ()),
                Err(FieldError::PasswordPersonal),
                "{own}"
            );
        }
        for common in [
            "password",
            "12345678",
            "qwertyuiop",
            "iloveyou1",
            "11111111",
        ] {
            assert_eq!(
                NewPassword::chosen(common, &personal).map(|_| ()),
                Err(FieldError::PasswordCommon),
                "{common}"
            );
        }
        assert_eq!(
            NewPassword::chosen("short", &personal).map(|_| ()),
            Err(FieldError::PasswordTooShort(NewPassword::MIN))
        );
        for fine in [
            "西湖边读宪法2026",
            "river-lamp-orchid",
            "correct horse battery",
        ] {
            assert!(NewPassword::chosen(fine, &personal).is_ok(), "{fine}");
        }
    }

    #[test]
    fn xlsx_numbers_keep_the_zeros_their_format_shows() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        let padded = Format::new().set_num_format("000000");
        let quoted = Format::new().set_num_format("\"0\"00000");
        let prefixed = Format::new().set_num_format("\"ZJ\"0000");
        for (c, header) in ["姓名", "编号", "单位", "手机", "学历"].iter().enumerate() {
            sheet.write_string(0, c as u16, *header).expect("header");
        }
        let rows: [(&str, f64, &Format); 3] = [
            ("张三", 1234.0, &padded),
            ("李四", 1235.0, &quoted),
            ("王五", 12.0, &prefixed),
        ];
        for (r, (name, number, format)) in rows.into_iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, name).expect("name");
            sheet
                .write_number_with_format(r, 1, number, format)
                .expect("number");
            sheet.write_string(r, 2, "zj").expect("unit");
            sheet
                .write_number(r, 3, 13800001234.0 + f64::from(r))
                .expect("phone");
            sheet.write_string(r, 4, "本科").expect("degree");
        }
        let bytes = workbook.save_to_buffer().expect("xlsx");
        let roster = parse_roster(&bytes).expect("valid roster");
        let numbers: Vec<&str> = roster.rows.iter().map(|r| r.number.as_str()).collect();
        assert_eq!(numbers, ["001234", "001235", "ZJ0012"]);
        assert_eq!(
            roster.rows[0].phone.as_ref().map(Phone::as_str),
            Some("13800001235")
        );
        assert_eq!(roster.ignored_columns, ["学历"]);
    }

    #[test]
    fn missing_columns_are_named() {
        let err = parse_roster("姓名,单位\n张三,zj\n".as_bytes()).expect_err("no number");
        assert_eq!(err, ImportError::MissingColumn("编号/member_number"));
        assert_eq!(
            parse_roster(b"name,member_number,unit\n"),
            Err(ImportError::NoRows)
        );
    }
}
