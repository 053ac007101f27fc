//! The second step of sign-in: a member's authenticator secret, set up
//! unconfirmed and confirmed by a first code, the last code step taken,
//! and recovery codes kept as digests. Each check is one conditional
//! `UPDATE`, so a code (or recovery code) sent twice at once, to two
//! instances, is taken once.

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use thiserror::Error;

use suyuan_core::members::MemberId;
use suyuan_core::second_factor::{CodeError, RecoveryCode, SECRET_BYTES, Secret};

use crate::auth::random_bytes;
use crate::throttle::Limit;
use crate::{Store, StoreError, StoreResult};

pub(crate) mod factor {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "second_factors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub member_id: i64,
        pub secret: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub last_step: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod recovery {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "recovery_codes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub member_id: i64,
        pub digest: String,
        pub used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Codes one member may try within a quarter of an hour, right or wrong:
/// enough for a person who mistypes, far too few to guess six digits.
const TRIES: Limit = Limit {
    events: 10,
    within: Duration::minutes(15),
};

/// A member's second factor as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    /// Set up but not yet proved by a code: sign-in does not ask for it.
    Pending(Secret),
    /// Sign-in asks for a code; `recovery_left` codes are unspent.
    On { recovery_left: u64 },
}

/// How a sign-in's second step was passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    AppCode,
    /// With a recovery code; this many are left.
    RecoveryCode {
        left: u64,
    },
}

#[derive(Debug, Error)]
pub enum SecondFactorError {
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("too many codes tried; try again in {} minute(s)", crate::auth::retry_minutes(*retry_after))]
    Throttled { retry_after: Duration },
    #[error("no authenticator app is set up for this account")]
    NotSetUp,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for SecondFactorError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Store(err.into())
    }
}

fn secret_of(row: &factor::Model) -> StoreResult<Secret> {
    Secret::decode(&row.secret).ok_or_else(|| {
        StoreError::Corrupt(format!("member {}: second factor secret", row.member_id))
    })
}

impl Store {
    /// The member's second factor, if any.
    pub async fn second_factor(&self, member: MemberId) -> StoreResult<Option<SecondFactor>> {
        let Some(row) = factor::Entity::find_by_id(member.0).one(&self.db).await? else {
            return Ok(None);
        };
        if row.confirmed_at.is_none() {
            return Ok(Some(SecondFactor::Pending(secret_of(&row)?)));
        }
        let recovery_left = recovery::Entity::find()
            .filter(recovery::Column::MemberId.eq(member.0))
            .filter(recovery::Column::UsedAt.is_null())
            .count(&self.db)
            .await?;
        Ok(Some(SecondFactor::On { recovery_left }))
    }

