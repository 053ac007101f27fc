use chrono::Duration;
use suyuan_core::access::Role;
use suyuan_core::members::{MemberNumber, NewPassword, PersonName, Phone};
use suyuan_store::Store;
use suyuan_store::auth::{
    SessionChange, SessionKind, SessionQuery, SignInError, THROTTLE_LIMIT, THROTTLE_WINDOW, Token,
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
            .sign_in("ZJ100", "correct horse", now())
            .await
            .expect("by number");
        assert_eq!(by_number.id, chen.id);
        let by_phone = store
            .sign_in("139-0000-1111", "correct horse", now())
            .await
            .expect("by phone");
        assert_eq!(by_phone.id, chen.id);
        assert!(by_phone.must_change_password);

        let token = store
            .create_session(chen.id, SessionKind::Web, now())
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
                    .create_session(member, kind, now())
                    .await
                    .expect("session")
            }
        };
        let chen_web = session(chen.id, SessionKind::Web).await;
        let chen_api = session(chen.id, SessionKind::Api).await;
        let wang_api = session(wang.id, SessionKind::Api).await;
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
async fn changing_the_password_ends_other_sessions() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let chen = member(&store, p.cuiyuan.id).await;
        let phone = store
            .create_session(chen.id, SessionKind::Web, now())
            .await
            .expect("phone");
        let laptop = store
            .create_session(chen.id, SessionKind::Web, now())
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
                .sign_in("ZJ100", "correct horse", now())
                .await
                .is_err()
        );
        store
            .sign_in("ZJ100", "a brand new one", now())
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
async fn repeated_failures_are_throttled_for_a_while() {
    each_backend(|store| async move {
        let p = province(&store).await;
        member(&store, p.cuiyuan.id).await;
        for _ in 0..THROTTLE_LIMIT {
            let err = store
                .sign_in("ZJ100", "wrong", now())
                .await
                .expect_err("wrong");
            assert!(matches!(err, SignInError::WrongCredentials));
        }
        let err = store
            .sign_in("ZJ100", "correct horse", now())
            .await
            .expect_err("throttled");
        assert!(matches!(err, SignInError::Throttled { .. }), "{err:?}");
        let later = now() + THROTTLE_WINDOW + Duration::seconds(1);
        store
            .sign_in("ZJ100", "correct horse", later)
            .await
            .expect("after the window");
        // Spelling the same account differently does not reset the count.
        let later = later + THROTTLE_WINDOW + Duration::seconds(1);
        for spelling in [
            "ZJ100",
            "１３９０００01111",
            "139-0000-1111",
            "+86 13900001111",
            "13900001111",
        ] {
            let err = store
                .sign_in(spelling, "wrong", later)
                .await
                .expect_err("wrong");
            assert!(
                matches!(err, SignInError::WrongCredentials),
                "{spelling}: {err:?}"
            );
        }
        let err = store
            .sign_in("ZJ100", "correct horse", later)
            .await
            .expect_err("throttled");
        assert!(matches!(err, SignInError::Throttled { .. }), "{err:?}");
        // Unknown names fail the same way.
        let err = store
            .sign_in("nobody", "correct horse", later + THROTTLE_WINDOW)
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
