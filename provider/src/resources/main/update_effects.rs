//! Whether a modify call of an update took effect, read back from AWS: what decides that a modify
//! whose answer was lost — or whose SDK retry met the object busy carrying out the first attempt —
//! is done. A change counts when AWS shows it, applied or pending; a modify is one atomic call, so
//! every field it sends must show. A password cannot be read back: a change of it alone is never
//! proven this way.

use crate::aws::dms::{Endpoint, ModifyEndpointInput, ModifyReplicationInstanceInput, ReplicationInstance};
use crate::aws::rds::{DbInstance, ModifyDbInstanceInput};

use super::endpoint_drift::same_setting;

/// `want` is unset, or `now` or `pending` equals it.
fn shows<T: PartialEq>(want: &Option<T>, now: &T, pending: &Option<T>) -> bool {
    want.as_ref().is_none_or(|w| w == now || pending.as_ref() == Some(w))
}

/// `want` is unset or equals `now`.
fn is<T: PartialEq>(want: &Option<T>, now: &T) -> bool {
    want.as_ref().is_none_or(|w| w == now)
}

/// Maintenance and backup windows: AWS stores them lower-case.
fn same_window(want: &Option<String>, now: &Option<String>) -> bool {
    want.as_ref().is_none_or(|w| now.as_ref().is_some_and(|n| n.eq_ignore_ascii_case(w)))
}

fn same_set(want: &Option<Vec<String>>, now: &[String]) -> bool {
    want.as_ref().is_none_or(|w| {
        let (mut a, mut b) = (w.clone(), now.to_vec());
        a.sort();
        b.sort();
        a == b
    })
}

/// Every change of `m` shows on the replication instance.
pub fn replication_instance_shows(m: &ModifyReplicationInstanceInput, ri: &ReplicationInstance) -> bool {
    let p = &ri.pending;
    shows(&m.class, &ri.class, &p.class)
        && shows(&m.allocated_storage, &ri.allocated_storage, &p.allocated_storage)
        && shows(&m.multi_az, &ri.multi_az, &p.multi_az)
        && m.engine_version
            .as_ref()
            .is_none_or(|v| ri.engine_version.as_ref() == Some(v) || p.engine_version.as_ref() == Some(v))
        && same_window(&m.preferred_maintenance_window, &ri.preferred_maintenance_window)
        && is(&m.auto_minor_version_upgrade, &ri.auto_minor_version_upgrade)
        && same_set(&m.vpc_security_group_ids, &ri.vpc_security_group_ids)
}

/// Every change of `m` shows on the RDS instance; a new master password alone shows only while
/// pending.
pub fn db_instance_shows(m: &ModifyDbInstanceInput, db: &DbInstance) -> bool {
    let p = &db.pending;
    let others = ModifyDbInstanceInput { master_password: None, ..m.clone() };
    if others.is_empty() {
        return m.master_password.is_some() && p.master_password;
    }
    shows(&m.instance_class, &db.instance_class, &p.instance_class)
        && shows(&m.allocated_storage, &db.allocated_storage, &p.allocated_storage)
        && shows(&m.engine_version, &db.engine_version, &p.engine_version)
        && shows(&m.multi_az, &db.multi_az, &p.multi_az)
        && shows(&m.backup_retention_period, &db.backup_retention_period, &p.backup_retention_period)
        && same_window(&m.backup_window, &db.backup_window)
        && same_window(&m.maintenance_window, &db.maintenance_window)
        && is(&m.deletion_protection, &db.deletion_protection)
        && is(&m.auto_minor_version_upgrade, &db.auto_minor_version_upgrade)
        && same_set(&m.vpc_security_group_ids, &db.vpc_security_group_ids)
        && m.db_subnet_group_name
            .as_ref()
            .is_none_or(|g| db.db_subnet_group_name.as_ref() == Some(g) || p.db_subnet_group_name.as_ref() == Some(g))
}

/// Every field of `m` shows on the endpoint; never with a new password (it cannot be read back,
/// and the other fields are sent unchanged with it).
pub fn endpoint_shows(m: &ModifyEndpointInput, ep: &Endpoint) -> bool {
    let opt = |want: &Option<String>, now: &Option<String>| want.as_ref().is_none_or(|w| now.as_ref() == Some(w));
    m.password.is_none()
        && opt(&m.server_name, &ep.server_name)
        && m.port.is_none_or(|p| ep.port == Some(p))
        && opt(&m.database_name, &ep.database_name)
        && opt(&m.username, &ep.username)
        && m.ssl_mode.as_ref().is_none_or(|w| same_setting(w, ep.ssl_mode.as_deref()))
        && m.extra_connection_attributes
            .as_ref()
            .is_none_or(|w| same_setting(w, ep.extra_connection_attributes.as_deref()))
        && m.certificate_arn.as_ref().is_none_or(|w| same_setting(w, ep.certificate_arn.as_deref()))
        && m.engine_name.as_ref().is_none_or(|e| e == &ep.engine_name)
        && m.endpoint_type.as_ref().is_none_or(|t| t.eq_ignore_ascii_case(&ep.endpoint_type))
        && m.secrets_manager.as_ref().is_none_or(|p| ep.secrets_manager.as_ref() == Some(p))
        && super::engine_settings::shown(&m.engine_settings, &ep.engine_settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Secret;

    #[test]
    fn a_class_change_shows_applied_or_pending_and_not_otherwise() {
        let m = ModifyReplicationInstanceInput {
            arn: "arn".into(),
            class: Some("dms.r5.large".into()),
            ..Default::default()
        };
        let mut ri = ReplicationInstance { class: "dms.t3.medium".into(), ..Default::default() };
        assert!(!replication_instance_shows(&m, &ri), "busy with something else");
        ri.pending.class = Some("dms.r5.large".into());
        assert!(replication_instance_shows(&m, &ri));
        ri.pending.class = None;
        ri.class = "dms.r5.large".into();
        assert!(replication_instance_shows(&m, &ri));
        let both = ModifyReplicationInstanceInput { allocated_storage: Some(100), ..m };
        assert!(!replication_instance_shows(&both, &ri), "every field of the one call must show");
    }

    #[test]
    fn a_db_password_alone_shows_only_while_pending() {
        let m =
            ModifyDbInstanceInput { id: "db".into(), master_password: Some(Secret::new("pw")), ..Default::default() };
        let mut db = DbInstance::default();
        assert!(!db_instance_shows(&m, &db));
        db.pending.master_password = true;
        assert!(db_instance_shows(&m, &db));
        let class = ModifyDbInstanceInput { instance_class: Some("db.r5.large".into()), ..m };
        assert!(!db_instance_shows(&class, &db));
        db.pending.instance_class = Some("db.r5.large".into());
        assert!(db_instance_shows(&class, &db));
    }

    #[test]
    fn an_endpoint_shows_its_fields_but_never_a_password() {
        let ep = Endpoint { port: Some(1526), server_name: Some("h".into()), ..Default::default() };
        let m = ModifyEndpointInput {
            arn: "a".into(),
            port: Some(1526),
            server_name: Some("h".into()),
            ..Default::default()
        };
        assert!(endpoint_shows(&m, &ep));
        assert!(!endpoint_shows(&ModifyEndpointInput { port: Some(1521), ..m.clone() }, &ep));
        assert!(!endpoint_shows(&ModifyEndpointInput { password: Some(Secret::new("pw")), ..m }, &ep));
    }
}
