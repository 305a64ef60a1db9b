//! Many DMS objects in one call: the filtered, paged describes and the `ResourceArnList` tag
//! listing behind the coalesced reads (`aws::dms_coalesced`).

use std::collections::BTreeMap;

use aws_sdk_databasemigration::types::Filter;

use super::{
    SdkDms, connection_from_sdk, endpoint_from_sdk, instance_from_sdk, pages_or_none, subnet_group_from_sdk,
    task_from_sdk,
};
use crate::aws::dms::{Connection, Endpoint, ReplicationInstance, ReplicationSubnetGroup, ReplicationTask, Tags};
use crate::aws::error::{AwsError, ErrorKind};

/// Identifiers per request: DMS documents no limit on a filter's values or on `ResourceArnList`,
/// so a request never carries more than one page's worth (`MaxRecords` is at most 100).
pub(super) const PER_REQUEST: usize = 100;

fn filter_of_many(name: &str, values: &[String]) -> Result<Filter, AwsError> {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
        .map_err(|e| AwsError::new(ErrorKind::Other, "", format!("could not build a DMS filter: {e}")))
}

impl SdkDms {
    pub(super) async fn tasks_by_arns(&self, arns: &[String]) -> Result<Vec<ReplicationTask>, AwsError> {
        let mut out = Vec::new();
        for chunk in arns.chunks(PER_REQUEST) {
            let pages = self
                .client
                .describe_replication_tasks()
                .filters(filter_of_many("replication-task-arn", chunk)?)
                .without_settings(false)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(|e| self.err(e));
            out.extend(pages_or_none(pages)?.iter().flat_map(|p| p.replication_tasks().iter().map(task_from_sdk)));
        }
        // Emulators may ignore a filter; keep only what was asked for.
        out.retain(|t| arns.contains(&t.arn));
        Ok(out)
    }

    pub(super) async fn instances_by_arns(&self, arns: &[String]) -> Result<Vec<ReplicationInstance>, AwsError> {
        let mut out = Vec::new();
        for chunk in arns.chunks(PER_REQUEST) {
            let pages = self
                .client
                .describe_replication_instances()
                .filters(filter_of_many("replication-instance-arn", chunk)?)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(|e| self.err(e));
            out.extend(
                pages_or_none(pages)?.iter().flat_map(|p| p.replication_instances().iter().map(instance_from_sdk)),
            );
        }
        out.retain(|i| arns.contains(&i.arn));
        Ok(out)
    }

    pub(super) async fn endpoints_by_arns(&self, arns: &[String]) -> Result<Vec<Endpoint>, AwsError> {
        let mut out = Vec::new();
        for chunk in arns.chunks(PER_REQUEST) {
            let pages = self
                .client
                .describe_endpoints()
                .filters(filter_of_many("endpoint-arn", chunk)?)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(|e| self.err(e));
            out.extend(pages_or_none(pages)?.iter().flat_map(|p| p.endpoints().iter().map(endpoint_from_sdk)));
        }
        out.retain(|e| arns.contains(&e.arn));
        Ok(out)
    }

    pub(super) async fn connections_of(
        &self,
        instance_arns: &[String],
        endpoint_arns: &[String],
    ) -> Result<Vec<Connection>, AwsError> {
        let mut out = Vec::new();
        for endpoints in endpoint_arns.chunks(PER_REQUEST) {
            for instances in instance_arns.chunks(PER_REQUEST) {
                let pages = self
                    .client
                    .describe_connections()
                    .filters(filter_of_many("endpoint-arn", endpoints)?)
                    .filters(filter_of_many("replication-instance-arn", instances)?)
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map_err(|e| self.err(e));
                out.extend(pages_or_none(pages)?.iter().flat_map(|p| p.connections().iter().map(connection_from_sdk)));
            }
        }
        out.retain(|c| instance_arns.contains(&c.replication_instance_arn) && endpoint_arns.contains(&c.endpoint_arn));
        Ok(out)
    }

    pub(super) async fn subnet_groups_by_ids(&self, ids: &[String]) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(PER_REQUEST) {
            let pages = self
                .client
                .describe_replication_subnet_groups()
                .filters(filter_of_many("replication-subnet-group-id", chunk)?)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(|e| self.err(e));
            out.extend(
                pages_or_none(pages)?
                    .iter()
                    .flat_map(|p| p.replication_subnet_groups().iter().map(subnet_group_from_sdk)),
            );
        }
        out.retain(|g| ids.iter().any(|id| id.eq_ignore_ascii_case(&g.id)));
        Ok(out)
    }

    pub(super) async fn tags_of_many(&self, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
        let mut out: BTreeMap<String, Tags> = arns.iter().map(|a| (a.clone(), Tags::new())).collect();
        for chunk in arns.chunks(PER_REQUEST) {
            let answer = self
                .client
                .list_tags_for_resource()
                .set_resource_arn_list(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| self.err(e))?;
            for tag in answer.tag_list() {
                let (Some(arn), Some(key)) = (tag.resource_arn(), tag.key()) else { continue };
                if let Some(tags) = out.get_mut(arn) {
                    tags.insert(key.to_string(), tag.value().unwrap_or_default().to_string());
                }
            }
        }
        Ok(out)
    }
}
