//! The unit tree: names, codes, kinds and materialized paths.
//!
//! A unit's path lists the ids from the root down to the unit itself, as
//! `/1/5/23/`. A subtree is then one range of paths (`/1/5/` up to, but not
//! including, `/1/50`), which a plain B-tree index answers in one query on
//! either database.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

use crate::text::tidy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(pub i64);

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    #[error("a unit name must not be empty")]
    EmptyName,
    #[error("a unit name may have at most {max} characters")]
    NameTooLong { max: usize },
    #[error("a unit name must not contain '/', which separates the levels of a unit path")]
    NameHasSlash,
    #[error("a unit code has 1 to {max} letters, digits, '-' or '_'; got {0:?}", max = UnitCode::MAX)]
    BadCode(String),
    #[error("unknown unit kind {0:?}")]
    BadKind(String),
    #[error("a unit cannot be moved under itself or one of its own descendants")]
    MoveUnderItself,
}

/// A unit's display name, such as 西湖区. Unique among its siblings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UnitName(String);

impl UnitName {
    pub const MAX: usize = 100;

    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let name = tidy(input);
        if name.is_empty() {
            return Err(UnitError::EmptyName);
        }
        if name.chars().count() > Self::MAX {
            return Err(UnitError::NameTooLong { max: Self::MAX });
        }
        if name.contains('/') {
            return Err(UnitError::NameHasSlash);
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A unit's short, stable code, such as `zj-hz-xihu`, used by imports and
/// integrations. Stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub const MAX: usize = 40;

    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let code = input.trim().to_ascii_lowercase();
        let valid = !code.is_empty()
            && code.len() <= Self::MAX
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(Self(code))
        } else {
            Err(UnitError::BadCode(input.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What sort of body a unit is; it names the unit's level in lists and
/// forms, and imposes no rule on where it sits in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Province,
    Office,
    City,
    District,
    County,
    Street,
    Community,
    Village,
    Enterprise,
    Branch,
}

impl UnitKind {
    pub const ALL: [UnitKind; 10] = [
        UnitKind::Province,
        UnitKind::Office,
        UnitKind::City,
        UnitKind::District,
        UnitKind::County,
        UnitKind::Street,
        UnitKind::Community,
        UnitKind::Village,
        UnitKind::Enterprise,
        UnitKind::Branch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::Office => "office",
            UnitKind::City => "city",
            UnitKind::District => "district",
            UnitKind::County => "county",
            UnitKind::Street => "street",
            UnitKind::Community => "community",
            UnitKind::Village => "village",
            UnitKind::Enterprise => "enterprise",
            UnitKind::Branch => "branch",
        }
    }

    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let key = input.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(key))
            .ok_or_else(|| UnitError::BadKind(input.to_owned()))
    }
}

