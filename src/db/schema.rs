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
        credentials_changed_at -> Nullable<Timestamp>,
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
        region_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    cycles (id) {
        id -> BigInt,
        region_id -> BigInt,
        year -> Integer,
        sector -> Text,
        methodology_id -> Text,
        settings_json -> Text,
        operator_name -> Nullable<Text>,
        operator_contract_number -> Nullable<Text>,
        operator_contract_date -> Nullable<Date>,
        council_decision_number -> Nullable<Text>,
        council_decision_date -> Nullable<Date>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        latest_approval_id -> Nullable<BigInt>,
        published_approval_id -> Nullable<BigInt>,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    approvals (id) {
        id -> BigInt,
        cycle_id -> BigInt,
        number -> Integer,
        decision_number -> Text,
        decision_date -> Date,
        approved_by -> Nullable<Text>,
        approved_at -> Timestamp,
        content_json -> Text,
        meeting_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    proposals (id) {
        id -> BigInt,
        cycle_id -> BigInt,
        organization_id -> Nullable<BigInt>,
        criterion -> Nullable<Text>,
        text -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        meeting_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    council_meetings (id) {
        id -> BigInt,
        region_id -> BigInt,
        held_on -> Date,
        number -> Nullable<Text>,
        title -> Text,
        agenda_json -> Text,
        decisions_json -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    cycle_deadlines (id) {
        id -> BigInt,
        cycle_id -> BigInt,
        position -> Integer,
        kind -> Text,
        due_on -> Date,
        title -> Text,
    }
}

diesel::table! {
    cycle_organizations (cycle_id, organization_id) {
        cycle_id -> BigInt,
        organization_id -> BigInt,
        year -> Integer,
    }
}

diesel::table! {
    cycle_operators (cycle_id, user_id) {
        cycle_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    evaluations (id) {
        id -> BigInt,
        cycle_id -> BigInt,
        organization_id -> BigInt,
        inputs_json -> Nullable<Text>,
        survey_json -> Nullable<Text>,
        results_json -> Nullable<Text>,
        total -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    survey_responses (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        answers -> Text,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        key -> Text,
        actor -> Text,
        route -> Text,
        request_hash -> Text,
        status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        work_done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    data_versions (name) {
        name -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    plans (id) {
        id -> BigInt,
        region_id -> BigInt,
        organization_id -> Nullable<BigInt>,
        cycle_id -> Nullable<BigInt>,
        year -> Integer,
        methodology_id -> Text,
        title -> Text,
        basis -> Nullable<Text>,
        approver_position -> Nullable<Text>,
        approver_name -> Nullable<Text>,
        approved_on -> Nullable<Date>,
        approval_document -> Nullable<Text>,
        due_date -> Nullable<Date>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decision_number -> Nullable<Text>,
        decision_date -> Nullable<Date>,
        decision_title -> Nullable<Text>,
    }
}

diesel::table! {
    plan_sections (id) {
        id -> BigInt,
        plan_id -> BigInt,
        position -> Integer,
        criterion -> Nullable<Text>,
        heading -> Text,
    }
}

diesel::table! {
    measures (id) {
        id -> BigInt,
        plan_id -> BigInt,
        section_id -> BigInt,
        position -> Integer,
        number -> Nullable<Text>,
        shortcoming -> Nullable<Text>,
        evaluation_id -> Nullable<BigInt>,
        indicator -> Nullable<Text>,
        title -> Text,
        basis -> Nullable<Text>,
        deadline_text -> Text,
        deadline_json -> Text,
        executors_json -> Text,
        expected_result -> Nullable<Text>,
        result_indicators -> Nullable<Text>,
        information_source -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        plan_id -> BigInt,
        period_kind -> Text,
        period_year -> Integer,
        period_number -> Integer,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        signatory_position -> Nullable<Text>,
        signatory_name -> Nullable<Text>,
        signed_on -> Nullable<Date>,
    }
}

diesel::table! {
    report_entries (id) {
        id -> BigInt,
        report_id -> BigInt,
        measure_id -> BigInt,
        execution_info -> Nullable<Text>,
        measures_taken -> Nullable<Text>,
        actual_date -> Nullable<Date>,
        result -> Nullable<Text>,
        figures_json -> Text,
        evidence_json -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    changes (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        resource_type -> Text,
        resource_id -> Text,
        action -> Text,
        region_id -> Nullable<BigInt>,
        organization_id -> Nullable<BigInt>,
        public -> Bool,
        was_public -> Bool,
        payload_json -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        owner_id -> Nullable<BigInt>,
        owner -> Text,
        owner_role -> Text,
        owner_region_id -> Nullable<BigInt>,
        owner_organization_id -> Nullable<BigInt>,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_outbox (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        change_id -> Nullable<BigInt>,
        event_type -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        leased_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        subscription_id -> BigInt,
        attempt -> Integer,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    login_windows (key) {
        key -> Text,
        started_at_ms -> BigInt,
        attempts -> Integer,
    }
}

diesel::table! {
    organizing_plans (id) {
        id -> BigInt,
        region_id -> BigInt,
        year_from -> Integer,
        year_to -> Integer,
        title -> Text,
        order_number -> Nullable<Text>,
        order_date -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organizing_targets (id) {
        id -> BigInt,
        plan_id -> BigInt,
        position -> Integer,
        number -> Nullable<Text>,
        name -> Text,
        computed_from -> Nullable<Text>,
        values_json -> Text,
    }
}

diesel::table! {
    organizing_measures (id) {
        id -> BigInt,
        plan_id -> BigInt,
        position -> Integer,
        number -> Nullable<Text>,
        title -> Text,
        form -> Nullable<Text>,
        deadline_text -> Text,
        deadline_json -> Text,
        executors -> Nullable<Text>,
        status -> Text,
    }
}

diesel::table! {
    operators (id) {
        id -> BigInt,
        region_id -> BigInt,
        name -> Text,
        inn -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    operator_contracts (id) {
        id -> BigInt,
        operator_id -> BigInt,
        number -> Text,
        concluded_on -> Date,
        subject -> Text,
        starts_on -> Date,
        ends_on -> Date,
        technical_task -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    operator_contract_cycles (contract_id, cycle_id) {
        contract_id -> BigInt,
        cycle_id -> BigInt,
    }
}

diesel::table! {
    operator_members (operator_id, user_id) {
        operator_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::joinable!(organizations -> regions (region_id));
diesel::joinable!(evaluations -> cycles (cycle_id));
diesel::joinable!(evaluations -> organizations (organization_id));
diesel::joinable!(survey_responses -> evaluations (evaluation_id));
diesel::joinable!(cycles -> regions (region_id));
diesel::joinable!(proposals -> cycles (cycle_id));
diesel::joinable!(plan_sections -> plans (plan_id));
diesel::joinable!(measures -> plan_sections (section_id));
diesel::joinable!(reports -> plans (plan_id));
diesel::joinable!(report_entries -> reports (report_id));
diesel::joinable!(report_entries -> measures (measure_id));
diesel::joinable!(webhook_outbox -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_outbox -> changes (change_id));
diesel::joinable!(webhook_deliveries -> webhook_outbox (outbox_id));
diesel::joinable!(webhook_subscriptions -> users (owner_id));
diesel::joinable!(council_meetings -> regions (region_id));
diesel::joinable!(cycle_deadlines -> cycles (cycle_id));
diesel::joinable!(cycle_organizations -> cycles (cycle_id));
diesel::joinable!(cycle_organizations -> organizations (organization_id));
diesel::joinable!(cycle_operators -> cycles (cycle_id));
diesel::joinable!(cycle_operators -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    regions,
    organizations,
    users,
    audit_events,
    cycles,
    approvals,
    proposals,
    council_meetings,
    cycle_deadlines,
    plans,
    plan_sections,
    measures,
    reports,
    report_entries,
    changes,
    webhook_subscriptions,
    webhook_outbox,
    webhook_deliveries,
    cycle_organizations,
    cycle_operators,
    evaluations,
    survey_responses,
    idempotency_keys,
    data_versions,
);
