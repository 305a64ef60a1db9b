use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_credential_types::Credentials;
use aws_sdk_databasemigration::config::{BehaviorVersion, Region};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use super::*;
use crate::aws::dms::DmsApi;
use crate::aws::dms_sdk::SdkDms;

/// An endpoint that takes every request and never answers (a hung connection); counts requests.
#[derive(Debug, Clone, Default)]
struct NeverAnswers {
    requests: Arc<AtomicUsize>,
}

impl HttpConnector for NeverAnswers {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        self.requests.fetch_add(1, Ordering::SeqCst);
        HttpConnectorFuture::new(std::future::pending())
    }
}

impl HttpClient for NeverAnswers {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// The DMS adapter over `inner`, configured as `provider_config` configures it: 25 attempts of up
/// to 60 s each.
fn dms_over(inner: NeverAnswers, stop: &CancellationToken) -> SdkDms {
    let conf = aws_sdk_databasemigration::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
        .endpoint_url("http://127.0.0.1:1")
        .retry_config(RetryConfig::standard().with_max_attempts(25))
        .timeout_config(TimeoutConfig::builder().operation_attempt_timeout(Duration::from_secs(60)).build())
        .http_client(StoppableHttpClient::new(SharedHttpClient::new(inner), stop.clone()))
        .sleep_impl(StoppableSleep::new(stop.clone()))
        .build();
    SdkDms::new(aws_sdk_databasemigration::Client::from_conf(conf), "http://127.0.0.1:1")
}

#[tokio::test(start_paused = true)]
async fn stop_cuts_a_call_that_never_answers() {
    let stop = CancellationToken::new();
    let never = NeverAnswers::default();
    let dms = dms_over(never.clone(), &stop);
    let call = tokio::spawn(async move { dms.find_replication_task_by_id("t1").await });
    // Well into its first 60 s attempt: still waiting.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(!call.is_finished());
    assert_eq!(never.requests.load(Ordering::SeqCst), 1);

    let stopped_at = tokio::time::Instant::now();
    stop.cancel();
    let got = tokio::time::timeout(Duration::from_secs(5), call).await;
    let Ok(Ok(Err(e))) = got else { panic!("the call was not cut within 5 s of StopProvider: {got:?}") };
    assert!(stopped_at.elapsed() < Duration::from_millis(100), "took {:?}", stopped_at.elapsed());
    assert_eq!(e.kind, ErrorKind::Cancelled, "{e:?}");
    assert_eq!(e.code, STOPPED_CODE);
    assert!(e.to_string().contains("stopped by Terraform"), "{e}");
    // Not retried: the one request in flight was the last.
    assert_eq!(never.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn after_stop_no_request_is_sent() {
    let stop = CancellationToken::new();
    stop.cancel();
    let never = NeverAnswers::default();
    let dms = dms_over(never.clone(), &stop);
    let got = tokio::time::timeout(Duration::from_secs(1), dms.find_replication_task_by_id("t1")).await;
    let Ok(Err(e)) = got else { panic!("a call after StopProvider was not refused at once: {got:?}") };
    assert_eq!(e.kind, ErrorKind::Cancelled, "{e:?}");
    assert_eq!(never.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn stop_ends_a_back_off_sleep() {
    let stop = CancellationToken::new();
    let sleep = StoppableSleep::new(stop.clone());
    let nap = tokio::spawn(sleep.sleep(Duration::from_secs(20)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!nap.is_finished());
    stop.cancel();
    let before = tokio::time::Instant::now();
    assert!(tokio::time::timeout(Duration::from_millis(10), nap).await.is_ok());
    assert!(before.elapsed() < Duration::from_millis(10));
}

#[test]
fn other_errors_keep_their_classification() {
    let e = StoppedByTerraform::aws_error();
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Cancelled, STOPPED_CODE));
    assert!(caused_by_stop(&ConnectorError::other(Box::new(StoppedByTerraform), None)));
    assert!(!caused_by_stop(&ConnectorError::other("connection reset".into(), None)));
}

/// The credential check of ConfigureProvider goes through the same stoppable client: a StopProvider
/// during a hung GetCallerIdentity ends it at once, classified as stopped (not a transport error).
#[tokio::test(start_paused = true)]
async fn stop_cuts_the_credential_check_and_says_so() {
    let stop = CancellationToken::new();
    let never = NeverAnswers::default();
    let sdk = aws_types::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .http_client(StoppableHttpClient::new(SharedHttpClient::new(never.clone()), stop.clone()))
        .sleep_impl(StoppableSleep::new(stop.clone()))
        .build();
    let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
    let call = tokio::spawn(async move {
        crate::aws::sts::get_caller_identity(&sdk, Some("http://127.0.0.1:1"), creds, Default::default()).await
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!call.is_finished());
    stop.cancel();
    let got = tokio::time::timeout(Duration::from_secs(1), call).await;
    let Ok(Ok(Err(e))) = got else { panic!("the credential check was not cut by StopProvider: {got:?}") };
    assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Cancelled, STOPPED_CODE), "{e:?}");
    assert_eq!(never.requests.load(Ordering::SeqCst), 1);
}
