//! Every URL a page links to, built in one place.

use suyuan_core::library::{ChapterId, CollectionId, ExcerptId};
use suyuan_core::sites::{BookingCode, RouteId, SiteId};
use suyuan_core::units::UnitId;

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const PASSWORD: &str = "/account/password";
/// The second step of sign-in, once the password was right.
pub const LOGIN_CODE: &str = "/login/code";
/// Setting up an authenticator app and recovery codes.
pub const SECOND_FACTOR: &str = "/account/second-factor";
pub const IMPORT_MEMBERS: &str = "/members/import";
pub const IMPORT_TEMPLATE: &str = "/members/import/template.csv";

pub const TODAY: &str = "/today";
pub const TODAY_MARKS: &str = "/today/marks";
pub const READING_CALENDAR: &str = "/reading/calendar";

pub fn reading_calendar(month: &str) -> String {
    format!("{READING_CALENDAR}?month={}", encode(month))
}

pub const CAMPAIGNS: &str = "/campaigns";

pub fn campaign(id: i64) -> String {
    format!("{CAMPAIGNS}/{id}")
}

pub fn campaign_from(id: i64, from: chrono::NaiveDate) -> String {
    format!("{CAMPAIGNS}/{id}?from={from}")
}

pub const LIBRARY: &str = "/library";
pub const MODE: &str = "/prefs/mode";
pub const QUIZ: &str = "/quiz";
pub const PUBLIC_QUESTIONS: &str = "/quiz/questions";
pub const CONSTITUTION_DAY: &str = "/constitution-day";
pub const PARTICIPATION: &str = "/participation";

pub fn quiz(code: &suyuan_core::requests::TrackingCode) -> String {
    format!("/quiz/{}", code.as_str())
}
pub const IMPORT_MATERIAL: &str = "/library/import";

pub fn collection(id: CollectionId) -> String {
    format!("/library/{id}")
}

pub fn chapter(collection: CollectionId, chapter: ChapterId) -> String {
    format!("/library/{collection}/chapters/{chapter}")
}

pub fn excerpt(id: ExcerptId) -> String {
    format!("/excerpts/{id}")
}

pub const QUESTIONS: &str = "/questions";
pub const IMPORT_QUESTIONS: &str = "/questions/import";
pub const EXPORT_QUESTIONS: &str = "/questions/export";
pub const QUESTIONS_TEMPLATE: &str = "/questions/template";
pub const PROPOSALS: &str = "/questions/proposed";
pub const ACCEPT_PROPOSALS: &str = "/questions/proposed/accept";
pub const GENERATE_QUESTIONS: &str = "/questions/generate";

pub fn questions_in(category: &str) -> String {
    format!("{QUESTIONS}?category={}", encode(category))
}

pub fn export_questions(format: &str, category: Option<&str>) -> String {
    match category {
        Some(category) => format!(
            "{EXPORT_QUESTIONS}?format={format}&category={}",
            encode(category)
        ),
        None => format!("{EXPORT_QUESTIONS}?format={format}"),
    }
}

pub fn questions_template(format: &str) -> String {
    format!("{QUESTIONS_TEMPLATE}?format={format}")
}

pub const TESTS: &str = "/tests";

pub fn start_test(id: i64) -> String {
    format!("{TESTS}/{id}/start")
}

pub fn test_results(id: i64, unit: Option<i64>) -> String {
    match unit {
        Some(unit) => format!("{TESTS}/{id}/results?unit={unit}"),
        None => format!("{TESTS}/{id}/results"),
    }
}

pub fn test_marking(id: i64) -> String {
    format!("{TESTS}/{id}/marking")
}

pub fn mark_answer(id: i64, attempt: i64, position: usize) -> String {
    format!("{TESTS}/{id}/marking/{attempt}/{position}")
}

pub fn campaign_tests(id: i64) -> String {
    format!("{CAMPAIGNS}/{id}/tests")
}

pub fn attempt(id: i64) -> String {
    format!("/attempts/{id}")
}

/// The attempt, asking whether to hand it in with questions unanswered.
pub fn attempt_hand_in(id: i64) -> String {
    format!("/attempts/{id}?confirm=1#hand-in")
}

pub const PRACTICE: &str = "/practice";

pub fn practise(question: i64) -> String {
    format!("{PRACTICE}/{question}")
}

pub const MY_PROGRESS: &str = "/progress";

pub fn my_progress(period: &str) -> String {
    format!("{MY_PROGRESS}?period={}", encode(period))
}

pub const GATHERINGS: &str = "/gatherings";

