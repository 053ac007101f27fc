use chrono::Duration;
use suyuan_core::access::Role;
use suyuan_core::members::{MemberNumber, NewPassword, PersonName, Phone};
use suyuan_store::Store;
use suyuan_store::auth::{
    KnownDevice, SessionChange, SessionKind, SessionQuery, SignInError, SignInFrom, Token,
    hash_password, random_token,
};
use suyuan_store::members::NewMember;
use suyuan_store::testing::each_backend;

use crate::{now, province};

async fn member(store: &Store, unit: suyuan_core::units::UnitId) -> suyuan_store::members::Member {
    member_numbered(store, unit, "ZJ100", "13900001111").await
}

async fn member_numbered(
    store: &Store,
    unit: suyuan_core::units::UnitId,
    number: &str,
    phone: &str,
) -> suyuan_store::members::Member {
    let password = NewPassword::parse("correct horse").expect("password");
    store
        .create_member(
            NewMember {
                unit,
                number: MemberNumber::parse(number).expect("number"),
                name: PersonName::parse("陈静").expect("name"),
                phone: Some(Phone::parse(phone).expect("phone")),
                role: Role::Member,
                password_hash: hash_password(&password).expect("hash"),
                must_change_password: true,
            },
            now(),
        )
        .await
        .expect("member")
}

