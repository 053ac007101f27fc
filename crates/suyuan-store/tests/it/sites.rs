//! Teaching sites: hours with their exceptions, bookings that never pass a
//! capacity however they interleave, requests and check-ins that count
//! once, the waiting list's offers, no-show holds and routes booked all or
//! nothing — on both backends.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::sync::Arc;
use suyuan_core::sites::{
    BookingError, BookingStatus, Contact, CreditCode, NoShowRule, OpeningHours, OrgIdentity,
    Organization, Party, SiteDetails, SlotTimes, VisitRules,
};
use suyuan_core::units::UnitId;
use suyuan_store::sites::{Asker, Booked, CheckedIn, RouteStop, Site, SiteForm};
use suyuan_store::testing::each_backend;
use suyuan_store::{Store, StoreError};

use crate::{now, province};

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Open every day 09:00–12:00 and 13:00–17:00 in slots of an hour.
fn hours() -> OpeningHours {
    let mut week: [Vec<SlotTimes>; 7] = Default::default();
    for day in week.iter_mut() {
        *day = SlotTimes::parse_list("09:00-12:00, 13:00-17:00").expect("windows");
    }
    OpeningHours::new(SHANGHAI, 60, week).expect("hours")
}

async fn site(store: &Store, unit: UnitId, name: &str, slot: u32, day: u32) -> Site {
    let form = SiteForm {
        unit,
        details: SiteDetails::new(name, "memorial_hall", "杭州市上城区", None, "")
            .expect("details"),
        hours: hours(),
        rules: VisitRules::new(slot, day, (1, slot.min(60)), 30, 24, 6).expect("rules"),
    };
    store.create_site(&form, now()).await.expect("site")
}

fn tomorrow() -> NaiveDate {
    now().with_timezone(&SHANGHAI).date_naive() + Duration::days(1)
}

/// The start of tomorrow's slot at `hour` o'clock.
fn slot_at(site: &Site, hour: u32) -> DateTime<Utc> {
    site.hours
        .slots_on(tomorrow())
        .into_iter()
        .find(|s| s.times.starts.format("%H").to_string() == format!("{hour:02}"))
        .expect("a slot")
        .starts_at
}

/// Groups with credit codes of their own: the body's last digits vary.
fn credit_code(n: u32) -> CreditCode {
    let body = format!("9133010{n:010}");
    "0123456789ABCDEFGHJKLMNPQRTUWXY"
        .chars()
        .find_map(|c| CreditCode::parse(&format!("{body}{c}")).ok())
        .expect("a check character")
}

fn party(n: u32, headcount: u32) -> Party {
    let organization = Organization::new(
        &format!("第{n}公司"),
        OrgIdentity::CreditCode(credit_code(n)),
    )
    .expect("organization");
    let contact = Contact::new("王芳", "13800138000", "").expect("contact");
    Party::new(organization, contact, headcount, vec![]).expect("party")
}

fn asker(party: &Party) -> Asker<'_> {
    Asker::group(party)
}

fn rule() -> NoShowRule {
    NoShowRule::default()
}

#[tokio::test]
async fn hours_keep_their_exceptions_in_the_site_s_zone() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let mut hours = hours();
        let holiday = tomorrow() + Duration::days(3);
        hours.close(holiday, holiday);
        let special = tomorrow() + Duration::days(5);
        hours
            .open_specially(
                special,
                vec![SlotTimes::parse("19:00-21:00").expect("span")],
            )
            .expect("special");
        let form = SiteForm {
            unit: p.xihu.id,
            details: SiteDetails::new("中共杭州小组纪念馆", "memorial_hall", "上城区", None, "")
                .expect("details"),
            hours,
            rules: VisitRules::new(60, 300, (5, 60), 30, 24, 6).expect("rules"),
        };
        let made = store.create_site(&form, now()).await.expect("site");
        let read = store.site(made.id).await.expect("read");
        assert_eq!(read.hours, form.hours, "hours read back as written");
        assert!(read.hours.slots_on(holiday).is_empty());
        let evening = read.hours.slots_on(special);
        assert_eq!(evening.len(), 2);
        // 19:00 in Hangzhou is 11:00 UTC.
        assert_eq!(evening[0].starts_at.format("%H:%M").to_string(), "11:00");
        let places = store
            .places(&read, tomorrow(), tomorrow())
            .await
            .expect("places");
        assert_eq!(places.len(), 7);
        assert!(places.iter().all(|p| p.load.free() == 60));
    })
    .await;
}