pub fn gathering(id: i64) -> String {
    format!("{GATHERINGS}/{id}")
}

/// The record page with the check-in code filled in: what the QR code
/// on the organizer's screen opens.
pub fn gathering_with_code(id: i64, code: &str) -> String {
    format!("{GATHERINGS}/{id}?code={}", encode(code))
}

pub fn gathering_run(id: i64) -> String {
    format!("{GATHERINGS}/{id}/run")
}

/// Marks the members a form lists with one status.
pub fn gathering_attendance_bulk(id: i64) -> String {
    format!("{GATHERINGS}/{id}/attendance/bulk")
}

/// The roll, to mark attendance by hand.
pub fn gathering_roll(id: i64) -> String {
    format!("{GATHERINGS}/{id}/roll")
}

pub fn gathering_attendance(id: i64) -> String {
    format!("{GATHERINGS}/{id}/attendance")
}

pub fn gathering_leave(id: i64, member: i64) -> String {
    format!("{GATHERINGS}/{id}/leaves/{member}")
}

pub fn gathering_reflection(id: i64, member: i64) -> String {
    format!("{GATHERINGS}/{id}/reflections/{member}")
}

pub fn photo(id: i64) -> String {
    format!("/photos/{id}")
}

pub fn delete_photo(gathering: i64, photo: i64) -> String {
    format!("{GATHERINGS}/{gathering}/photos/{photo}/delete")
}

pub fn unit_gatherings(unit: UnitId) -> String {
    format!("/units/{unit}/gatherings")
}

pub fn unit_progress(unit: UnitId) -> String {
    format!("/units/{unit}/progress")
}

/// The dashboard's table as `xlsx` or `csv`.
pub fn unit_progress_file(unit: UnitId, extension: &str) -> String {
    format!("/units/{unit}/progress.{extension}")
}

pub fn unit_progress_report(unit: UnitId) -> String {
    format!("/units/{unit}/progress/report.xlsx")
}

pub fn unit_progress_members(unit: UnitId) -> String {
    format!("/units/{unit}/progress/members")
}

pub fn unit_ledger_base(unit: UnitId) -> String {
    format!("/units/{unit}/ledger")
}

pub fn unit_ledger(unit: UnitId, from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    format!("/units/{unit}/ledger?from={from}&to={to}")
}

pub fn unit_ledger_xlsx(unit: UnitId, from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    format!("/units/{unit}/ledger.xlsx?from={from}&to={to}")
}

pub const PLEDGES: &str = "/pledges";
pub const PLEDGE_NEW: &str = "/pledges/new";
pub const PLEDGE_DESK: &str = "/pledges/desk";

pub fn pledge(id: suyuan_core::pledges::PledgeId) -> String {
    format!("{PLEDGES}/{}", id.0)
}

pub fn pledge_photo(id: suyuan_core::pledges::PledgeId, photo: i64) -> String {
    format!("{PLEDGES}/{}/photos/{photo}", id.0)
}

pub const REQUESTS: &str = "/requests";
pub const REQUEST_NEW: &str = "/requests/new";
pub const REQUEST_DESK: &str = "/requests/desk";
pub const REQUEST_SETTINGS: &str = "/requests/settings";
pub const TRACK: &str = "/track";

pub fn request(id: suyuan_core::requests::RequestId) -> String {
    format!("{REQUESTS}/{}", id.0)
}

pub fn request_photo(id: suyuan_core::requests::RequestId, photo: i64) -> String {
    format!("{REQUESTS}/{}/photos/{photo}", id.0)
}

/// The requester's own page, by the code they were given.
pub fn track(code: &suyuan_core::requests::TrackingCode) -> String {
    format!("{TRACK}/{}", code.as_str())
}

pub const SITES: &str = "/sites";
pub const SITE_NEW: &str = "/sites/new";
pub const ROUTES: &str = "/routes";

pub fn site(id: SiteId) -> String {
    format!("{SITES}/{}", id.0)
}

pub fn site_edit(id: SiteId) -> String {
    format!("{SITES}/{}/edit", id.0)
}

pub fn site_door(id: SiteId) -> String {
    format!("{SITES}/{}/door", id.0)
}

pub fn site_bookings(id: SiteId) -> String {
    format!("{SITES}/{}/bookings", id.0)
}

pub fn site_photo(id: SiteId, photo: i64) -> String {
    format!("{SITES}/{}/photos/{photo}", id.0)
}

