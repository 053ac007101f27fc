//! Two-step sign-in in the store: a code or a recovery code sent twice at
//! once (two instances) is taken once, and guessing is slowed.

use chrono::Duration;
use suyuan_core::second_factor::CodeError;
use suyuan_store::second_factor::{Passed, SecondFactor, SecondFactorError};
use suyuan_store::testing::each_backend;

use crate::{member, now, province};

#[tokio::test]
async fn a_code_sent_twice_at_once_is_taken_once_and_guessing_is_slowed() {
    each_backend(|store| async move {
        let p = province(&store).await;
        let admin = member(&store, &p.xihu, "xihu-admin").await;
        assert_eq!(store.second_factor(admin).await.expect("none"), None);
        let secret = store
            .begin_second_factor(admin, now())
            .await
            .expect("begun");
        assert_eq!(
            store.second_factor(admin).await.expect("pending"),
            Some(SecondFactor::Pending(secret.clone()))
        );
        let codes = store
            .confirm_second_factor(admin, &secret.code_at(now()), now())
            .await
            .expect("confirmed");
        assert_eq!(
            store.second_factor(admin).await.expect("on"),
            Some(SecondFactor::On { recovery_left: 10 })
        );
        assert!(
            store.begin_second_factor(admin, now()).await.is_err(),
            "on already"
        );

        let later = now() + Duration::seconds(30);
        let code = secret.code_at(later);
        let (a, b) = tokio::join!(
            store.pass_second_factor(admin, &code, later),
            store.pass_second_factor(admin, &code, later)
        );
        let taken = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(taken, 1, "{a:?} {b:?}");
        assert!(
            [a, b]
                .into_iter()
                .any(|r| matches!(r, Err(SecondFactorError::Code(CodeError::Used)))),
        );

        let shown = codes[0].shown();
        let (a, b) = tokio::join!(
            store.pass_second_factor(admin, &shown, later),
            store.pass_second_factor(admin, &shown, later)
        );
        let passed: Vec<_> = [a, b].into_iter().filter_map(Result::ok).collect();
        assert_eq!(passed, vec![Passed::RecoveryCode { left: 9 }]);

        // Ten tries a quarter of an hour, right or wrong; then a wait.
        let mut refused = None;
        for _ in 0..10 {
            if let Err(err @ SecondFactorError::Throttled { .. }) =
                store.pass_second_factor(admin, "000000", later).await
            {
                refused = Some(err);
                break;
            }
        }
        assert!(
            matches!(refused, Some(SecondFactorError::Throttled { .. })),
            "{refused:?}"
        );
        store.remove_second_factor(admin).await.expect("off");
        assert_eq!(store.second_factor(admin).await.expect("off"), None);
    })
    .await;
}
