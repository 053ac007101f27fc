//! The teaching sites' tables.

macro_rules! entity {
    ($module:ident, $table:literal, { $($body:tt)* }) => {
        pub(crate) mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                $($body)*
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(site, "sites", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub kind: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub description: String,
    pub zone: String,
    pub slot_minutes: i32,
    /// Seven days' windows, Monday first, as JSON strings.
    pub hours: String,
    pub slot_capacity: i32,
    pub day_capacity: i32,
    pub min_group: i32,
    pub max_group: i32,
    pub days_ahead: i32,
    pub cancel_hours: i32,
    pub offer_hours: i32,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(site_day, "site_days", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// The day's own windows; empty when closed.
    pub windows: String,
});

entity!(site_manager, "site_managers", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
});

entity!(site_photo, "site_photos", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: i64,
    pub width: i32,
    pub height: i32,
    pub data: Vec<u8>,
    pub uploaded_by: i64,
    pub created_at: DateTimeUtc,
});

entity!(slot, "site_slots", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub site_id: i64,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub day: Date,
    pub capacity: i32,
    pub taken: i32,
    pub closed: bool,
});

entity!(day_load, "site_day_loads", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub taken: i32,
});

entity!(booking, "bookings", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub site_id: i64,
    pub slot_id: i64,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub route_id: Option<i64>,
    pub gathering_id: Option<i64>,
    pub status: String,
    pub org_name: String,
    pub org_kind: String,
    pub org_key: String,
    pub credit_code: Option<String>,
    pub org_unit_id: Option<i64>,
    pub contact_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub headcount: i32,
    /// The visitors' names, as a JSON list.
    pub roster: String,
    pub member_id: Option<i64>,
    pub offered_until: Option<DateTimeUtc>,
    pub checked_in_at: Option<DateTimeUtc>,
    pub actual_headcount: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(booking_request, "booking_requests", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub code: String,
    pub created_at: DateTimeUtc,
});

entity!(route, "site_routes", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub description: String,
    pub created_at: DateTimeUtc,
});

entity!(route_stop, "route_stops", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub route_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub site_id: i64,
    pub travel_minutes: i32,
});

entity!(booking_code, "booking_codes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub created_at: DateTimeUtc,
});
