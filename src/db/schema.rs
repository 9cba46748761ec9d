//! One diesel schema for both backends, with portable column types only.

diesel::table! {
    regions (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        region_id -> BigInt,
        full_name -> Text,
        short_name -> Text,
        name_search -> Text,
        inn -> Text,
        ogrn -> Text,
        kpp -> Nullable<Text>,
        ownership -> Text,
        founder -> Nullable<Text>,
        serves_stationary -> Bool,
        serves_semi_stationary -> Bool,
        serves_home_based -> Bool,
        address -> Text,
        website -> Nullable<Text>,
        bus_gov_id -> Nullable<Text>,
        head_full_name -> Nullable<Text>,
        head_position -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        region_id -> Nullable<BigInt>,
        organization_id -> Nullable<BigInt>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Nullable<Text>,
        role -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        request_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
    }
}

diesel::joinable!(organizations -> regions (region_id));
diesel::allow_tables_to_appear_in_same_query!(regions, organizations, users, audit_events);
