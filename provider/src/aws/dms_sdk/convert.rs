//! Between the SDK's DMS types and the domain types of `aws::dms`: filters, lookups of exactly one, and the conversions of tasks, instances, endpoints, subnet groups, connections and tags.

use super::*;

pub(super) fn filter_of(name: &str, value: &str) -> Result<Filter, AwsError> {
    Filter::builder()
        .name(name)
        .values(value)
        .build()
        .map_err(|e| AwsError::new(ErrorKind::Other, "", format!("could not build a DMS filter: {e}")))
}

pub(super) fn exactly_one<T>(mut found: Vec<T>, what: &str, key: &str) -> Result<Option<T>, AwsError> {
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        n => Err(AwsError::new(
            ErrorKind::Other,
            "TooManyResults",
            format!("expected one DMS {what} matching {key}, found {n}"),
        )),
    }
}

/// Every page of a filtered `Describe*`; none when AWS answers a filter that matches nothing with
/// `ResourceNotFoundFault`.
pub(super) fn pages_or_none<P>(pages: Result<Vec<P>, AwsError>) -> Result<Vec<P>, AwsError> {
    match pages {
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        other => other,
    }
}

pub(super) fn missing(what: &str, op: &str) -> AwsError {
    AwsError::new(ErrorKind::Other, "", format!("DMS {op} returned no {what}"))
}

pub(crate) fn task_from_sdk(t: &t::ReplicationTask) -> ReplicationTask {
    let s = |v: Option<&str>| v.unwrap_or_default().to_string();
    let o = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
    ReplicationTask {
        arn: s(t.replication_task_arn()),
        id: s(t.replication_task_identifier()),
        status: s(t.status()).to_ascii_lowercase(),
        migration_type: t.migration_type().map(|m| m.as_str().to_string()).unwrap_or_default(),
        table_mappings: s(t.table_mappings()),
        settings: o(t.replication_task_settings()),
        source_endpoint_arn: s(t.source_endpoint_arn()),
        target_endpoint_arn: s(t.target_endpoint_arn()),
        replication_instance_arn: s(t.replication_instance_arn()),
        cdc_start_position: o(t.cdc_start_position()),
        stop_reason: o(t.stop_reason()),
        last_failure_message: o(t.last_failure_message()),
        stats: t.replication_task_stats().map(stats_from_sdk),
    }
}

pub(super) fn secs(d: Option<&DateTime>) -> Option<i64> {
    d.map(DateTime::secs)
}

pub(super) fn stats_from_sdk(s: &t::ReplicationTaskStats) -> TaskStats {
    TaskStats {
        full_load_progress_percent: Some(i64::from(s.full_load_progress_percent())),
        elapsed_time_millis: Some(s.elapsed_time_millis()),
        tables_loaded: Some(i64::from(s.tables_loaded())),
        tables_loading: Some(i64::from(s.tables_loading())),
        tables_queued: Some(i64::from(s.tables_queued())),
        tables_errored: Some(i64::from(s.tables_errored())),
        fresh_start_date: secs(s.fresh_start_date()),
        start_date: secs(s.start_date()),
        stop_date: secs(s.stop_date()),
        full_load_start_date: secs(s.full_load_start_date()),
        full_load_finish_date: secs(s.full_load_finish_date()),
    }
}

pub(crate) fn table_stats_from_sdk(t: &t::TableStatistics) -> TableStats {
    TableStats {
        schema_name: t.schema_name().unwrap_or_default().to_string(),
        table_name: t.table_name().unwrap_or_default().to_string(),
        table_state: t.table_state().unwrap_or_default().to_string(),
        inserts: t.inserts(),
        updates: t.updates(),
        deletes: t.deletes(),
        ddls: t.ddls(),
        full_load_rows: t.full_load_rows(),
        full_load_error_rows: t.full_load_error_rows(),
        validation_state: t.validation_state().filter(|v| !v.is_empty()).map(str::to_string),
        last_update_time: secs(t.last_update_time()),
    }
}

