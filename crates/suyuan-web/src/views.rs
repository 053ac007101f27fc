//! What every page shares: the language, the signed-in person for the
//! header, and the CSRF token its forms carry.

use suyuan_core::access::Role;
use suyuan_core::units::UnitKind;

use crate::auth::PageUser;
use crate::i18n::{Lang, Texts};
use crate::paths;

pub struct NavUser {
    pub name: String,
}

pub struct Chrome {
    pub t: &'static Texts,
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<NavUser>,
    /// Where the language switch leads, returning to this page.
    pub switch_href: String,
}

impl Chrome {
    pub fn anonymous(lang: Lang, csrf: String) -> Self {
        Self {
            t: lang.texts(),
            lang,
            csrf,
            user: None,
            switch_href: paths::switch_language(lang.other().code(), paths::HOME),
        }
    }

    pub fn for_user(lang: Lang, csrf: String, user: &PageUser, here: &str) -> Self {
        Self {
            user: Some(NavUser {
                name: user.member.name.clone(),
            }),
            switch_href: paths::switch_language(lang.other().code(), here),
            ..Self::anonymous(lang, csrf)
        }
    }

    pub fn returning_to(mut self, here: &str) -> Self {
        self.switch_href = paths::switch_language(self.lang.other().code(), here);
        self
    }
}

pub fn role_name(t: &Texts, role: Role) -> &'static str {
    match role {
        Role::Member => t.role_member,
        Role::Admin => t.role_admin,
        Role::SiteManager => t.role_site_manager,
    }
}

pub fn kind_name(t: &Texts, kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Province => t.kind_province,
        UnitKind::Office => t.kind_office,
        UnitKind::City => t.kind_city,
        UnitKind::District => t.kind_district,
        UnitKind::County => t.kind_county,
        UnitKind::Street => t.kind_street,
        UnitKind::Community => t.kind_community,
        UnitKind::Village => t.kind_village,
        UnitKind::Enterprise => t.kind_enterprise,
        UnitKind::Branch => t.kind_branch,
    }
}

pub fn weekday_name(t: &Texts, weekday: chrono::Weekday) -> &'static str {
    t.weekdays[weekday.num_days_from_monday() as usize]
}

/// A file to download: its content type and the (ASCII) name it is saved
/// under.
/// The content type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn attachment(
    content_type: &str,
    file_name: &str,
    body: impl Into<axum::body::Body>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body.into(),
    )
        .into_response()
}