/// The materialized path of a unit: the ids from the root to the unit,
/// written `/1/5/23/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root(id: UnitId) -> Self {
        Self(format!("/{id}/"))
    }

    pub fn child(&self, id: UnitId) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    /// Reads a stored path back; `None` if it is not of the form `/1/2/`.
    pub fn parse(stored: &str) -> Option<Self> {
        let inner = stored.strip_prefix('/')?.strip_suffix('/')?;
        let well_formed = !inner.is_empty()
            && inner
                .split('/')
                .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        well_formed.then(|| Self(stored.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ids from the root down to this unit, the unit last.
    pub fn ids(&self) -> Vec<UnitId> {
        self.0
            .split('/')
            .filter_map(|id| id.parse().ok())
            .map(UnitId)
            .collect()
    }

    pub fn unit_id(&self) -> UnitId {
        *self.ids().last().unwrap_or(&UnitId(0))
    }

    /// 0 for a root.
    pub fn depth(&self) -> i32 {
        self.0.matches('/').count() as i32 - 2
    }

    /// Whether `other` is this unit or lies below it.
    pub fn contains(&self, other: &UnitPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The half-open range `[low, high)` of the paths in this subtree,
    /// the unit included: every path that starts with `/1/5/` sorts at or
    /// after it and before `/1/50` ('0' is the byte after '/').
    pub fn subtree_range(&self) -> (String, String) {
        let mut high = self.0.clone();
        high.pop();
        high.push('0');
        (self.0.clone(), high)
    }
}

impl fmt::Display for UnitPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The path a unit takes when it moves under `new_parent`, refusing a move
/// under itself or its own descendants.
pub fn moved_path(unit: &UnitPath, new_parent: &UnitPath) -> Result<UnitPath, UnitError> {
    if unit.contains(new_parent) {
        return Err(UnitError::MoveUnderItself);
    }
    Ok(new_parent.child(unit.unit_id()))
}

/// How a file or a form names a unit: by its code, or by the names along
/// its path from the root, as `浙江省/杭州市/西湖区`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnitRef {
    Code(UnitCode),
    Path(Vec<UnitName>),
}

impl UnitRef {
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        if input.contains('/') {
            let names = input
                .split('/')
                .filter(|part| !part.trim().is_empty())
                .map(UnitName::parse)
                .collect::<Result<Vec<_>, _>>()?;
            if names.is_empty() {
                return Err(UnitError::EmptyName);
            }
            Ok(Self::Path(names))
        } else {
            UnitCode::parse(input).map(Self::Code)
        }
    }
}

impl fmt::Display for UnitRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitRef::Code(code) => code.fmt(f),
            UnitRef::Path(names) => {
                let parts: Vec<&str> = names.iter().map(UnitName::as_str).collect();
                f.write_str(&parts.join("/"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_checked() {
        assert_eq!(
            UnitName::parse("  西湖区 ").map(|n| n.0),
            Ok("西湖区".into())
        );
        assert_eq!(UnitName::parse(" \u{3000}"), Err(UnitError::EmptyName));
        assert_eq!(UnitName::parse("a/b"), Err(UnitError::NameHasSlash));
        assert!(UnitName::parse(&"长".repeat(101)).is_err());
    }

    #[test]
    fn codes_are_lower_case_ascii() {
        assert_eq!(UnitCode::parse("ZJ-HZ").map(|c| c.0), Ok("zj-hz".into()));
        assert!(UnitCode::parse("西湖").is_err());
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse("a b").is_err());
    }

    #[test]
    fn paths_know_their_ids_depth_and_subtree() {
        let root = UnitPath::root(UnitId(1));
        let district = root.child(UnitId(5)).child(UnitId(23));
        assert_eq!(district.as_str(), "/1/5/23/");
        assert_eq!(district.ids(), vec![UnitId(1), UnitId(5), UnitId(23)]);
        assert_eq!(district.unit_id(), UnitId(23));
        assert_eq!(root.depth(), 0);
        assert_eq!(district.depth(), 2);
        assert!(root.contains(&district));
        assert!(district.contains(&district));
        assert!(!district.contains(&root));
        // /1/50/ is a sibling of /1/5/, not inside it.
        let sibling = root.child(UnitId(50));
        let five = root.child(UnitId(5));
        assert!(!five.contains(&sibling));
        let (low, high) = five.subtree_range();
        assert!(district.as_str() >= low.as_str() && district.as_str() < high.as_str());
        assert!(!(sibling.as_str() >= low.as_str() && sibling.as_str() < high.as_str()));
    }

    #[test]
    fn stored_paths_are_validated() {
        assert!(UnitPath::parse("/1/2/").is_some());
        assert!(UnitPath::parse("/1//2/").is_none());
        assert!(UnitPath::parse("1/2/").is_none());
        assert!(UnitPath::parse("/").is_none());
        assert!(UnitPath::parse("/a/").is_none());
    }

    #[test]
    fn a_unit_cannot_move_under_itself() {
        let unit = UnitPath::root(UnitId(1)).child(UnitId(5));
        let below = unit.child(UnitId(9));
        let elsewhere = UnitPath::root(UnitId(1)).child(UnitId(7));
        assert_eq!(moved_path(&unit, &below), Err(UnitError::MoveUnderItself));
        assert_eq!(moved_path(&unit, &unit), Err(UnitError::MoveUnderItself));
        assert_eq!(
            moved_path(&unit, &elsewhere).map(|p| p.0),
            Ok("/1/7/5/".into())
        );
    }

    #[test]
    fn unit_refs_are_codes_or_paths() {
        assert_eq!(
            UnitRef::parse("zj-hz"),
            Ok(UnitRef::Code(UnitCode("zj-hz".into())))
        );
        let path = UnitRef::parse("浙江省/杭州市/ 西湖区").expect("a path");
        assert_eq!(path.to_string(), "浙江省/杭州市/西湖区");
    }

    proptest::proptest! {
        #[test]
        fn subtree_range_matches_prefix(a in 1i64..2000, b in 1i64..2000, c in 1i64..2000) {
            let parent = UnitPath::root(UnitId(a)).child(UnitId(b));
            let other = UnitPath::root(UnitId(a)).child(UnitId(c)).child(UnitId(b));
            let (low, high) = parent.subtree_range();
            let in_range = other.as_str() >= low.as_str() && other.as_str() < high.as_str();
            proptest::prop_assert_eq!(in_range, parent.contains(&other));
        }
    }
}
