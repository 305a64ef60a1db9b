//! The `tfplugin6.Provider` gRPC service: one short shim per RPC that decodes the request,
//! calls the engine, and encodes the answer. Practitioner problems (including values that do not
//! match the schema) are diagnostics; a `Status` error would mean the framing itself broke.
//!
//! RPCs for features dmslink does not offer (functions, ephemeral and list resources, state
//! stores, actions, identity) answer with valid empty responses or an "unsupported" diagnostic;
//! Terraform calls them only when the schema advertises such a feature, which ours never does.

mod rpc;

use std::sync::Arc;

use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use super::convert::{decode_error, diagnostics_to_pb, path_to_pb, schema_to_pb, schemas_to_pb};
use super::cty;
use super::pb::tfplugin6 as pb;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::provider::Provider as Engine;
use crate::engine::resource::MoveSource;
use crate::engine::value::Value;
use rpc::{capabilities, client_caps, decode, empty_stream, encode, log_done, rpc_span, unsupported};

type RpcResult<T> = Result<Response<T>, Status>;

/// Serves the engine's provider over `tfplugin6.Provider`, whatever its provider data `P`.
pub struct ProviderService<P: Send + Sync + 'static> {
    engine: Arc<Engine<P>>,
}

// Not derived: a derive would ask `P: Clone`, and only the `Arc` is cloned.
impl<P: Send + Sync + 'static> Clone for ProviderService<P> {
    fn clone(&self) -> ProviderService<P> {
        ProviderService { engine: self.engine.clone() }
    }
}

impl<P: Send + Sync + 'static> ProviderService<P> {
    pub fn new(engine: Arc<Engine<P>>) -> ProviderService<P> {
        ProviderService { engine }
    }

    /// The generated tonic server, with plugin-go's 256 MiB message limits both ways.
    pub fn into_server(self) -> pb::provider_server::ProviderServer<ProviderService<P>> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(super::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(super::MAX_MESSAGE_SIZE)
    }
}

