//! Sign-in: password hashes (argon2id), sessions kept in the database so
//! that every app instance shares them, login throttling, and the app's
//! secrets.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DeleteMany, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use thiserror::Error;

use suyuan_core::access::Backoff;
use suyuan_core::members::{MemberId, NewPassword};
use suyuan_core::units::UnitPath;

use crate::batch::{BatchWriter, MOST_PADDED, all_failed, padded};
use crate::members::{Member, member_from};
use crate::{Store, StoreError, StoreResult, members, units};

pub(crate) mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub member_id: i64,
        pub kind: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod session_change {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "session_changes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        /// None: everyone's sessions.
        pub member_id: Option<i64>,
        pub changed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whose sessions changed: ended, or now standing for someone else (a new
/// role or unit). Instances that remember sessions forget these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange {
    Member(MemberId),
    Everyone,
}

/// A session to look up: its token, how it came (a cookie or a bearer
/// token) and when it is used.
#[derive(Debug, Clone)]
pub struct SessionQuery {
    pub token: Token,
    pub kind: SessionKind,
    pub now: DateTime<Utc>,
}

/// This instance's session lookups: lookups that arrive together (a
/// burst of phones at the morning peak) share one `session_members`.
pub type SessionLookup = BatchWriter<SessionQuery, Option<Member>>;

/// How long a session change is kept: far longer than any instance goes
/// between two looks at them.
const SESSION_CHANGES_KEPT: Duration = Duration::hours(1);

/// Records a change for the other instances, and drops old ones.
pub(crate) async fn record_session_change(
    db: &impl ConnectionTrait,
    change: SessionChange,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    session_change::Entity::insert(session_change::ActiveModel {
        member_id: Set(match change {
            SessionChange::Member(member) => Some(member.0),
            SessionChange::Everyone => None,
        }),
        changed_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    session_change::Entity::delete_many()
        .filter(session_change::Column::ChangedAt.lt(now - SESSION_CHANGES_KEPT))
        .exec(db)
        .await?;
    Ok(())
}

pub(crate) mod login_failure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_failures")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub login_key: String,
        pub failed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod secret {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "app_secrets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub value: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use suyuan_core::access::SessionKind;

/// How a session's kind is stored.
fn kind_code(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Web => "web",
        SessionKind::Api => "api",
    }
}

/// A session's use moves its idle deadline on once this share of its idle
/// time has passed since the last move (a write an hour or so for an
/// admin at work, not one a request).
const IDLE_MOVED_AFTER: i32 = 10;

/// Where a sign-in comes from, as the web tells it: the address (failures
/// from one address slow it down, whatever account it tries) and, when the
/// browser shows one, the phone or browser a member signed in on before.
#[derive(Debug, Clone, Default)]
pub struct SignInFrom {
    pub address: Option<String>,
    pub known_device: Option<KnownDevice>,
}

/// A phone or browser where `member` signed in before (the web signs the
/// cookie that says so). Tries from it for that member are slowed by its
/// own failures only, so someone trying the account elsewhere cannot keep
/// the person out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub member: MemberId,
    pub id: String,
}

#[derive(Debug, Error)]
pub enum SignInError {
    #[error("wrong sign-in name or password")]
    WrongCredentials,
    #[error("too many failed attempts; try again in {} minute(s)", retry_minutes(*retry_after))]
    Throttled { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A wait in whole minutes, rounded up, as a person is told it.
pub fn retry_minutes(wait: Duration) -> i64 {
    (wait.num_seconds().max(1) + 59) / 60
}

/// A secret token handed out once; only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the token is known by where it must not be kept itself.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

pub fn random_token() -> Token {
    Token(hex::encode(random_bytes::<32>()))
}

/// Bytes from the operating system's generator, for secrets and tokens.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS's generator failing leaves nothing safe to do.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    bytes
}

/// Hashes a password with argon2id and a fresh salt (slow by design: call
/// it off the async runtime's threads in servers).
pub fn hash_password(password: &NewPassword) -> StoreResult<String> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Unavailable(format!("cannot hash the password: {e}")))
}

/// Argon2 takes about 19 MiB and tens of milliseconds a hash. Servers run
/// it here: off the async threads, and at most one per core at a time, so
/// that a burst of sign-ins queues instead of exhausting memory.
async fn argon2_off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> StoreResult<T> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _permit = permits
        .acquire()
        .await
        .map_err(|e| StoreError::Unavailable(format!("password hashing stopped: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Unavailable(format!("password hashing failed: {e}")))
}

/// `hash_password` for servers: see `argon2_off_thread`.
pub async fn hash_password_off_thread(password: &NewPassword) -> StoreResult<String> {
    let password = password.clone();
    argon2_off_thread(move || hash_password(&password)).await?
}

fn verify_password(hash: Option<&str>, candidate: &str) -> bool {
    // Someone without a hash is checked against a dummy one, so that a
    // wrong name takes as long as a wrong password.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        NewPassword::parse("not a real password")
            .ok()
            .and_then(|p| hash_password(&p).ok())
            .unwrap_or_default()
    });
    let stored = hash.unwrap_or(dummy);
    let verified = PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    verified && hash.is_some()
}

/// The throttling key of a name that matches nobody.
fn login_key(login: &str) -> String {
    let tidy: String = suyuan_core::text::half_width(login)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(90)
        .collect();
    format!("name:{tidy}")
}

impl Store {
    /// Checks a sign-in name (member number or phone) and password. Each
    /// failure slows the next try on its keys (core's `Backoff`): the
    /// account and the address, or for a known device that device alone.
    /// A refused try checks no password and counts as no failure.
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        from: &SignInFrom,
        now: DateTime<Utc>,
    ) -> Result<Member, SignInError> {
        let found = self.member_for_login(login).await?;
        // One key per account however its name is written (number or
        // phone, any spelling); unknown names by their tidied spelling.
        let account = match &found {
            Some((member, _)) => format!("member:{}", member.id),
            None => login_key(login),
        };
        let device = from
            .known_device
            .as_ref()
            .filter(|device| found.as_ref().is_some_and(|(m, _)| m.id == device.member));
        let keys: Vec<(String, Backoff)> = match device {
            Some(device) => vec![(format!("device:{}", device.id), Backoff::KNOWN_DEVICE)],
            None => std::iter::once((account.clone(), Backoff::ACCOUNT))
                .chain(
                    from.address
                        .iter()
                        .map(|address| (format!("address:{address}"), Backoff::ADDRESS)),
                )
                .collect(),
        };
        // The try is recorded before the (slow) check and counted after,
        // so that tries sent at once see each other and cannot all slip
        // under the limit; a refused or successful try is taken back.
        let mut recorded = Vec::with_capacity(keys.len());
        let mut next_try: Option<DateTime<Utc>> = None;
        for (key, rule) in &keys {
            let id = login_failure::Entity::insert(login_failure::ActiveModel {
                login_key: Set(key.clone()),
                failed_at: Set(now),
                ..Default::default()
            })
            .exec(&self.db)
            .await
            .map_err(StoreError::from)?
            .last_insert_id;
            recorded.push(id);
            let others = || {
                login_failure::Entity::find()
                    .filter(login_failure::Column::LoginKey.eq(key.as_str()))
                    .filter(login_failure::Column::FailedAt.gt(now - Backoff::WINDOW))
                    .filter(login_failure::Column::Id.ne(id))
            };
            let failures = others().count(&self.db).await.map_err(StoreError::from)?;
            if failures < rule.free {
                continue;
            }
            let last = others()
                .order_by_desc(login_failure::Column::FailedAt)
                .one(&self.db)
                .await
                .map_err(StoreError::from)?;
            if let Some(at) = last.and_then(|last| rule.next_try(failures, last.failed_at, now)) {
                next_try = next_try.max(Some(at));
            }
        }
        let take_back = |ids: Vec<i64>| async move {
            login_failure::Entity::delete_many()
                .filter(login_failure::Column::Id.is_in(ids))
                .exec(&self.db)
                .await
                .map_err(StoreError::from)
        };
        if let Some(at) = next_try {
            take_back(recorded).await?;
            return Err(SignInError::Throttled {
                retry_after: at - now,
            });
        }
        let hash = found.as_ref().and_then(|(_, hash)| hash.clone());
        let candidate = password.to_owned();
        let verified =
            argon2_off_thread(move || verify_password(hash.as_deref(), &candidate)).await?;
        match found {
            Some((member, _)) if verified => {
                take_back(recorded).await?;
                // The person is in: what was tried on their account and
                // this device is forgotten (not what their address tried).
                login_failure::Entity::delete_many()
                    .filter(
                        login_failure::Column::LoginKey.is_in(
                            keys.into_iter()
                                .map(|(key, _)| key)
                                .filter(|key| !key.starts_with("address:"))
                                .chain([account]),
                        ),
                    )
                    .exec(&self.db)
                    .await
                    .map_err(StoreError::from)?;
                Ok(member)
            }
            _ => Err(SignInError::WrongCredentials),
        }
    }

    /// Starts a session. Its `expires_at` is its idle deadline, moved on
    /// as it is used; `created_at` bounds its whole life.
    pub async fn create_session(
        &self,
        member: &Member,
        kind: SessionKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Token> {
        let token = random_token();
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token.hash()),
            member_id: Set(member.id.0),
            kind: Set(kind_code(kind).to_owned()),
            created_at: Set(now),
            expires_at: Set(now + kind.idle(member.role)),
        })
        .exec(&self.db)
        .await?;
        Ok(token)
    }

    /// The member a live session belongs to.
    pub async fn session_member(
        &self,
        token: &Token,
        kind: SessionKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Member>> {
        let query = SessionQuery {
            token: token.clone(),
            kind,
            now,
        };
        Ok(self.session_members(&[query]).await?.pop().flatten())
    }

    /// The members live sessions belong to, in the order asked: `None`
    /// for a token that is unknown, expired or of the other kind. Two
    /// primary-key lookups however many are asked (in chunks past
    /// `MOST_PADDED`): the sessions, then their members with their units.
    /// On SQLite each statement is a round trip to a connection's thread
    /// and starts from a page cache the last write emptied, so asking for
    /// many at once shares both.
    pub async fn session_members(
        &self,
        queries: &[SessionQuery],
    ) -> StoreResult<Vec<Option<Member>>> {
        let hashes: Vec<String> = queries.iter().map(|q| q.token.hash()).collect();
        let mut sessions: HashMap<String, session::Model> = HashMap::new();
        for chunk in hashes.chunks(MOST_PADDED) {
            let found = session::Entity::find()
                .filter(session::Column::TokenHash.is_in(padded(chunk)))
                .all(&self.db)
                .await?;
            sessions.extend(found.into_iter().map(|s| (s.token_hash.clone(), s)));
        }
        let owners: Vec<Option<i64>> = queries
            .iter()
            .zip(&hashes)
            .map(|(query, hash)| {
                let session = sessions.get(hash)?;
                (session.kind == kind_code(query.kind)
                    && session.expires_at > query.now
                    && session.created_at + query.kind.lifetime() > query.now)
                    .then_some(session.member_id)
            })
            .collect();
        let ids: Vec<i64> = owners
            .iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut members: HashMap<i64, Member> = HashMap::new();
        for chunk in ids.chunks(MOST_PADDED) {
            let found = members::entity::Entity::find()
                .filter(members::entity::Column::Id.is_in(padded(chunk)))
                .find_also_related(units::entity::Entity)
                .all(&self.db)
                .await?;
            for (member, unit) in found {
                members.insert(member.id, member_from(member, unit)?);
            }
        }
        // Sessions in use have their idle deadline moved on, a statement
        // for each deadline (one per role and kind asked at one time).
        let mut moved: HashMap<DateTime<Utc>, Vec<String>> = HashMap::new();
        for ((query, hash), owner) in queries.iter().zip(&hashes).zip(&owners) {
            let (Some(session), Some(member)) =
                (sessions.get(hash), owner.and_then(|id| members.get(&id)))
            else {
                continue;
            };
            let idle = query.kind.idle(member.role);
            let deadline = query.now + idle;
            if session.expires_at < deadline - idle / IDLE_MOVED_AFTER {
                moved.entry(deadline).or_default().push(hash.clone());
            }
        }
        for (deadline, hashes) in moved {
            session::Entity::update_many()
                .col_expr(session::Column::ExpiresAt, Expr::value(deadline))
                .filter(session::Column::TokenHash.is_in(hashes))
                .exec(&self.db)
                .await?;
        }
        Ok(owners
            .into_iter()
            .map(|owner| owner.and_then(|id| members.get(&id).cloned()))
            .collect())
    }

    /// Starts this instance's session lookups on the current runtime.
    pub fn session_lookup(&self) -> SessionLookup {
        let store = self.clone();
        BatchWriter::start("session lookup", MOST_PADDED, move |queries| {
            let store = store.clone();
            async move {
                match store.session_members(&queries).await {
                    Ok(members) => members.into_iter().map(Ok).collect(),
                    Err(err) => all_failed(&queries, &err),
                }
            }
        })
    }

    /// The session changes recorded since `since` (see `SessionChange`).
    pub async fn session_changes_since(
        &self,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionChange>> {
        let members: Vec<Option<i64>> = session_change::Entity::find()
            .select_only()
            .column(session_change::Column::MemberId)
            .filter(session_change::Column::ChangedAt.gte(since))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(members
            .into_iter()
            .map(|member| {
                member.map_or(SessionChange::Everyone, |m| {
                    SessionChange::Member(MemberId(m))
                })
            })
            .collect())
    }

    /// Ends the sessions `which` selects and records the change for the
    /// other instances, in one transaction: how many ended.
    async fn end_sessions(
        &self,
        which: DeleteMany<session::Entity>,
        change: SessionChange,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let txn = self.db.begin().await?;
        let ended = which.exec(&txn).await?.rows_affected;
        record_session_change(&txn, change, now).await?;
        txn.commit().await?;
        Ok(ended)
    }

    /// Signs a member out everywhere.
    pub async fn end_all_sessions(&self, member: MemberId, now: DateTime<Utc>) -> StoreResult<u64> {
        let theirs = session::Entity::delete_many().filter(session::Column::MemberId.eq(member.0));
        self.end_sessions(theirs, SessionChange::Member(member), now)
            .await
    }

    /// Signs out every member of a subtree.
    pub async fn end_sessions_within(
        &self,
        within: &UnitPath,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let (low, high) = within.subtree_range();
        let members_within = members::entity::Entity::find()
            .select_only()
            .column(members::entity::Column::Id)
            .inner_join(units::entity::Entity)
            .filter(units::entity::Column::Path.gte(low))
            .filter(units::entity::Column::Path.lt(high))
            .into_query();
        let theirs = session::Entity::delete_many()
            .filter(session::Column::MemberId.in_subquery(members_within));
        self.end_sessions(theirs, SessionChange::Everyone, now)
            .await
    }

    /// Opens a session for each of `members`, in one transaction (the
    /// bench signs in thousands at once; its storage baseline writes
    /// sessions this way too). The tokens come in the members' order.
    #[cfg(feature = "bench")]
    pub async fn create_sessions(
        &self,
        members: &[MemberId],
        kind: SessionKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Token>> {
        let tokens: Vec<Token> = members.iter().map(|_| random_token()).collect();
        let txn = self.db.begin().await?;
        // Five columns a row stays under every database's parameter limit.
        for chunk in members
            .iter()
            .zip(&tokens)
            .collect::<Vec<_>>()
            .chunks(1_000)
        {
            // Scripts' and the bench's sessions: the longest idle time.
            let rows = chunk.iter().map(|(member, token)| session::ActiveModel {
                token_hash: Set(token.hash()),
                member_id: Set(member.0),
                kind: Set(kind_code(kind).to_owned()),
                created_at: Set(now),
                expires_at: Set(now + kind.idle(suyuan_core::access::Role::Member)),
            });
            session::Entity::insert_many(rows).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(tokens)
    }

    pub async fn end_session(&self, token: &Token, now: DateTime<Utc>) -> StoreResult<()> {
        let hash = token.hash();
        let Some(session) = session::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let this = session::Entity::delete_many().filter(session::Column::TokenHash.eq(hash));
        let whose = SessionChange::Member(MemberId(session.member_id));
        self.end_sessions(this, whose, now).await?;
        Ok(())
    }

    /// Sets a new password and ends the member's other sessions.
    pub async fn change_password(
        &self,
        member: MemberId,
        password: &NewPassword,
        keep: Option<&Token>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let hash = hash_password_off_thread(password).await?;
        self.set_password_hash(&[member], hash, false, now).await?;
        let mut others =
            session::Entity::delete_many().filter(session::Column::MemberId.eq(member.0));
        if let Some(keep) = keep {
            others = others.filter(session::Column::TokenHash.ne(keep.hash()));
        }
        self.end_sessions(others, SessionChange::Member(member), now)
            .await?;
        Ok(())
    }

    /// Sets a password an administrator chose; the member must change it,
    /// and signs in without a second step until they set one up again.
    pub async fn reset_password(
        &self,
        member: MemberId,
        password: &NewPassword,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let hash = hash_password(password)?;
        self.set_password_hash(&[member], hash, true, now).await?;
        self.end_all_sessions(member, now).await?;
        // The person's way in when someone keeps trying their account:
        // an admin's new password opens it at once.
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::LoginKey.eq(format!("member:{member}")))
            .exec(&self.db)
            .await?;
        // And for a person who lost their phone and their recovery codes,
        // their authenticator app is forgotten: they set it up again.
        self.remove_second_factor(member).await
    }

    /// A named secret shared by every instance, made on first use.
    pub async fn secret(&self, name: &str) -> StoreResult<String> {
        secret::Entity::insert(secret::ActiveModel {
            name: Set(name.to_owned()),
            value: Set(random_token().expose().to_owned()),
        })
        .on_conflict_do_nothing()
        .exec(&self.db)
        .await?;
        secret::Entity::find_by_id(name.to_owned())
            .one(&self.db)
            .await?
            .map(|row| row.value)
            .ok_or(StoreError::NotFound)
    }
}