/// A slot's start travels as seconds since 1970, which no zone misreads.
pub fn book_site(id: SiteId, at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{SITES}/{}/book?at={}", id.0, at.timestamp())
}

pub fn booking(code: &BookingCode) -> String {
    format!("/bookings/{code}")
}

pub fn booking_event(code: &BookingCode) -> String {
    format!("/bookings/{code}/event.ics")
}

pub fn route(id: RouteId) -> String {
    format!("{ROUTES}/{}", id.0)
}

pub fn book_route(id: RouteId, at: chrono::DateTime<chrono::Utc>) -> String {
    format!("{ROUTES}/{}/book?at={}", id.0, at.timestamp())
}

pub fn calendar_feed(token: &str) -> String {
    format!("/calendar/{}.ics", encode(token))
}

pub const SEARCH: &str = "/search";
pub const COMPILATIONS: &str = "/library/compilations";

pub fn draft(id: i64) -> String {
    format!("{COMPILATIONS}/{id}")
}

pub fn draft_search(id: i64, query: &str) -> String {
    if query.is_empty() {
        draft(id)
    } else {
        format!("{COMPILATIONS}/{id}?q={}", encode(query))
    }
}

/// A page of a search's results (the first without a page number).
pub fn search(query: &str, collection: Option<i64>, page: usize) -> String {
    let mut path = format!("{SEARCH}?q={}", encode(query));
    if let Some(id) = collection {
        path.push_str(&format!("&collection={id}"));
    }
    if page > 1 {
        path.push_str(&format!("&page={page}"));
    }
    path
}

pub fn text_size(code: &str, back_to: &str) -> String {
    format!("/prefs/text/{code}?next={}", encode(back_to))
}

pub fn login_then(next: &str) -> String {
    if next == HOME || !is_local(next) {
        LOGIN.to_owned()
    } else {
        format!("{LOGIN}?next={}", encode(next))
    }
}

pub fn unit(id: UnitId) -> String {
    format!("/units/{id}")
}

/// A unit's audit log (its subtree's).
pub fn unit_audit(id: UnitId) -> String {
    format!("/units/{id}/audit")
}

pub fn unit_audit_file(id: UnitId, extension: &str) -> String {
    format!("/units/{id}/audit.{extension}")
}

pub fn unit_members(id: UnitId, page: u64) -> String {
    with_search(&format!("/units/{id}/members"), "", page)
}

/// Where an admin resets a member's password.
pub fn reset_password(member: i64) -> String {
    format!("/members/{member}/password")
}

/// A list's address with its view (filters, search, page) as its query;
/// an empty view adds nothing.
pub fn with_query(base: &str, view: &impl serde::Serialize) -> String {
    match serde_urlencoded::to_string(view) {
        Ok(encoded) if !encoded.is_empty() => format!("{base}?{encoded}"),
        _ => base.to_owned(),
    }
}

/// A list's address with a search and a page added to its query (the
/// first page and an empty search add nothing).
pub fn with_search(base: &str, q: &str, page: u64) -> String {
    let mut href = base.to_owned();
    let mut add = |pair: String| {
        href.push(if href.contains('?') { '&' } else { '?' });
        href.push_str(&pair);
    };
    if !q.is_empty() {
        add(format!("q={}", encode(q)));
    }
    if page > 1 {
        add(format!("page={page}"));
    }
    href
}

pub fn unit_action(id: UnitId, action: &str) -> String {
    format!("/units/{id}/{action}")
}

/// A coming day's reading, kept by the phone for reading offline.
pub fn today_on(day: chrono::NaiveDate) -> String {
    format!("/today/on/{}", day.format("%Y-%m-%d"))
}

pub fn switch_language(code: &str, back_to: &str) -> String {
    format!("/lang/{code}?next={}", encode(back_to))
}

/// Only same-site paths may be redirected to (no `//host` or `http:`).
pub fn is_local(target: &str) -> bool {
    // Browsers drop tabs and newlines and read `\` as `/`, so `/\t/host`
    // would lead off the site.
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.chars().any(|c| c.is_control() || c == '\\')
}

pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_targets_are_followed() {
        assert!(is_local("/units/3"));
        assert!(!is_local("//evil.example"));
        assert!(!is_local("https://evil.example"));
        assert!(!is_local("/\t/evil.example"));
        assert!(!is_local("/\\evil.example"));
        assert!(!is_local("/a\nb"));
        assert_eq!(login_then("https://evil.example"), "/login");
        assert_eq!(
            login_then("/units/3?page=2"),
            "/login?next=/units/3%3Fpage%3D2"
        );
    }
}