#[tonic::async_trait]
impl<P: Send + Sync + 'static> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(&self, _: Request<pb::get_metadata::Request>) -> RpcResult<pb::get_metadata::Response> {
        let span = rpc_span("GetMetadata", "");
        let _enter = span.enter();
        let resources = self
            .engine
            .resource_schemas()
            .map(|(n, _)| pb::get_metadata::ResourceMetadata { type_name: n.to_string() })
            .collect();
        let data_sources = self
            .engine
            .data_source_schemas()
            .map(|(n, _)| pb::get_metadata::DataSourceMetadata { type_name: n.to_string() })
            .collect();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources,
            data_sources,
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        let span = rpc_span("GetProviderSchema", "");
        let _enter = span.enter();
        let resp = pb::get_provider_schema::Response {
            provider: Some(schema_to_pb(self.engine.provider_schema())),
            resource_schemas: schemas_to_pb(self.engine.resource_schemas()),
            data_source_schemas: schemas_to_pb(self.engine.data_source_schemas()),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        tracing::debug!(
            resources = resp.resource_schemas.len(),
            data_sources = resp.data_source_schemas.len(),
            "served"
        );
        Ok(Response::new(resp))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> RpcResult<pb::validate_provider_config::Response> {
        let req = request.into_inner();
        let span = rpc_span("ValidateProviderConfig", "");
        let _enter = span.enter();
        let ty = self.engine.provider_type();
        let diags = match decode(req.config.as_ref(), Some(&ty), "provider configuration") {
            Ok(config) => self.engine.validate_provider(&config),
            Err(d) => d.into(),
        };
        log_done(&diags);
        Ok(Response::new(pb::validate_provider_config::Response { diagnostics: diagnostics_to_pb(&diags) }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        let req = request.into_inner();
        let span = rpc_span("ValidateResourceConfig", &req.type_name);
        let _enter = span.enter();
        let ty = self.engine.resource_type(&req.type_name);
        let diags = match decode(req.config.as_ref(), ty, "resource configuration") {
            Ok(config) => {
                self.engine.validate_resource_config(&req.type_name, &config, client_caps(req.client_capabilities))
            }
            Err(d) => d.into(),
        };
        log_done(&diags);
        Ok(Response::new(pb::validate_resource_config::Response { diagnostics: diagnostics_to_pb(&diags) }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        let req = request.into_inner();
        let span = rpc_span("ValidateDataResourceConfig", &req.type_name);
        let _enter = span.enter();
        let ty = self.engine.data_source_type(&req.type_name);
        let diags = match decode(req.config.as_ref(), ty, "data source configuration") {
            Ok(config) => self.engine.validate_data_source_config(&req.type_name, &config),
            Err(d) => d.into(),
        };
        log_done(&diags);
        Ok(Response::new(pb::validate_data_resource_config::Response { diagnostics: diagnostics_to_pb(&diags) }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let req = request.into_inner();
        let span = rpc_span("UpgradeResourceState", &req.type_name);
        let _enter = span.enter();
        let ty = self.engine.resource_type(&req.type_name);
        let raw = req.raw_state.unwrap_or_default();
        let decoded = match ty {
            None => Ok(Value::Null),
            Some(_) if raw.json.is_empty() && !raw.flatmap.is_empty() => Err(Diagnostic::error(
                "Unsupported state format",
                format!(
                    "This {} state is in the pre-0.12 \"flatmap\" format, which dmslink never wrote. Remove it from the state and import the object again.",
                    req.type_name
                ),
            )),
            Some(_) if raw.json.is_empty() => Ok(Value::Null),
            // Stored state may lack attributes added since, or hold ones removed since: lenient.
            Some(t) => cty::json::decode_lenient(&raw.json, t).map_err(|e| decode_error("stored state", &e)),
        };
        let mut diags = Diagnostics::new();
        let mut upgraded_state = None;
        match decoded {
            Err(d) => diags.push(d),
            Ok(state) => match self.engine.upgrade_resource_state(&req.type_name, req.version, state) {
                Ok(v) => upgraded_state = encode(&v, ty, "upgraded state", &mut diags),
                Err(d) => diags.extend(d),
            },
        }
        log_done(&diags);
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_pb(&diags),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> RpcResult<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response::default()))
    }

    async fn upgrade_resource_identity(
        &self,
        _: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: None,
            diagnostics: unsupported("Resource identity"),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        let req = request.into_inner();
        let span = rpc_span("ConfigureProvider", "");
        async move {
            tracing::debug!(terraform_version = %req.terraform_version, "configuring");
            let ty = self.engine.provider_type();
            let diags = match decode(req.config.as_ref(), Some(&ty), "provider configuration") {
                Ok(config) => self.engine.configure(&config).await,
                Err(d) => d.into(),
            };
            log_done(&diags);
            Ok(Response::new(pb::configure_provider::Response { diagnostics: diagnostics_to_pb(&diags) }))
        }
        .instrument(span)
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let req = request.into_inner();
        let span = rpc_span("ReadResource", &req.type_name);
        async move {
            let ty = self.engine.resource_type(&req.type_name);
            let mut diags = Diagnostics::new();
            let mut new_state = None;
            match decode(req.current_state.as_ref(), ty, "current state") {
                Err(d) => diags.push(d),
                Ok(current) => {
                    let (v, d) = self.engine.read_resource(&req.type_name, &current).await;
                    diags.extend(d);
                    new_state = encode(&v, ty, "new state", &mut diags);
                }
            }
            log_done(&diags);
            Ok(Response::new(pb::read_resource::Response {
                new_state,
                diagnostics: diagnostics_to_pb(&diags),
                private: req.private,
                deferred: None,
                new_identity: None,
            }))
        }
        .instrument(span)
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let req = request.into_inner();
        let span = rpc_span("PlanResourceChange", &req.type_name);
        async move {
            let ty = self.engine.resource_type(&req.type_name);
            let mut diags = Diagnostics::new();
            let mut planned_state = None;
            let mut requires_replace = Vec::new();
            let inputs = decode(req.prior_state.as_ref(), ty, "prior state").and_then(|prior| {
                let proposed = decode(req.proposed_new_state.as_ref(), ty, "proposed new state")?;
                let config = decode(req.config.as_ref(), ty, "configuration")?;
                Ok((prior, proposed, config))
            });
            match inputs {
                Err(d) => diags.push(d),
                Ok((prior, proposed, config)) => {
                    let plan = self.engine.plan_resource_change(&req.type_name, &prior, &proposed, &config).await;
                    diags.extend(plan.diags);
                    requires_replace = plan.requires_replace.iter().map(path_to_pb).collect();
                    planned_state = encode(&plan.planned, ty, "planned state", &mut diags);
                }
            }
            log_done(&diags);
            Ok(Response::new(pb::plan_resource_change::Response {
                planned_state,
                requires_replace,
                // The engine keeps nothing in private state; hand Terraform's bytes back unchanged.
                planned_private: req.prior_private,
                diagnostics: diagnostics_to_pb(&diags),
                legacy_type_system: false,
                deferred: None,
                planned_identity: None,
            }))
        }
        .instrument(span)
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let req = request.into_inner();
        let span = rpc_span("ApplyResourceChange", &req.type_name);
        async move {
            let ty = self.engine.resource_type(&req.type_name);
            let mut diags = Diagnostics::new();
            let mut new_state = None;
            let inputs = decode(req.prior_state.as_ref(), ty, "prior state").and_then(|prior| {
                let planned = decode(req.planned_state.as_ref(), ty, "planned state")?;
                let config = decode(req.config.as_ref(), ty, "configuration")?;
                Ok((prior, planned, config))
            });
            match inputs {
                Err(d) => diags.push(d),
                Ok((prior, planned, config)) => {
                    let (v, d) = self.engine.apply_resource_change(&req.type_name, &prior, &planned, &config).await;
                    diags.extend(d);
                    new_state = encode(&v, ty, "new state", &mut diags);
                }
            }
            log_done(&diags);
            Ok(Response::new(pb::apply_resource_change::Response {
                new_state,
                private: req.planned_private,
                diagnostics: diagnostics_to_pb(&diags),
                legacy_type_system: false,
                new_identity: None,
            }))
        }
        .instrument(span)
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let req = request.into_inner();
        let span = rpc_span("ImportResourceState", &req.type_name);
        async move {
            let ty = self.engine.resource_type(&req.type_name);
            let (state, mut diags) = self.engine.import_resource_state(&req.type_name, &req.id).await;
            let mut imported_resources = Vec::new();
            if let Some(v) = state
                && let Some(dv) = encode(&v, ty, "imported state", &mut diags)
            {
                imported_resources.push(pb::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: Some(dv),
                    private: Vec::new(),
                    identity: None,
                });
            }
            log_done(&diags);
            Ok(Response::new(pb::import_resource_state::Response {
                imported_resources,
                diagnostics: diagnostics_to_pb(&diags),
                deferred: None,
            }))
        }
        .instrument(span)
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> RpcResult<pb::move_resource_state::Response> {
        let req = request.into_inner();
        let span = rpc_span("MoveResourceState", &req.target_type_name);
        let _enter = span.enter();
        // Only the addresses are logged: the source state is another provider's and may hold secrets.
        tracing::debug!(
            source_provider = %req.source_provider_address,
            source_type = %req.source_type_name,
            source_schema_version = req.source_schema_version,
            "moving"
        );
        let raw = req.source_state.unwrap_or_default();
        let mut diags = Diagnostics::new();
        let mut target_state = None;
        if raw.json.is_empty() {
            diags.push(Diagnostic::error(
                "Unsupported state format",
                format!(
                    "The {} state reached dmslink without its JSON attributes (empty, or in the pre-0.12 \"flatmap\" format). Refresh it with its own provider first (restore the {} resource without the `moved` block and run `terraform apply -refresh-only`), then plan the move again.",
                    req.source_type_name, req.source_type_name
                ),
            ));
        } else {
            let source = MoveSource {
                provider_address: &req.source_provider_address,
                type_name: &req.source_type_name,
                schema_version: req.source_schema_version,
                state_json: &raw.json,
            };
            let (state, d) = self.engine.move_resource_state(&req.target_type_name, &source);
            diags.extend(d);
            let ty = self.engine.resource_type(&req.target_type_name);
            if let Some(v) = state {
                target_state = encode(&v, ty, "moved state", &mut diags);
            }
        }
        log_done(&diags);
        Ok(Response::new(pb::move_resource_state::Response {
            target_state,
            diagnostics: diagnostics_to_pb(&diags),
            // The source's private data is the other provider's; dmslink keeps none of its own.
            target_private: Vec::new(),
            target_identity: None,
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let req = request.into_inner();
        let span = rpc_span("ReadDataSource", &req.type_name);
        async move {
            let ty = self.engine.data_source_type(&req.type_name);
            let mut diags = Diagnostics::new();
            let mut state = None;
            match decode(req.config.as_ref(), ty, "data source configuration") {
                Err(d) => diags.push(d),
                Ok(config) => {
                    let (v, d) = self.engine.read_data_source(&req.type_name, &config).await;
                    diags.extend(d);
                    state = encode(&v, ty, "data source state", &mut diags);
                }
            }
            log_done(&diags);
            Ok(Response::new(pb::read_data_source::Response {
                state,
                diagnostics: diagnostics_to_pb(&diags),
                deferred: None,
            }))
        }
        .instrument(span)
        .await
    }

    async fn generate_resource_config(
        &self,
        _: Request<pb::generate_resource_config::Request>,
    ) -> RpcResult<pb::generate_resource_config::Response> {
        Ok(Response::new(pb::generate_resource_config::Response {
            config: None,
            diagnostics: unsupported("Configuration generation"),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        _: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> RpcResult<pb::validate_ephemeral_resource_config::Response> {
        Ok(Response::new(pb::validate_ephemeral_resource_config::Response {
            diagnostics: unsupported("Ephemeral resources"),
        }))
    }

    async fn open_ephemeral_resource(
        &self,
        _: Request<pb::open_ephemeral_resource::Request>,
    ) -> RpcResult<pb::open_ephemeral_resource::Response> {
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: unsupported("Ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        _: Request<pb::renew_ephemeral_resource::Request>,
    ) -> RpcResult<pb::renew_ephemeral_resource::Response> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: unsupported("Ephemeral resources"),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        _: Request<pb::close_ephemeral_resource::Request>,
    ) -> RpcResult<pb::close_ephemeral_resource::Response> {
        Ok(Response::new(pb::close_ephemeral_resource::Response { diagnostics: unsupported("Ephemeral resources") }))
    }

    type ListResourceStream = ReceiverStream<Result<pb::list_resource::Event, Status>>;

    async fn list_resource(&self, _: Request<pb::list_resource::Request>) -> RpcResult<Self::ListResourceStream> {
        Ok(Response::new(empty_stream()))
    }

    async fn validate_list_resource_config(
        &self,
        _: Request<pb::validate_list_resource_config::Request>,
    ) -> RpcResult<pb::validate_list_resource_config::Response> {
        Ok(Response::new(pb::validate_list_resource_config::Response { diagnostics: unsupported("List resources") }))
    }

    async fn get_functions(&self, _: Request<pb::get_functions::Request>) -> RpcResult<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> RpcResult<pb::call_function::Response> {
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!("The dmslink provider has no function named {name:?}; it offers no functions."),
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        _: Request<pb::validate_state_store::Request>,
    ) -> RpcResult<pb::validate_state_store::Response> {
        Ok(Response::new(pb::validate_state_store::Response { diagnostics: unsupported("State stores") }))
    }

    async fn configure_state_store(
        &self,
        _: Request<pb::configure_state_store::Request>,
    ) -> RpcResult<pb::configure_state_store::Response> {
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: unsupported("State stores"),
            capabilities: None,
        }))
    }

    type ReadStateBytesStream = ReceiverStream<Result<pb::read_state_bytes::Response, Status>>;

    async fn read_state_bytes(
        &self,
        _: Request<pb::read_state_bytes::Request>,
    ) -> RpcResult<Self::ReadStateBytesStream> {
        Ok(Response::new(empty_stream()))
    }

    async fn write_state_bytes(
        &self,
        _: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> RpcResult<pb::write_state_bytes::Response> {
        Ok(Response::new(pb::write_state_bytes::Response { diagnostics: unsupported("State stores") }))
    }

    async fn lock_state(&self, _: Request<pb::lock_state::Request>) -> RpcResult<pb::lock_state::Response> {
        Ok(Response::new(pb::lock_state::Response { lock_id: String::new(), diagnostics: unsupported("State stores") }))
    }

    async fn unlock_state(&self, _: Request<pb::unlock_state::Request>) -> RpcResult<pb::unlock_state::Response> {
        Ok(Response::new(pb::unlock_state::Response { diagnostics: unsupported("State stores") }))
    }

    async fn get_states(&self, _: Request<pb::get_states::Request>) -> RpcResult<pb::get_states::Response> {
        Ok(Response::new(pb::get_states::Response { state_id: Vec::new(), diagnostics: unsupported("State stores") }))
    }

    async fn delete_state(&self, _: Request<pb::delete_state::Request>) -> RpcResult<pb::delete_state::Response> {
        Ok(Response::new(pb::delete_state::Response { diagnostics: unsupported("State stores") }))
    }

    async fn plan_action(&self, _: Request<pb::plan_action::Request>) -> RpcResult<pb::plan_action::Response> {
        Ok(Response::new(pb::plan_action::Response { diagnostics: unsupported("Actions"), deferred: None }))
    }

    type InvokeActionStream = ReceiverStream<Result<pb::invoke_action::Event, Status>>;

    async fn invoke_action(&self, _: Request<pb::invoke_action::Request>) -> RpcResult<Self::InvokeActionStream> {
        Ok(Response::new(empty_stream()))
    }

    async fn validate_action_config(
        &self,
        _: Request<pb::validate_action_config::Request>,
    ) -> RpcResult<pb::validate_action_config::Response> {
        Ok(Response::new(pb::validate_action_config::Response { diagnostics: unsupported("Actions") }))
    }

    async fn stop_provider(&self, _: Request<pb::stop_provider::Request>) -> RpcResult<pb::stop_provider::Response> {
        let span = rpc_span("StopProvider", "");
        let _enter = span.enter();
        tracing::info!("stop requested: cancelling operations in flight");
        self.engine.stop();
        Ok(Response::new(pb::stop_provider::Response { error: String::new() }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