#[tokio::test]
async fn hundreds_of_concurrent_bookings_never_pass_a_capacity() {
    each_backend(|store| async move {
        let p = province(&store).await;
        // Four morning-and-afternoon slots of 50, a day of 120.
        let site = Arc::new(site(&store, p.xihu.id, "纪念馆", 50, 120).await);
        let starts: Vec<DateTime<Utc>> =
            [9, 10, 11, 13].iter().map(|h| slot_at(&site, *h)).collect();
        let mut tasks = Vec::new();
        for n in 0..300u32 {
            let store = store.clone();
            let site = Arc::clone(&site);
            let at = starts[(n % 4) as usize];
            tasks.push(tokio::spawn(async move {
                let group = party(n, 5);
                store.book(&site, at, asker(&group), &rule(), now()).await
            }));
        }
        let mut booked = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(Booked::New(b)) => booked += b.len() as u32,
                Ok(Booked::Repeat(_)) => panic!("no request was repeated"),
                Err(StoreError::Booking(BookingError::Full { .. })) => {}
                Err(other) => panic!("only 'full' may fail a booking, not {other}"),
            }
        }
        // 120 places a day, groups of 5: exactly 24 groups.
        assert_eq!(booked, 24);
        let places = store
            .places(&site, tomorrow(), tomorrow())
            .await
            .expect("places");
        let taken: u32 = places.iter().map(|p| p.load.slot_taken).sum();
        assert_eq!(taken, 120);
        for at in starts {
            let (held, counted) = store.recount_slot(site.id, at).await.expect("recount");
            assert_eq!(held, counted, "the slot's count is its bookings'");
            assert!(held <= 50);
        }
    })
    .await;
}

#[tokio::test]
async fn a_retried_request_books_once() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let site = Arc::new(site(&store, p.xihu.id, "陈列馆", 60, 300).await);
        let at = slot_at(&site, 9);
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let store = store.clone();
            let site = Arc::clone(&site);
            tasks.push(tokio::spawn(async move {
                let group = party(1, 10);
                let ask = Asker {
                    key: Some("outside:the-same-request"),
                    ..asker(&group)
                };
                store
                    .book(&site, at, ask, &rule(), now())
                    .await
                    .expect("booked")
            }));
        }
        let mut codes = std::collections::HashSet::new();
        let mut new = 0;
        for task in tasks {
            let booked = task.await.expect("task");
            if matches!(booked, Booked::New(_)) {
                new += 1;
            }
            codes.insert(booked.bookings()[0].code.clone());
        }
        assert_eq!(new, 1, "one request booked, the retries were told so");
        assert_eq!(codes.len(), 1);
        let places = store.slot_places(&site, at).await.expect("places");
        assert_eq!(places.load.slot_taken, 10);
    })
    .await;
}

