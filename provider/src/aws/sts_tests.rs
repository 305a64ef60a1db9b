#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_credential_types::Credentials;
use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

use super::*;

const BUSY: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Receiver</Type>\
<Code>InternalFailure</Code><Message>The request processing has failed because of an unknown error.</Message></Error>\
<RequestId>r</RequestId></ErrorResponse>";
const DENIED: &str = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>\
<RequestId>r</RequestId></ErrorResponse>";
const IDENTITY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dms</Arn><UserId>AIDEXAMPLE</UserId>\
<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>\
</ResponseMetadata></GetCallerIdentityResponse>";

/// STS answering the first `failures` requests with `status`/`body`, then with the identity;
/// counts requests.
#[derive(Debug, Clone)]
struct Sts {
    failures: usize,
    status: u16,
    body: &'static str,
    requests: Arc<AtomicUsize>,
}

impl Sts {
    fn failing(failures: usize, status: u16, body: &'static str) -> Sts {
        Sts { failures, status, body, requests: Arc::default() }
    }
}

impl HttpConnector for Sts {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        let (status, body) = if n < self.failures { (self.status, self.body) } else { (200, IDENTITY) };
        let response = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for Sts {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

async fn check(sts: &Sts) -> Result<CallerIdentity, AwsError> {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .http_client(SharedHttpClient::new(sts.clone()))
        .build();
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
    get_caller_identity(&sdk, Some("http://127.0.0.1:1"), creds, ValidationLimits::default()).await
}

/// A burst of STS server errors longer than one round of the SDK's attempts (3) does not fail the
/// check: it asks again, up to 3 rounds (9 attempts).
#[tokio::test(start_paused = true)]
async fn a_burst_of_busy_answers_is_waited_out() {
    let sts = Sts::failing(8, 500, BUSY);
    let id = check(&sts).await.unwrap();
    assert_eq!((id.account.as_str(), id.partition.as_str()), ("123456789012", "aws"));
    assert_eq!(sts.requests.load(Ordering::SeqCst), 9);
}

/// Busy for longer than every round: the last error stands.
#[tokio::test(start_paused = true)]
async fn busy_past_every_round_fails_with_the_last_answer() {
    let sts = Sts::failing(100, 500, BUSY);
    let e = check(&sts).await.unwrap_err();
    assert_eq!(e.code, "InternalFailure", "{e:?}");
    assert_eq!(sts.requests.load(Ordering::SeqCst), 9);
}

/// A refusal is not asked again: bad credentials fail at once.
#[tokio::test(start_paused = true)]
async fn a_refusal_is_not_asked_again() {
    let sts = Sts::failing(100, 403, DENIED);
    let e = check(&sts).await.unwrap_err();
    assert_eq!(e.code, "InvalidClientTokenId", "{e:?}");
    assert_eq!(sts.requests.load(Ordering::SeqCst), 1);
}

/// The validation call carries `dmslink/<version>` at the end of its User-Agent, like every client.
#[tokio::test]
async fn the_validation_call_names_dmslink_in_its_user_agent() {
    #[derive(Debug, Clone, Default)]
    struct Agent(Arc<std::sync::Mutex<Vec<String>>>);
    impl HttpConnector for Agent {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            self.0.lock().unwrap().push(request.headers().get("user-agent").unwrap_or_default().to_string());
            HttpConnectorFuture::ready(Ok(Response::new(StatusCode::try_from(200).unwrap(), SdkBody::from(IDENTITY))))
        }
    }
    impl HttpClient for Agent {
        fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }
    let agent = Agent::default();
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .http_client(SharedHttpClient::new(agent.clone()))
        .build();
    let limits = ValidationLimits { max_attempts: 1, busy_rounds: 1, ..ValidationLimits::default() };
    get_caller_identity(&sdk, None, Credentials::for_tests(), limits).await.unwrap();
    let seen = agent.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].ends_with(&format!(" dmslink/{}", env!("CARGO_PKG_VERSION"))), "{}", seen[0]);
}