    /// Starts setting up an authenticator app: a fresh secret, kept
    /// unconfirmed (over an earlier unconfirmed one). One that is on is
    /// turned off first, with a code.
    pub async fn begin_second_factor(
        &self,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> StoreResult<Secret> {
        let secret = Secret::from_random(random_bytes::<SECRET_BYTES>());
        let txn = self.db.begin().await?;
        if let Some(row) = factor::Entity::find_by_id(member.0).one(&txn).await? {
            if row.confirmed_at.is_some() {
                return Err(StoreError::Conflict(
                    "an authenticator app is already set up: turn it off first".into(),
                ));
            }
            factor::Entity::delete_by_id(member.0).exec(&txn).await?;
        }
        factor::Entity::insert(factor::ActiveModel {
            member_id: Set(member.0),
            secret: Set(secret.encoded()),
            confirmed_at: Set(None),
            last_step: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(secret)
    }

    /// Turns the app on with its first code, and gives the recovery codes
    /// to show once.
    pub async fn confirm_second_factor(
        &self,
        member: MemberId,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<RecoveryCode>, SecondFactorError> {
        self.code_tries(member, now).await?;
        let row = factor::Entity::find_by_id(member.0)
            .one(&self.db)
            .await?
            .filter(|row| row.confirmed_at.is_none())
            .ok_or(SecondFactorError::NotSetUp)?;
        let step = secret_of(&row)?.accept(typed, now, None)?;
        let txn = self.db.begin().await?;
        let confirmed = factor::Entity::update_many()
            .col_expr(factor::Column::ConfirmedAt, Expr::value(now))
            .col_expr(factor::Column::LastStep, Expr::value(step))
            .filter(factor::Column::MemberId.eq(member.0))
            .filter(factor::Column::ConfirmedAt.is_null())
            .exec(&txn)
            .await?;
        if confirmed.rows_affected == 0 {
            return Err(SecondFactorError::NotSetUp);
        }
        let codes = replace_recovery_codes(&txn, member).await?;
        txn.commit().await?;
        Ok(codes)
    }

    /// A new set of recovery codes in place of the old, for a member whose
    /// app is on (after a code proved it is them).
    pub async fn new_recovery_codes(
        &self,
        member: MemberId,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<RecoveryCode>, SecondFactorError> {
        self.pass_second_factor(member, typed, now).await?;
        let txn = self.db.begin().await?;
        let codes = replace_recovery_codes(&txn, member).await?;
        txn.commit().await?;
        Ok(codes)
    }

    /// Checks the second step of a sign-in: a code from the app, or an
    /// unspent recovery code (spent by this).
    pub async fn pass_second_factor(
        &self,
        member: MemberId,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Passed, SecondFactorError> {
        self.code_tries(member, now).await?;
        let row = factor::Entity::find_by_id(member.0)
            .one(&self.db)
            .await?
            .filter(|row| row.confirmed_at.is_some())
            .ok_or(SecondFactorError::NotSetUp)?;
        if let Some(code) = RecoveryCode::parse(typed) {
            let spent = recovery::Entity::update_many()
                .col_expr(recovery::Column::UsedAt, Expr::value(now))
                .filter(recovery::Column::MemberId.eq(member.0))
                .filter(recovery::Column::Digest.eq(code.digest()))
                .filter(recovery::Column::UsedAt.is_null())
                .exec(&self.db)
                .await?;
            if spent.rows_affected == 0 {
                return Err(CodeError::Wrong.into());
            }
            let left = recovery::Entity::find()
                .filter(recovery::Column::MemberId.eq(member.0))
                .filter(recovery::Column::UsedAt.is_null())
                .count(&self.db)
                .await?;
            return Ok(Passed::RecoveryCode { left });
        }
        let step = secret_of(&row)?.accept(typed, now, row.last_step)?;
        // Taken only if no other request took this step (or a later one)
        // since the row was read.
        let taken = factor::Entity::update_many()
            .col_expr(factor::Column::LastStep, Expr::value(step))
            .filter(factor::Column::MemberId.eq(member.0))
            .filter(
                Condition::any()
                    .add(factor::Column::LastStep.is_null())
                    .add(factor::Column::LastStep.lt(step)),
            )
            .exec(&self.db)
            .await?;
        if taken.rows_affected == 0 {
            return Err(CodeError::Used.into());
        }
        Ok(Passed::AppCode)
    }

    /// Turns the second factor off (the member, after a code; or an admin
    /// above them, with a password reset, for a person who lost both their
    /// phone and their recovery codes).
    pub async fn remove_second_factor(&self, member: MemberId) -> StoreResult<()> {
        let txn = self.db.begin().await?;
        recovery::Entity::delete_many()
            .filter(recovery::Column::MemberId.eq(member.0))
            .exec(&txn)
            .await?;
        factor::Entity::delete_by_id(member.0).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn code_tries(
        &self,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<(), SecondFactorError> {
        match self
            .within_limits(&[(format!("second-factor:{member}"), TRIES)], now)
            .await?
        {
            Some(retry_after) => Err(SecondFactorError::Throttled { retry_after }),
            None => Ok(()),
        }
    }
}

async fn replace_recovery_codes(
    txn: &sea_orm::DatabaseTransaction,
    member: MemberId,
) -> StoreResult<Vec<RecoveryCode>> {
    let mut rng = rand::rngs::StdRng::from_seed(random_bytes::<32>());
    let codes = RecoveryCode::generate_set(&mut rng);
    recovery::Entity::delete_many()
        .filter(recovery::Column::MemberId.eq(member.0))
        .exec(txn)
        .await?;
    recovery::Entity::insert_many(codes.iter().map(|code| recovery::ActiveModel {
        member_id: Set(member.0),
        digest: Set(code.digest()),
        used_at: Set(None),
        ..Default::default()
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(codes)
}
