//! The network side of every AWS call, for users behind corporate networks: certificate
//! authorities trusted beyond the system's (`custom_ca_bundle`, else `AWS_CA_BUNDLE`, which the
//! AWS SDK for Rust does not read itself: awslabs/aws-sdk-rust#1362) and proxies (`http_proxy`,
//! `https_proxy`, `no_proxy`, else `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` and their lower-case
//! forms). The rules are terraform-provider-aws's (hashicorp/aws-sdk-go-base `HTTPTransportOptions`,
//! "legacy" proxy mode): an explicit `http_proxy` also carries HTTPS requests when no HTTPS proxy is
//! configured anywhere; `~` at the start of the bundle's path is the home directory; the bundle adds
//! to the system's roots rather than replacing them.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{TlsContext, TrustStore};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::settings::Settings;
use crate::aws::stop::HttpTransport;
use crate::engine::Diagnostics;
use crate::engine::diag::{AttrPath, Diagnostic};

/// The transport every client uses, and where its extra CAs came from.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub transport: HttpTransport,
    /// Where the extra CAs came from, for the "provider configured" log line.
    pub ca_bundle_source: Option<String>,
}

/// Reads the CA bundle and proxy settings of the provider block, falling back to `env`.
pub(super) fn resolve(settings: &Settings, env: &dyn Fn(&str) -> Option<String>) -> Result<Network, Diagnostics> {
    let mut network = Network::default();
    let bundle = match &settings.custom_ca_bundle {
        Some(path) => Some((path.clone(), Some(AttrPath::attr("custom_ca_bundle")), "custom_ca_bundle")),
        None => env("AWS_CA_BUNDLE").filter(|p| !p.trim().is_empty()).map(|p| (p, None, "AWS_CA_BUNDLE")),
    };
    if let Some((path, attr, origin)) = bundle {
        let expanded = expand_home(&path, env);
        network.transport.tls = Some(tls_context(&expanded, origin).map_err(|detail| {
            let d = Diagnostic::error("Cannot use the custom CA bundle", detail);
            Diagnostics::from(match attr {
                Some(a) => d.at(a),
                None => d,
            })
        })?);
        network.ca_bundle_source = Some(format!("{origin} ({expanded})"));
    }
    if settings.http_proxy.is_some() || settings.https_proxy.is_some() || settings.no_proxy.is_some() {
        let from_env = |upper: &str, lower: &str| env(upper).or_else(|| env(lower)).filter(|v| !v.trim().is_empty());
        let http = settings.http_proxy.clone().or_else(|| from_env("HTTP_PROXY", "http_proxy"));
        let https = settings
            .https_proxy
            .clone()
            .or_else(|| from_env("HTTPS_PROXY", "https_proxy"))
            .or_else(|| settings.http_proxy.clone());
        let no_proxy = settings.no_proxy.clone().or_else(|| from_env("NO_PROXY", "no_proxy"));
        network.transport.http_proxy =
            explicit_proxy(http.as_deref(), no_proxy.as_deref(), |u| ProxyConfig::http(u), "http_proxy")?;
        network.transport.https_proxy =
            explicit_proxy(https.as_deref(), no_proxy.as_deref(), |u| ProxyConfig::https(u), "https_proxy")?;
    }
    Ok(network)
}

fn explicit_proxy(
    url: Option<&str>,
    no_proxy: Option<&str>,
    make: fn(&str) -> Result<ProxyConfig, aws_smithy_http_client::proxy::ProxyError>,
    attr: &str,
) -> Result<ProxyConfig, Diagnostics> {
    let Some(url) = url else {
        return Ok(ProxyConfig::disabled());
    };
    // The URL is not echoed: it may hold a password.
    let config = make(url).map_err(|_| {
        Diagnostic::error(
            "Invalid proxy URL",
            format!(
                "The proxy for {} requests (the {attr} argument or its environment variable) is not a URL such as \
                 \"http://proxy.example.com:3128\".",
                if attr == "http_proxy" { "HTTP" } else { "HTTPS" }
            ),
        )
    })?;
    Ok(match no_proxy {
        Some(rules) => config.no_proxy(rules),
        None => config,
    })
}

/// `~` or `~/...` becomes the home directory, as the AWS provider does for `custom_ca_bundle`.
pub(super) fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let home = || env("HOME").filter(|h| !h.is_empty());
    match path.strip_prefix('~') {
        Some("") => home().unwrap_or_else(|| path.to_string()),
        Some(rest) if rest.starts_with('/') => home().map_or_else(|| path.to_string(), |h| format!("{h}{rest}")),
        _ => path.to_string(),
    }
}

