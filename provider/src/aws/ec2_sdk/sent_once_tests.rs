//! The creates without a natural key are sent once by the SDK (`sent_once`): over a connection that
//! always drops before the answer, each makes one request and fails with an outcome-unknown
//! error, while a read is retried as configured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use aws_credential_types::Credentials;
use aws_sdk_ec2::config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::retry::RetryConfig;

use super::SdkEc2;
use crate::aws::ec2::{CreateVpcPeeringInput, CreateVpnGatewayInput, Ec2Api, Filters, Tags};

/// An endpoint whose connection drops before every answer; records each request's `Action`.
#[derive(Debug, Clone, Default)]
struct Drops {
    actions: Arc<Mutex<Vec<String>>>,
}

impl Drops {
    fn taken(&self) -> Vec<String> {
        std::mem::take(&mut *self.actions.lock().unwrap())
    }
}

impl HttpConnector for Drops {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request.body().bytes().map(|b| String::from_utf8_lossy(b).to_string()).unwrap_or_default();
        let action = body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("?").to_string();
        self.actions.lock().unwrap().push(action);
        HttpConnectorFuture::ready(Err(ConnectorError::io("connection reset by peer".into())))
    }
}

impl HttpClient for Drops {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn ec2_over(drops: Drops) -> SdkEc2 {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
        .endpoint_url("http://127.0.0.1:1")
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .http_client(SharedHttpClient::new(drops))
        .build();
    SdkEc2::new(aws_sdk_ec2::Client::from_conf(conf), "http://127.0.0.1:1")
}

#[tokio::test(start_paused = true)]
async fn creates_without_a_natural_key_are_sent_once_and_reads_are_retried() {
    let drops = Drops::default();
    let ec2 = ec2_over(drops.clone());
    let tags = Tags::new();
    let peering = CreateVpcPeeringInput { vpc_id: "vpc-1".into(), peer_vpc_id: "vpc-2".into(), ..Default::default() };
    let results = [
        ("CreateVpcPeeringConnection", ec2.create_vpc_peering_connection(peering).await.map(|_| ())),
        ("CreateVpc", ec2.create_vpc("10.0.0.0/16", &tags).await.map(|_| ())),
        ("CreateVpnGateway", ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.map(|_| ())),
        ("CreateInternetGateway", ec2.create_internet_gateway(&tags).await.map(|_| ())),
    ];
    let sent = drops.taken();
    for (action, result) in results {
        let e = result.expect_err(action);
        assert!(e.outcome_unknown(), "{action}: {e:?}");
        assert_eq!(sent.iter().filter(|a| *a == action).count(), 1, "{action}: {sent:?}");
    }
    assert!(ec2.find_vpcs(&Filters::new()).await.is_err());
    assert_eq!(drops.taken(), vec!["DescribeVpcs"; 3], "a read is retried (3 attempts)");
}
