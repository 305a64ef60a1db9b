#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_types::region::Region;

use super::*;

const CREDS: &str = "<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>\
<SessionToken>roletoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>";

/// STS answering AssumeRole / AssumeRoleWithWebIdentity; records each request's form body and
/// whether it was signed.
#[derive(Debug, Clone, Default)]
struct Sts(Arc<Mutex<Vec<(String, bool)>>>);

impl HttpConnector for Sts {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = String::from_utf8(request.body().bytes().unwrap_or_default().to_vec()).unwrap();
        let signed = request.headers().get("authorization").is_some();
        self.0.lock().unwrap().push((body.clone(), signed));
        let action =
            if body.contains("Action=AssumeRoleWithWebIdentity") { "AssumeRoleWithWebIdentity" } else { "AssumeRole" };
        let xml = format!(
            "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>{CREDS}\
             </{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        );
        HttpConnectorFuture::ready(Ok(Response::new(StatusCode::try_from(200).unwrap(), SdkBody::from(xml))))
    }
}

impl HttpClient for Sts {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

fn base(sts: &Sts, with_credentials: bool) -> SdkConfig {
    let mut b = SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .http_client(SharedHttpClient::new(sts.clone()));
    if with_credentials {
        b = b.credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()));
    }
    b.build()
}

/// The form body's value of `key` (URL-decoded enough for these tests).
fn form(body: &str, key: &str) -> Option<String> {
    body.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .map(|v| v.replace("%3A", ":").replace("%2F", "/").replace("%7B", "{").replace("%7D", "}").replace("%22", "\""))
}

#[tokio::test]
async fn assume_role_sends_every_field_the_block_has() {
    let sts = Sts::default();
    let spec = AssumeRole {
        session: RoleSession {
            role_arn: "arn:aws:iam::210987654321:role/deployer".into(),
            session_name: Some("ci-42".into()),
            duration: Some(Duration::from_secs(5400)),
            policy: Some("{}".into()),
            policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
        },
        external_id: Some("ext-1".into()),
        source_identity: Some("alice".into()),
        tags: vec![("team".into(), "data".into()), ("cost".into(), "dms".into())],
        transitive_tag_keys: vec!["team".into()],
    };
    let creds = AssumeRoleCredentials::new(&base(&sts, true), spec).provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIAROLE");
    assert_eq!(creds.session_token(), Some("roletoken"));
    assert!(creds.expiry().is_some());
    let seen = sts.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (body, signed) = &seen[0];
    assert!(signed, "AssumeRole is signed with the base credentials");
    assert_eq!(form(body, "Action").as_deref(), Some("AssumeRole"));
    assert_eq!(form(body, "RoleArn").as_deref(), Some("arn:aws:iam::210987654321:role/deployer"));
    assert_eq!(form(body, "RoleSessionName").as_deref(), Some("ci-42"));
    assert_eq!(form(body, "DurationSeconds").as_deref(), Some("5400"));
    assert_eq!(form(body, "ExternalId").as_deref(), Some("ext-1"));
    assert_eq!(form(body, "SourceIdentity").as_deref(), Some("alice"));
    assert_eq!(form(body, "Policy").as_deref(), Some("{}"));
    assert_eq!(form(body, "PolicyArns.member.1.arn").as_deref(), Some("arn:aws:iam::aws:policy/ReadOnlyAccess"));
    assert_eq!(form(body, "Tags.member.1.Key").as_deref(), Some("team"));
    assert_eq!(form(body, "Tags.member.2.Value").as_deref(), Some("dms"));
    assert_eq!(form(body, "TransitiveTagKeys.member.1").as_deref(), Some("team"));
}

#[tokio::test]
async fn web_identity_is_unsigned_and_reads_the_token_file_at_each_call() {
    let sts = Sts::default();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "first-token\n").unwrap();
    let spec = WebIdentity {
        session: RoleSession {
            role_arn: "arn:aws:iam::123456789012:role/ci".into(),
            duration: Some(Duration::from_secs(900)),
            ..RoleSession::default()
        },
        token: WebIdentityToken::File(file.display().to_string()),
    };
    // No base credentials at all: the call needs none.
    let provider = WebIdentityCredentials::new(&base(&sts, false), spec);
    provider.provide_credentials().await.unwrap();
    std::fs::write(&file, "rotated-token").unwrap();
    provider.provide_credentials().await.unwrap();
    let seen = sts.0.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for (body, signed) in &seen {
        assert!(!signed, "AssumeRoleWithWebIdentity is unsigned: {body}");
        assert_eq!(form(body, "Action").as_deref(), Some("AssumeRoleWithWebIdentity"));
        assert_eq!(form(body, "DurationSeconds").as_deref(), Some("900"));
        assert!(form(body, "RoleSessionName").unwrap().starts_with("dmslink-"));
    }
    assert_eq!(form(&seen[0].0, "WebIdentityToken").as_deref(), Some("first-token"));
    assert_eq!(form(&seen[1].0, "WebIdentityToken").as_deref(), Some("rotated-token"));

    std::fs::write(&file, "  \n").unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(DisplayErrorContext(&err).to_string().contains("is empty"), "{}", DisplayErrorContext(&err));
}