#[tokio::test]
async fn sign_in_by_number_or_phone_and_keep_a_session() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chen = member(&store, p.cuiyuan.id).await;
        let by_number = store
            .sign_in("ZJ100", "correct horse", &SignInFrom::default(), now())
            .await
            .expect("by number");
        assert_eq!(by_number.id, chen.id);
        let by_phone = store
            .sign_in(
                "139-0000-1111",
                "correct horse",
                &SignInFrom::default(),
                now(),
            )
            .await
            .expect("by phone");
        assert_eq!(by_phone.id, chen.id);
        assert!(by_phone.must_change_password);

        let token = store
            .create_session(&chen, SessionKind::Web, now())
            .await
            .expect("session");
        let found = store
            .session_member(&token, SessionKind::Web, now())
            .await
            .expect("lookup");
        assert_eq!(found.map(|m| m.id), Some(chen.id));
        // A web session is no API token, and sessions expire.
        assert!(
            store
                .session_member(&token, SessionKind::Api, now())
                .await
                .expect("lookup")
                .is_none()
        );
        let later = now() + SessionKind::Web.lifetime() + Duration::seconds(1);
        assert!(
            store
                .session_member(&token, SessionKind::Web, later)
                .await
                .expect("lookup")
                .is_none()
        );
        let before = now() - Duration::seconds(1);
        assert!(
            store
                .session_changes_since(before)
                .await
                .expect("changes")
                .is_empty()
        );
        store.end_session(&token, now()).await.expect("sign out");
        assert!(
            store
                .session_member(&token, SessionKind::Web, now())
                .await
                .expect("lookup")
                .is_none()
        );
        // Other instances learn whose sessions to forget; an unknown
        // token changes nothing.
        store
            .end_session(&token, now())
            .await
            .expect("sign out again");
        assert_eq!(
            store.session_changes_since(before).await.expect("changes"),
            [SessionChange::Member(chen.id)]
        );
        assert!(
            store
                .session_changes_since(now() + Duration::seconds(1))
                .await
                .expect("changes")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn sessions_looked_up_together_are_answered_each_in_turn() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chen = member(&store, p.cuiyuan.id).await;
        let wang = member_numbered(&store, p.xihu.id, "ZJ200", "13900002222").await;
        let session = |member, kind| {
            let store = store.clone();
            async move {
                store
                    .create_session(&member, kind, now())
                    .await
                    .expect("session")
            }
        };
        let chen_web = session(chen.clone(), SessionKind::Web).await;
        let chen_api = session(chen.clone(), SessionKind::Api).await;
        let wang_api = session(wang.clone(), SessionKind::Api).await;
        let ask = |token: &Token, kind, at| SessionQuery {
            token: token.clone(),
            kind,
            now: at,
        };
        let later = now() + SessionKind::Web.lifetime() + Duration::seconds(1);
        let queries = [
            ask(&wang_api, SessionKind::Api, now()),
            ask(&chen_web, SessionKind::Web, now()),
            ask(&random_token(), SessionKind::Web, now()),
            ask(&chen_web, SessionKind::Api, now()),
            ask(&chen_api, SessionKind::Api, now()),
            ask(&chen_web, SessionKind::Web, later),
            ask(&wang_api, SessionKind::Api, now()),
        ];
        let expected = [
            Some(wang.id),
            Some(chen.id),
            None,
            None,
            Some(chen.id),
            None,
            Some(wang.id),
        ];
        let found = store.session_members(&queries).await.expect("lookups");
        let ids: Vec<_> = found.iter().map(|m| m.as_ref().map(|m| m.id)).collect();
        assert_eq!(ids, expected);
        assert_eq!(found[0].as_ref().map(|m| &m.unit.path), Some(&p.xihu.path));

        // The same, sent at once through the instance's lookups.
        let lookup = store.session_lookup();
        let pending: Vec<_> = queries
            .iter()
            .map(|query| {
                let (lookup, query) = (lookup.clone(), query.clone());
                tokio::spawn(async move { lookup.submit(query).await })
            })
            .collect();
        let mut ids = Vec::new();
        for answer in pending {
            let member = answer.await.expect("task").expect("lookup");
            ids.push(member.map(|m| m.id));
        }
        assert_eq!(ids, expected);
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_when_left_unused_and_at_the_end_of_its_life() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chen = member(&store, p.cuiyuan.id).await;
        let live = |token: Token, at| {
            let store = store.clone();
            async move {
                store
                    .session_member(&token, SessionKind::Web, at)
                    .await
                    .expect("lookup")
                    .is_some()
            }
        };
        // A member's phone: a week unused ends it.
        let idle = SessionKind::Web.idle(Role::Member);
        let phone = store
            .create_session(&chen, SessionKind::Web, now())
            .await
            .expect("session");
        assert!(live(phone.clone(), now() + idle - Duration::minutes(1)).await);
        let left = store
            .create_session(&chen, SessionKind::Web, now())
            .await
            .expect("session");
        assert!(!live(left, now() + idle + Duration::minutes(1)).await);
        // Used every few days, it lasts until its life ends (14 days).
        let mut at = now();
        while at < now() + SessionKind::Web.lifetime() - Duration::days(3) {
            at += Duration::days(3);
            assert!(live(phone.clone(), at).await, "used at {at}");
        }
        assert!(
            !live(
                phone,
                now() + SessionKind::Web.lifetime() + Duration::minutes(1)
            )
            .await
        );
        // An admin's desk: half a day unused ends it.
        let admin = store
            .create_member(
                NewMember {
                    unit: p.xihu.id,
                    number: MemberNumber::parse("ZJ300").expect("number"),
                    name: PersonName::parse("沈丽华").expect("name"),
                    phone: None,
                    role: Role::Admin,
                    password_hash: String::new(),
                    must_change_password: false,
                },
                now(),
            )
            .await
            .expect("admin");
        let desk = store
            .create_session(&admin, SessionKind::Web, now())
            .await
            .expect("session");
        assert!(live(desk.clone(), now() + Duration::hours(11)).await);
        assert!(live(desk.clone(), now() + Duration::hours(22)).await);
        assert!(!live(desk, now() + Duration::hours(35)).await);
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chen = member(&store, p.cuiyuan.id).await;
        let phone = store
            .create_session(&chen, SessionKind::Web, now())
            .await
            .expect("phone");
        let laptop = store
            .create_session(&chen, SessionKind::Web, now())
            .await
            .expect("laptop");
        let new = NewPassword::parse("a brand new one").expect("password");
        store
            .change_password(chen.id, &new, Some(&laptop), now())
            .await
            .expect("change");
        assert!(
            store
                .session_member(&phone, SessionKind::Web, now())
                .await
                .expect("lookup")
                .is_none()
        );
        let kept = store
            .session_member(&laptop, SessionKind::Web, now())
            .await
            .expect("lookup")
            .expect("kept");
        assert!(!kept.must_change_password);
        assert!(
            store
                .sign_in("ZJ100", "correct horse", &SignInFrom::default(), now())
                .await
                .is_err()
        );
        store
            .sign_in("ZJ100", "a brand new one", &SignInFrom::default(), now())
            .await
            .expect("new password");
        assert_eq!(
            store
                .session_changes_since(now() - Duration::seconds(1))
                .await
                .expect("changes"),
            [SessionChange::Member(chen.id)]
        );
    })
    .await;
}

