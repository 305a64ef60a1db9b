//! StopProvider reaches every AWS call: the SDK configuration gets an HTTP client and a sleep that
//! both race the provider's stop token. An attempt in flight is cut at once, a retry's back-off
//! ends at once and its next attempt is refused, so a call stops within milliseconds of Ctrl-C
//! instead of running its 25 attempts of up to 60 s. The refusal is a connector error of kind
//! "other", which the SDK's retry classifiers do not retry; [`from_sdk`] turns it into
//! [`ErrorKind::Cancelled`] with a message saying Terraform stopped the call, which the resources
//! report like any failed call (a create cut this way is a lost answer: the next apply adopts).

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use aws_smithy_async::rt::sleep::{AsyncSleep, Sleep};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio_util::sync::CancellationToken;

use super::error::{self, AwsError, ErrorKind};

/// The code of the error a call cut by StopProvider returns.
pub const STOPPED_CODE: &str = "StoppedByTerraform";

/// Why a call stopped: Terraform asked the provider to stop (Ctrl-C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoppedByTerraform;

impl fmt::Display for StoppedByTerraform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stopped by Terraform (StopProvider, e.g. Ctrl-C) before AWS answered")
    }
}

impl StdError for StoppedByTerraform {}

impl StoppedByTerraform {
    /// The error a resource sees.
    pub fn aws_error() -> AwsError {
        AwsError::new(ErrorKind::Cancelled, STOPPED_CODE, StoppedByTerraform.to_string())
    }
}

/// [`error::from_sdk`], except that a call cut by StopProvider is [`StoppedByTerraform`]. Every SDK
/// adapter classifies its errors here.
pub fn from_sdk<E>(err: SdkError<E, HttpResponse>, endpoint: &str) -> AwsError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    if caused_by_stop(&err) { StoppedByTerraform::aws_error() } else { error::from_sdk(err, endpoint) }
}

fn caused_by_stop(err: &(dyn StdError + 'static)) -> bool {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if e.is::<StoppedByTerraform>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// An HTTP client whose requests end with [`StoppedByTerraform`] once `stop` is cancelled.
#[derive(Debug, Clone)]
pub struct StoppableHttpClient {
    inner: SharedHttpClient,
    stop: CancellationToken,
}

impl StoppableHttpClient {
    pub fn new(inner: SharedHttpClient, stop: CancellationToken) -> StoppableHttpClient {
        StoppableHttpClient { inner, stop }
    }

    /// The SDK's own default HTTPS client (hyper 1, rustls with aws-lc, what `aws-smithy-runtime`
    /// builds when none is given) with the provider's trusted CAs and proxies, raced against `stop`.
    /// One connector per URL scheme, since a proxy setting names one proxy: `http://` endpoints
    /// (an emulator) and `https://` ones (AWS) may go through different proxies.
    pub fn https(stop: CancellationToken, network: &HttpTransport) -> StoppableHttpClient {
        use aws_smithy_http_client::proxy::ProxyConfig;
        use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
        use aws_smithy_http_client::{Builder, ConnectorBuilder};
        let client = |proxy: ProxyConfig| {
            let tls_context = network.tls.clone();
            Builder::new().build_with_connector_fn(move |settings, components| {
                let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
                if let Some(ctx) = &tls_context {
                    conn = conn.tls_context(ctx.clone());
                }
                conn.set_connector_settings(settings.cloned());
                if let Some(components) = components {
                    conn.set_sleep_impl(components.sleep_impl());
                }
                conn.set_proxy_config(Some(proxy.clone()));
                conn.build()
            })
        };
        let inner = SharedHttpClient::new(BySchemeClient {
            http: client(network.http_proxy.clone()),
            https: client(network.https_proxy.clone()),
        });
        StoppableHttpClient::new(inner, stop)
    }
}

/// How requests leave the process: the certificate authorities trusted and the proxy of each URL
/// scheme (the provider block's `custom_ca_bundle` and proxies, read by `provider_config`).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    /// `None`: the system's roots only (the SDK's default).
    pub tls: Option<aws_smithy_http_client::tls::TlsContext>,
    /// For `http://` endpoints (e.g. a local emulator).
    pub http_proxy: aws_smithy_http_client::proxy::ProxyConfig,
    /// For `https://` endpoints (AWS itself).
    pub https_proxy: aws_smithy_http_client::proxy::ProxyConfig,
}

impl Default for HttpTransport {
    /// The SDK's own behaviour: system roots, proxies from the process environment.
    fn default() -> HttpTransport {
        use aws_smithy_http_client::proxy::ProxyConfig;
        HttpTransport { tls: None, http_proxy: ProxyConfig::from_env(), https_proxy: ProxyConfig::from_env() }
    }
}

/// Two clients, one per URL scheme.
#[derive(Debug)]
struct BySchemeClient {
    http: SharedHttpClient,
    https: SharedHttpClient,
}

impl HttpClient for BySchemeClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(BySchemeConnector {
            http: self.http.http_connector(settings, components),
            https: self.https.http_connector(settings, components),
        })
    }
}

/// Sends `https://` requests through one connector and the others through another.
#[derive(Debug)]
struct BySchemeConnector {
    http: SharedHttpConnector,
    https: SharedHttpConnector,
}

impl HttpConnector for BySchemeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let is_https = request.uri().get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        if is_https { self.https.call(request) } else { self.http.call(request) }
    }
}

impl HttpClient for StoppableHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(StoppableConnector {
            inner: self.inner.http_connector(settings, components),
            stop: self.stop.clone(),
        })
    }
}

#[derive(Debug)]
struct StoppableConnector {
    inner: SharedHttpConnector,
    stop: CancellationToken,
}

fn stopped() -> ConnectorError {
    // Kind "other" with no retry kind: the SDK's classifiers leave it unretried.
    ConnectorError::other(Box::new(StoppedByTerraform), None)
}

impl HttpConnector for StoppableConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if self.stop.is_cancelled() {
            return HttpConnectorFuture::ready(Err(stopped()));
        }
        let call = self.inner.call(request);
        let stop = self.stop.clone();
        HttpConnectorFuture::new(async move {
            tokio::select! {
                biased;
                () = stop.cancelled() => Err(stopped()),
                answer = call => answer,
            }
        })
    }
}

/// The SDK's sleep (retry back-off, timeouts) ending early once `stop` is cancelled, so a retry
/// loop reaches its next, refused, attempt at once.
#[derive(Debug, Clone)]
pub struct StoppableSleep {
    stop: CancellationToken,
}

impl StoppableSleep {
    pub fn new(stop: CancellationToken) -> StoppableSleep {
        StoppableSleep { stop }
    }
}

impl AsyncSleep for StoppableSleep {
    fn sleep(&self, duration: Duration) -> Sleep {
        let stop = self.stop.clone();
        Sleep::new(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = tokio::time::sleep(duration) => {}
            }
        })
    }
}

#[cfg(test)]
#[path = "stop_tests.rs"]
mod tests;
