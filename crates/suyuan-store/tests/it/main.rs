//! The store's story, run against SQLite and (when it answers) PostgreSQL.

mod audit;
mod auth;
mod campaigns;
mod exams;
mod gatherings;
mod library;
mod location;
mod members;
mod pledges;
mod progress;
mod public;
mod questions;
mod reading;
mod requests;
mod second_factor;
mod sites;
mod units;
mod upgrade;

use chrono::{DateTime, TimeZone, Utc};
use suyuan_core::library::Markup;
use suyuan_core::units::UnitKind;
use suyuan_store::Store;
pub use suyuan_store::testing::add_unit;
use suyuan_store::units::Unit;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0)
        .single()
        .expect("a valid time")
}

/// 浙江省 → 杭州市 → 西湖区 → 翠苑一区社区, and 浙江省 → 淳安县 → 下姜村.
pub struct Province {
    pub province: Unit,
    pub hangzhou: Unit,
    pub xihu: Unit,
    pub cuiyuan: Unit,
    pub chunan: Unit,
    pub xiajiang: Unit,
}

pub async fn province(store: &Store) -> Province {
    let province = add_unit(store, None, "zj", "浙江省", UnitKind::Province).await;
    let hangzhou = add_unit(store, Some(&province), "zj-hz", "杭州市", UnitKind::City).await;
    let xihu = add_unit(
        store,
        Some(&hangzhou),
        "zj-hz-xh",
        "西湖区",
        UnitKind::District,
    )
    .await;
    let cuiyuan = add_unit(
        store,
        Some(&xihu),
        "zj-hz-xh-cy1",
        "翠苑一区社区",
        UnitKind::Community,
    )
    .await;
    let chunan = add_unit(store, Some(&province), "zj-ca", "淳安县", UnitKind::County).await;
    let xiajiang = add_unit(
        store,
        Some(&chunan),
        "zj-ca-xj",
        "下姜村",
        UnitKind::Village,
    )
    .await;
    Province {
        province,
        hangzhou,
        xihu,
        cuiyuan,
        chunan,
        xiajiang,
    }
}

/// A member of `unit`, with no password.
pub async fn member(store: &Store, unit: &Unit, number: &str) -> suyuan_core::members::MemberId {
    use suyuan_core::members::{MemberNumber, PersonName};
    store
        .create_member(
            suyuan_store::members::NewMember {
                unit: unit.id,
                number: MemberNumber::parse(number).expect("number"),
                name: PersonName::parse("张三").expect("name"),
                phone: None,
                role: suyuan_core::access::Role::Member,
                password_hash: String::new(),
                must_change_password: false,
            },
            now(),
        )
        .await
        .expect("member")
        .id
}

/// A public collection parsed from `text` and imported for `owner`.
pub async fn public_collection(
    store: &Store,
    owner: &Unit,
    name: &str,
    text: &str,
) -> suyuan_core::library::CollectionId {
    use suyuan_core::library::{Visibility, parse_text};
    use suyuan_store::library::{Imported, NewCollection};
    let parsed = parse_text(name, text, Markup::Markdown).expect("parses");
    let imported = store
        .import_collections(
            &[NewCollection {
                category: "",
                parsed: &parsed,
                owner: owner.id,
                visibility: Visibility::Public,
            }],
            now(),
        )
        .await
        .expect("import");
    match imported[0] {
        Imported::Created { id, .. } | Imported::AlreadyThere { id, .. } => id,
    }
}