pub(crate) fn instance_from_sdk(i: &t::ReplicationInstance) -> ReplicationInstance {
    let o = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
    let pending = i.pending_modified_values().map_or_else(PendingInstanceValues::default, |p| PendingInstanceValues {
        class: o(p.replication_instance_class()),
        allocated_storage: p.allocated_storage(),
        multi_az: p.multi_az(),
        engine_version: o(p.engine_version()),
    });
    ReplicationInstance {
        arn: i.replication_instance_arn().unwrap_or_default().to_string(),
        id: i.replication_instance_identifier().unwrap_or_default().to_string(),
        status: i.replication_instance_status().unwrap_or_default().to_ascii_lowercase(),
        class: i.replication_instance_class().unwrap_or_default().to_string(),
        engine_version: o(i.engine_version()),
        allocated_storage: i.allocated_storage(),
        multi_az: i.multi_az(),
        availability_zone: o(i.availability_zone()),
        preferred_maintenance_window: o(i.preferred_maintenance_window()),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade(),
        publicly_accessible: i.publicly_accessible(),
        subnet_group_id: i.replication_subnet_group().and_then(|g| o(g.replication_subnet_group_identifier())),
        vpc_security_group_ids: i
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        private_ip_addresses: i.replication_instance_private_ip_addresses().to_vec(),
        kms_key_id: o(i.kms_key_id()),
        pending,
    }
}

pub(crate) fn endpoint_from_sdk(e: &t::Endpoint) -> Endpoint {
    let o = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
    Endpoint {
        arn: e.endpoint_arn().unwrap_or_default().to_string(),
        id: e.endpoint_identifier().unwrap_or_default().to_string(),
        status: e.status().unwrap_or_default().to_ascii_lowercase(),
        endpoint_type: e.endpoint_type().map(|v| v.as_str().to_ascii_lowercase()).unwrap_or_default(),
        engine_name: e.engine_name().unwrap_or_default().to_string(),
        server_name: o(e.server_name()),
        port: e.port(),
        database_name: o(e.database_name()),
        username: o(e.username()),
        ssl_mode: e.ssl_mode().map(|m| m.as_str().to_string()),
        extra_connection_attributes: o(e.extra_connection_attributes()),
        kms_key_id: o(e.kms_key_id()),
        certificate_arn: o(e.certificate_arn()),
        secrets_manager: super::secrets::secrets_manager_from_sdk(e),
        engine_settings: super::engine_settings::engine_settings_from_sdk(e),
    }
}

/// `source`/`target` in any case → the SDK value (DMS's enum is lower-case on the wire).
pub(super) fn endpoint_type_of(v: &str) -> t::ReplicationEndpointTypeValue {
    t::ReplicationEndpointTypeValue::from(v.to_ascii_lowercase().as_str())
}

pub(crate) fn subnet_group_from_sdk(g: &t::ReplicationSubnetGroup) -> ReplicationSubnetGroup {
    ReplicationSubnetGroup {
        id: g.replication_subnet_group_identifier().unwrap_or_default().to_string(),
        description: g.replication_subnet_group_description().unwrap_or_default().to_string(),
        vpc_id: g.vpc_id().unwrap_or_default().to_string(),
        subnet_ids: g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect(),
        status: g.subnet_group_status().unwrap_or_default().to_string(),
    }
}

pub(crate) fn connection_from_sdk(c: &t::Connection) -> Connection {
    Connection {
        replication_instance_arn: c.replication_instance_arn().unwrap_or_default().to_string(),
        endpoint_arn: c.endpoint_arn().unwrap_or_default().to_string(),
        status: c.status().unwrap_or_default().to_ascii_lowercase(),
        last_failure_message: c.last_failure_message().filter(|m| !m.is_empty()).map(str::to_string),
    }
}

pub(super) fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}
