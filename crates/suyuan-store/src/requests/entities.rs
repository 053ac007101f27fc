//! The requests' tables.

pub(crate) mod category {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_categories")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub description: String,
        pub group_name: String,
        pub normal_acknowledge: String,
        pub normal_resolve: String,
        pub urgent_acknowledge: String,
        pub urgent_resolve: String,
        pub position: i32,
        pub active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod route {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_routes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub category_id: Option<i64>,
        pub area_unit_id: i64,
        pub unit_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod calendar_day {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "calendar_days")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub kind: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod request {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub category_id: i64,
        pub urgency: String,
        pub description: String,
        pub address: String,
        pub lat: Option<f64>,
        pub long: Option<f64>,
        pub area_unit_id: i64,
        pub unit_id: i64,
        pub state: String,
        pub zone: String,
        pub received_at: DateTimeUtc,
        pub assigned_at: DateTimeUtc,
        pub acknowledge_due: DateTimeUtc,
        pub resolve_due: DateTimeUtc,
        pub extension_until: Option<DateTimeUtc>,
        pub answered_at: Option<DateTimeUtc>,
        pub answer: String,
        pub stars: Option<i32>,
        pub reopened: i32,
        pub escalation: i32,
        pub reminded_due: Option<DateTimeUtc>,
        pub next_check_at: Option<DateTimeUtc>,
        pub hidden: bool,
        pub contact_name: String,
        pub contact_phone: String,
        pub contact_email: String,
        pub key_id: Option<i64>,
        pub version: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub kind: String,
        pub unit_id: i64,
        pub other_unit_id: Option<i64>,
        pub at: DateTimeUtc,
        pub due_at: Option<DateTimeUtc>,
        pub value: Option<i64>,
        pub note: String,
        pub by_member: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_photos")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub width: i32,
        pub height: i32,
        pub data: Vec<u8>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod contact_view {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_contact_views")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub member_id: i64,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod request_day {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_days")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub received: i64,
        pub acknowledged: i64,
        pub acknowledged_on_time: i64,
        pub answered: i64,
        pub resolved: i64,
        pub resolved_on_time: i64,
        pub rated: i64,
        pub stars: i64,
        pub satisfied: i64,
        pub reopened: i64,
        pub escalated: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod open311_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "open311_keys")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub unit_id: i64,
        pub name: String,
        pub key_hash: String,
        pub created_by: i64,
        pub created_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