#[tokio::test]
async fn freed_places_are_offered_in_order_and_offers_lapse() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let site = site(&store, p.xihu.id, "故居", 20, 300).await;
        // Three days ahead: groups may cancel until the day before.
        let at = site.hours.slots_on(tomorrow() + Duration::days(2))[0].starts_at;
        let first = match store
            .book(&site, at, asker(&party(1, 20)), &rule(), now())
            .await
        {
            Ok(Booked::New(b)) => b[0].clone(),
            other => panic!("{other:?}"),
        };
        let full = store
            .book(&site, at, asker(&party(2, 10)), &rule(), now())
            .await;
        assert!(matches!(
            full,
            Err(StoreError::Booking(BookingError::Full { free: 0 }))
        ));
        let second = store
            .join_waiting_list(&site, at, asker(&party(2, 10)), &rule(), now())
            .await
            .expect("waiting")
            .bookings()[0]
            .clone();
        let third = store
            .join_waiting_list(&site, at, asker(&party(3, 10)), &rule(), now())
            .await
            .expect("waiting")
            .bookings()[0]
            .clone();
        let fourth = store
            .join_waiting_list(&site, at, asker(&party(4, 10)), &rule(), now())
            .await
            .expect("waiting")
            .bookings()[0]
            .clone();
        assert_eq!(second.status, BookingStatus::Waiting);
        // The first group cancels: twenty places go to the next two in line.
        store
            .cancel_booking(&first.code, now())
            .await
            .expect("cancel");
        let status = |code| {
            let store = store.clone();
            async move { store.bookings_by_code(&code).await.expect("booking")[0].clone() }
        };
        let offered = status(second.code.clone()).await;
        assert_eq!(offered.status, BookingStatus::Offered);
        assert_eq!(offered.offered_until, Some(now() + Duration::hours(6)));
        assert_eq!(
            status(third.code.clone()).await.status,
            BookingStatus::Offered
        );
        assert_eq!(
            status(fourth.code.clone()).await.status,
            BookingStatus::Waiting
        );
        // The second takes its places; the third lets its offer lapse, and
        // the fourth is offered them.
        store
            .accept_offer(&second.code, now() + Duration::hours(1))
            .await
            .expect("accepted");
        let later = now() + Duration::hours(7);
        store.close_ended_bookings(later).await.expect("sweep");
        assert_eq!(
            status(second.code.clone()).await.status,
            BookingStatus::Booked
        );
        assert_eq!(
            status(third.code.clone()).await.status,
            BookingStatus::Lapsed
        );
        assert_eq!(
            status(fourth.code.clone()).await.status,
            BookingStatus::Offered
        );
        assert!(
            store.accept_offer(&third.code, later).await.is_err(),
            "a lapsed offer cannot be taken up"
        );
        let (held, counted) = store.recount_slot(site.id, at).await.expect("recount");
        assert_eq!((held, counted), (20, 20));
        // A site that takes no bookings takes no waiting groups either.
        store
            .archive_site(site.id, true, now())
            .await
            .expect("archived");
        let closed = store.site(site.id).await.expect("site");
        assert!(matches!(
            store
                .join_waiting_list(&closed, at, asker(&party(9, 10)), &rule(), now())
                .await,
            Err(StoreError::Booking(BookingError::SiteClosed))
        ));
        // Cancelling closes the day before the visit.
        let too_late = at - Duration::hours(2);
        assert!(matches!(
            store.cancel_booking(&second.code, too_late).await,
            Err(StoreError::Booking(BookingError::TooLateToCancel {
                hours: 24
            }))
        ));
    })
    .await;
}

