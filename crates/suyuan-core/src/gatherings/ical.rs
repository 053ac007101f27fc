//! iCalendar (RFC 5545) for gatherings: a feed that phone calendars
//! subscribe to, or a single event to download. Times are written in UTC,
//! lines end in CRLF and are folded at 75 octets without splitting a
//! character, and a cancelled gathering stays in the feed with
//! `STATUS:CANCELLED` and a higher `SEQUENCE`, so calendars drop it.

use chrono::{DateTime, Utc};
use std::fmt::Write;

/// One gathering as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Globally unique and stable: the same gathering keeps its UID.
    pub uid: String,
    /// Bumped each time the gathering is rescheduled or cancelled.
    pub sequence: u32,
    /// When this version of the event was last changed.
    pub stamp: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub url: String,
    pub cancelled: bool,
}

/// A calendar of events (a feed, or a single event to download).
pub fn calendar(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Suyuan//Suyuan gatherings//ZH");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    for event in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", text(&event.uid)));
        line(&mut out, &format!("SEQUENCE:{}", event.sequence));
        line(&mut out, &format!("DTSTAMP:{}", utc(event.stamp)));
        line(&mut out, &format!("LAST-MODIFIED:{}", utc(event.stamp)));
        line(&mut out, &format!("DTSTART:{}", utc(event.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(event.ends_at)));
        line(&mut out, &format!("SUMMARY:{}", text(&event.summary)));
        if !event.description.is_empty() {
            line(
                &mut out,
                &format!("DESCRIPTION:{}", text(&event.description)),
            );
        }
        if !event.location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", text(&event.location)));
        }
        if !event.url.is_empty() {
            line(&mut out, &format!("URL:{}", event.url));
        }
        let status = if event.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        line(&mut out, &format!("STATUS:{status}"));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value with its backslashes, semicolons, commas and line breaks
/// escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so that no line exceeds 75 octets: each
/// continuation starts with a space, and a multi-byte character is never
/// split.
fn line(out: &mut String, content: &str) {
    const LIMIT: usize = 75;
    let mut used = 0;
    for c in content.chars() {
        if used + c.len_utf8() > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    let _ = out.write_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event() -> Event {
        let at = |h| {
            Utc.with_ymd_and_hms(2026, 11, 26, h, 0, 0)
                .single()
                .expect("time")
        };
        Event {
            uid: "gathering-7@suyuan".into(),
            sequence: 2,
            stamp: at(1),
            starts_at: at(11),
            ends_at: at(12),
            summary: "学习《中华人民共和国宪法》第一章, 总纲; 讨论".into(),
            description: "第一行\n第二行".repeat(20),
            location: "下姜村".into(),
            url: "https://example.org/gatherings/7".into(),
            cancelled: true,
        }
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets_on_character_boundaries() {
        let feed = calendar("翠苑一区", &[event()]);
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        assert!(!feed.replace("\r\n", "").contains('\n'));
        for physical in feed.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        // Unfolding gives back the escaped values.
        let unfolded = feed.replace("\r\n ", "");
        assert!(unfolded.contains("SUMMARY:学习《中华人民共和国宪法》第一章\\, 总纲\\; 讨论\r\n"));
        assert!(unfolded.contains(&format!("DESCRIPTION:{}\r\n", "第一行\\n第二行".repeat(20))));
        assert!(unfolded.contains("STATUS:CANCELLED\r\nEND:VEVENT"));
        assert!(unfolded.contains("SEQUENCE:2\r\n"));
        assert!(unfolded.contains("DTSTART:20261126T110000Z\r\n"));
    }
}