/// The system's roots plus every certificate of the PEM file at `path`; a file that cannot be read
/// or holds no certificate is refused here rather than failing each TLS handshake later.
fn tls_context(path: &str, origin: &str) -> Result<TlsContext, String> {
    let pem = std::fs::read(path).map_err(|e| format!("{origin} names {path:?}, which cannot be read: {e}."))?;
    let mut count = 0usize;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        if cert.is_err() {
            return Err(format!(
                "{origin} names {path:?}, which is not a PEM file of certificates: a \"-----BEGIN CERTIFICATE-----\" \
                 block in it cannot be decoded."
            ));
        }
        count += 1;
    }
    if count == 0 {
        return Err(format!(
            "{origin} names {path:?}, which holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\"). Point it at the \
             certificate authority file your network's TLS proxy or private endpoint uses."
        ));
    }
    let trust = TrustStore::default().with_pem_certificate(pem);
    TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| format!("{origin} names {path:?}, whose certificates the TLS library refused: {e}."))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    /// A real self-signed CA certificate, PEM.
    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn home_expands_only_at_the_start() {
        let e = env(&[("HOME", "/home/u")]);
        assert_eq!(expand_home("~/ca.pem", &e), "/home/u/ca.pem");
        assert_eq!(expand_home("~", &e), "/home/u");
        assert_eq!(expand_home("/etc/~/ca.pem", &e), "/etc/~/ca.pem");
        assert_eq!(expand_home("~other/ca.pem", &e), "~other/ca.pem");
        assert_eq!(expand_home("~/ca.pem", &env(&[])), "~/ca.pem");
    }

    #[test]
    fn a_bundle_that_is_missing_empty_or_not_pem_is_refused_at_the_attribute() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let broken = dir.path().join("broken.pem");
        std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").unwrap();
        let missing = dir.path().join("missing.pem");
        for (path, says) in
            [(&missing, "cannot be read"), (&empty, "holds no PEM certificate"), (&broken, "cannot be decoded")]
        {
            let settings = Settings { custom_ca_bundle: Some(path.display().to_string()), ..Settings::default() };
            let d = resolve(&settings, &env(&[])).unwrap_err();
            assert_eq!(d.0[0].path.as_ref().map(|p| p.to_string()), Some("custom_ca_bundle".to_string()), "{d:?}");
            assert!(d.0[0].detail.contains(says), "{}", d.0[0].detail);
            // From the environment: no attribute path, the variable named.
            let d = resolve(&Settings::default(), &env(&[("AWS_CA_BUNDLE", &path.display().to_string())])).unwrap_err();
            assert!(d.0[0].path.is_none(), "{d:?}");
            assert!(d.0[0].detail.starts_with("AWS_CA_BUNDLE names"), "{}", d.0[0].detail);
        }
    }

    #[test]
    fn the_attribute_wins_over_aws_ca_bundle_and_a_valid_pem_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("ca.pem");
        std::fs::write(&good, ca_pem()).unwrap();
        let settings = Settings { custom_ca_bundle: Some(good.display().to_string()), ..Settings::default() };
        let n = resolve(&settings, &env(&[("AWS_CA_BUNDLE", "/nonexistent.pem")])).unwrap();
        assert!(n.transport.tls.is_some());
        assert!(n.ca_bundle_source.unwrap().starts_with("custom_ca_bundle"));
        let n = resolve(&Settings::default(), &env(&[])).unwrap();
        assert!(n.transport.tls.is_none() && n.ca_bundle_source.is_none());
    }

    #[test]
    fn proxies_follow_the_aws_provider_rules_and_never_echo_the_url() {
        // Nothing set: the environment as the SDK reads it.
        let n = resolve(&Settings::default(), &env(&[])).unwrap();
        assert!(n.transport.http_proxy.is_from_env() && n.transport.https_proxy.is_from_env());
        // http_proxy alone carries HTTPS too when no HTTPS proxy is configured anywhere.
        let s = Settings { http_proxy: Some("http://proxy:3128".into()), ..Settings::default() };
        let n = resolve(&s, &env(&[])).unwrap();
        assert!(!n.transport.http_proxy.is_disabled() && !n.transport.https_proxy.is_disabled());
        // ... but not when HTTPS_PROXY is set: that one is for HTTPS.
        let n = resolve(&s, &env(&[("HTTPS_PROXY", "http://other:8080")])).unwrap();
        assert!(!n.transport.https_proxy.is_disabled() && !n.transport.https_proxy.is_from_env());
        // https_proxy alone: plain HTTP goes direct.
        let s = Settings { https_proxy: Some("http://proxy:3128".into()), ..Settings::default() };
        let n = resolve(&s, &env(&[])).unwrap();
        assert!(n.transport.http_proxy.is_disabled() && !n.transport.https_proxy.is_disabled());
        let s = Settings { https_proxy: Some("http://user:hunter2@[bad".into()), ..Settings::default() };
        let d = resolve(&s, &env(&[])).unwrap_err();
        assert_eq!(d.0[0].summary, "Invalid proxy URL");
        assert!(!d.0[0].detail.contains("hunter2"), "{}", d.0[0].detail);
    }
}
