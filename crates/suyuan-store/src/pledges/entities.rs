//! The pledges' tables.

pub(crate) mod pledge {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pledges")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub unit_id: i64,
        pub member_id: Option<i64>,
        pub title: String,
        pub description: String,
        pub beneficiaries: String,
        pub place: String,
        pub deadline: Date,
        pub zone: String,
        pub approval: String,
        pub returned_reason: String,
        pub approved_by: Option<i64>,
        pub approved_at: Option<DateTimeUtc>,
        pub completed_at: Option<DateTimeUtc>,
        pub evidence: String,
        pub overdue_counted: bool,
        pub reminded_at: Option<DateTimeUtc>,
        pub created_by: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pledge_comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pledge_id: i64,
        pub text: String,
        pub author_name: String,
        pub state: String,
        pub moderated_by: Option<i64>,
        pub moderated_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod confirmation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pledge_confirmations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pledge_id: i64,
        pub key: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod pledge_day {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pledge_days")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        pub pledged: i32,
        pub done_on_time: i32,
        pub done_late: i32,
        pub overdue: i32,
        pub confirmed: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod update {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pledge_updates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pledge_id: i64,
        pub text: String,
        pub written_by: i64,
        pub written_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pledge_photos")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pledge_id: i64,
        pub width: i32,
        pub height: i32,
        pub data: Vec<u8>,
        pub uploaded_by: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