#[tokio::test]
async fn check_in_counts_once_and_no_shows_hold_an_organization() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let site = site(&store, p.xihu.id, "展览馆", 60, 300).await;
        let at = slot_at(&site, 9);
        let group = party(7, 30);
        let booking = store
            .book(&site, at, asker(&group), &rule(), now())
            .await
            .expect("booked")
            .bookings()[0]
            .clone();
        // Checked in at the door before the visit's day: refused.
        assert!(
            store
                .check_in_booking(&site, &booking.code, Some(28), now(), now())
                .await
                .is_err()
        );
        let scanned = at + Duration::minutes(5);
        let sent = at + Duration::hours(3);
        let first = store
            .check_in_booking(&site, &booking.code, Some(28), scanned, sent)
            .await
            .expect("checked in");
        assert!(matches!(first, CheckedIn::Now(ref b) if b.actual_headcount == Some(28)));
        let again = store
            .check_in_booking(&site, &booking.code, Some(30), scanned, sent)
            .await
            .expect("again");
        let CheckedIn::Already(b) = again else {
            panic!("a repeat is counted once");
        };
        assert_eq!(
            (b.actual_headcount, b.checked_in_at),
            (Some(28), Some(scanned))
        );
        let figures = store
            .visit_figures(
                Some(site.id),
                at - Duration::days(1),
                at + Duration::days(1),
            )
            .await
            .expect("figures");
        assert_eq!((figures.total.groups, figures.total.visitors), (1, 28));

        // Another organization books three slots and comes to none.
        let absent = party(8, 10);
        for hour in [10, 11, 13] {
            store
                .book(&site, slot_at(&site, hour), asker(&absent), &rule(), now())
                .await
                .expect("booked");
        }
        let evening = at + Duration::hours(12);
        assert_eq!(store.close_ended_bookings(evening).await.expect("sweep"), 3);
        let next_week = site.hours.slots_on(tomorrow() + Duration::days(7))[0].starts_at;
        let held = store
            .book(&site, next_week, asker(&absent), &rule(), evening)
            .await;
        assert!(
            matches!(
                held,
                Err(StoreError::Booking(BookingError::Held { count: 3, .. }))
            ),
            "{held:?}"
        );
        // Once the hold has passed, it books again.
        let month_on = evening + Duration::days(31);
        let later = site.hours.slots_on(tomorrow() + Duration::days(40))[0].starts_at;
        assert!(
            store
                .book(&site, later, asker(&absent), &rule(), month_on)
                .await
                .is_ok()
        );
    })
    .await;
}

#[tokio::test]
async fn a_route_is_booked_all_or_nothing() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let a = site(&store, p.xihu.id, "甲馆", 60, 300).await;
        let b = site(&store, p.xihu.id, "乙馆", 60, 300).await;
        let c = site(&store, p.xihu.id, "丙馆", 60, 300).await;
        let stops = [
            RouteStop {
                site: a.id,
                travel_minutes: 0,
            },
            RouteStop {
                site: b.id,
                travel_minutes: 30,
            },
            RouteStop {
                site: c.id,
                travel_minutes: 30,
            },
        ];
        let route = store
            .create_route(p.xihu.id, "红色足迹", "", &stops, now())
            .await
            .expect("route");
        // The third site's afternoon is full.
        for hour in [13, 14, 15, 16] {
            store
                .book(
                    &c,
                    slot_at(&c, hour),
                    asker(&party(50 + hour, 60)),
                    &rule(),
                    now(),
                )
                .await
                .expect("filled");
        }
        let group = party(1, 40);
        // 09:00 at the first, 10:30 → 11:00 at the second, then 12:30 →
        // the afternoon at the third, which is full.
        let refused = store
            .book_route(&route, slot_at(&a, 9), asker(&group), &rule(), now())
            .await;
        assert!(
            matches!(refused, Err(StoreError::Booking(BookingError::Route(_)))),
            "{refused:?}"
        );
        for site in [&a, &b] {
            let places = store
                .places(site, tomorrow(), tomorrow())
                .await
                .expect("places");
            assert!(
                places.iter().all(|p| p.load.slot_taken == 0),
                "nothing was booked"
            );
        }
        // A shorter route, without the third site, is booked whole.
        let stops = [
            RouteStop {
                site: a.id,
                travel_minutes: 0,
            },
            RouteStop {
                site: b.id,
                travel_minutes: 0,
            },
        ];
        let short = store
            .create_route(p.xihu.id, "半日", "", &stops, now())
            .await
            .expect("route");
        let booked = store
            .book_route(&short, slot_at(&a, 9), asker(&group), &rule(), now())
            .await
            .expect("booked");
        let legs = booked.bookings();
        assert_eq!(legs.len(), 2);
        assert_eq!(legs[0].code, legs[1].code, "one code for the day");
        assert_eq!(legs[1].starts_at, slot_at(&b, 10));
        assert!(
            store
                .create_route(
                    p.xihu.id,
                    "重复",
                    "",
                    &[stops[0].clone(), stops[0].clone()],
                    now()
                )
                .await
                .is_err()
        );
    })
    .await;
}