#[tokio::test]
async fn failures_slow_an_account_down_without_locking_the_person_out() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chen = member(&store, p.cuiyuan.id).await;
        let from = |address: &str| SignInFrom {
            address: Some(address.to_owned()),
            known_device: None,
        };
        let throttled = |result: Result<_, SignInError>| match result {
            Err(SignInError::Throttled { retry_after }) => retry_after,
            other => panic!("expected a wait, got {other:?}"),
        };
        // Five tries are free, however the account's name is spelled.
        for spelling in [
            "ZJ100",
            "１３９０００01111",
            "139-0000-1111",
            "+86 13900001111",
            "13900001111",
        ] {
            let err = store
                .sign_in(spelling, "wrong", &from("203.0.113.9"), now())
                .await
                .expect_err("wrong");
            assert!(
                matches!(err, SignInError::WrongCredentials),
                "{spelling}: {err:?}"
            );
        }
        // Then the account waits 30 s after the last failure, from any
        // address, and trying during the wait does not lengthen it.
        for _ in 0..20 {
            let wait = throttled(
                store
                    .sign_in("ZJ100", "correct horse", &from("198.51.100.7"), now())
                    .await,
            );
            assert_eq!(wait, Duration::seconds(30));
        }
        // Each failure after the free ones doubles the wait.
        let later = now() + Duration::seconds(30);
        let err = store
            .sign_in("ZJ100", "wrong", &from("203.0.113.9"), later)
            .await
            .expect_err("wrong");
        assert!(matches!(err, SignInError::WrongCredentials));
        let wait = throttled(
            store
                .sign_in("ZJ100", "correct horse", &from("198.51.100.7"), later)
                .await,
        );
        assert_eq!(wait, Duration::minutes(1));
        // The phone the person signed in on before is their way in.
        let phone = KnownDevice {
            member: chen.id,
            id: "phone".into(),
        };
        let on_phone = SignInFrom {
            address: Some("203.0.113.9".into()),
            known_device: Some(phone.clone()),
        };
        store
            .sign_in("ZJ100", "correct horse", &on_phone, later)
            .await
            .expect("from the known phone");
        // Success forgets the account's failures.
        store
            .sign_in("ZJ100", "correct horse", &from("198.51.100.7"), later)
            .await
            .expect("after success");
        // A device known for someone else is no way into this account.
        let for_another = SignInFrom {
            address: None,
            known_device: Some(KnownDevice {
                member: suyuan_core::members::MemberId(chen.id.0 + 1),
                id: "theirs".into(),
            }),
        };
        for _ in 0..5 {
            store
                .sign_in("ZJ100", "wrong", &for_another, later)
                .await
                .expect_err("wrong");
        }
        throttled(
            store
                .sign_in("ZJ100", "correct horse", &for_another, later)
                .await,
        );
        // However long someone keeps trying, the wait is 15 minutes at
        // most after their last try; an admin's reset opens it at once.
        let mut at = later + Duration::hours(2);
        let mut failures = 0;
        while failures < 12 {
            match store
                .sign_in("ZJ100", "wrong", &from("203.0.113.9"), at)
                .await
            {
                Err(SignInError::Throttled { retry_after }) => {
                    assert!(retry_after <= Duration::minutes(15), "{retry_after}");
                    at += retry_after;
                }
                Err(SignInError::WrongCredentials) => failures += 1,
                other => panic!("{other:?}"),
            }
        }
        let wait = throttled(
            store
                .sign_in("ZJ100", "correct horse", &from("198.51.100.7"), at)
                .await,
        );
        assert_eq!(wait, Duration::minutes(15));
        let temporary = NewPassword::parse("temporary-1").expect("password");
        store
            .reset_password(chen.id, &temporary, at)
            .await
            .expect("reset");
        store
            .sign_in("ZJ100", "temporary-1", &from("198.51.100.7"), at)
            .await
            .expect("after the reset");
    })
    .await;
}

#[tokio::test]
async fn failures_from_one_address_slow_that_address_down() {
    each_backend(|store| async move {
        let p = province(&store).await;
        member(&store, p.cuiyuan.id).await;
        let from = |address: &str| SignInFrom {
            address: Some(address.to_owned()),
            known_device: None,
        };
        // Fifty names tried once each from one address: no account waits,
        // but the address does.
        for n in 0..50 {
            let err = store
                .sign_in(&format!("guess{n}"), "wrong", &from("203.0.113.9"), now())
                .await
                .expect_err("wrong");
            assert!(matches!(err, SignInError::WrongCredentials), "{n}: {err:?}");
        }
        let err = store
            .sign_in("ZJ100", "correct horse", &from("203.0.113.9"), now())
            .await
            .expect_err("the address waits");
        assert!(matches!(err, SignInError::Throttled { .. }), "{err:?}");
        store
            .sign_in("ZJ100", "correct horse", &from("198.51.100.7"), now())
            .await
            .expect("another address is not held");
        // Unknown names fail like wrong passwords.
        let err = store
            .sign_in("nobody", "correct horse", &from("198.51.100.7"), now())
            .await
            .expect_err("unknown");
        assert!(matches!(err, SignInError::WrongCredentials));
    })
    .await;
}

#[tokio::test]
async fn secrets_are_made_once_and_shared() {
    each_backend(|store| async move {
        let first = store.secret("csrf").await.expect("secret");
        let again = store.secret("csrf").await.expect("secret");
        assert_eq!(first, again);
        assert_eq!(first.len(), 64);
        assert_ne!(store.secret("other").await.expect("secret"), first);
    })
    .await;
}
