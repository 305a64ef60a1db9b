//! go-plugin AutoMTLS, server side (plugin-protocol.md §1.3).
//!
//! Terraform sends its one-time client certificate in `PLUGIN_CLIENT_CERT` and expects the
//! plugin's own certificate back in the handshake line. Terraform's certificate is a self-signed
//! P-521 CA certificate used as a client leaf, which webpki's client verifier rejects
//! (`CaUsedAsEndEntity`); so the server pins it instead: exactly those DER bytes are accepted,
//! and the handshake signature is checked with aws-lc-rs's algorithms (which include P-521).

use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName as TlsDn, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};

/// A TLS setup error: bad client certificate PEM, certificate generation, or rustls config.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate: {0}")]
    ClientCertPem(String),
    #[error("generating the plugin's TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("building the TLS server configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The plugin's own certificate and key for one process.
pub struct ServerIdentity {
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

/// A fresh self-signed certificate for `localhost` (ECDSA P-256, EKU ServerAuth, not a CA, valid
/// from yesterday for ten years). Terraform trusts exactly this certificate, as printed in the
/// handshake line.
pub fn generate_server_identity() -> Result<ServerIdentity, TlsError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    dn.push(DnType::OrganizationName, "dmslink");
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    set_validity(&mut params);
    let cert = params.self_signed(&key)?;
    Ok(ServerIdentity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Valid from yesterday (clock skew) for ten years.
fn set_validity(params: &mut CertificateParams) {
    use chrono::Datelike;
    let y = chrono::Utc::now() - chrono::Duration::days(1);
    // Month and day always fit in u8.
    let (month, day) = (y.month() as u8, y.day() as u8);
    params.not_before = rcgen::date_time_ymd(y.year(), month, day);
    params.not_after = rcgen::date_time_ymd(y.year() + 10, month, day.min(28));
}

/// Parses the first certificate of `PLUGIN_CLIENT_CERT`.
pub fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| TlsError::ClientCertPem(e.to_string()))
}

/// The rustls provider used everywhere: aws-lc-rs (has P-521, unlike *ring*).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Server config: our identity, TLS 1.2+, ALPN `h2`, and a client certificate that must be
/// exactly `client_cert`.
pub fn server_config(
    identity: &ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = crypto_provider();
    let verifier = PinnedClientCert { expected: client_cert, algorithms: provider.signature_verification_algorithms };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert.clone()], identity.key.clone_key())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts exactly one client certificate, byte for byte.
#[derive(Debug)]
pub struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[TlsDn] {
        // No hints: Go's client then offers its only certificate.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("TLS client presented a certificate other than PLUGIN_CLIENT_CERT; refused");
            Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn server_identity_is_a_localhost_leaf() {
        let id = generate_server_identity().unwrap();
        assert!(id.cert.len() > 50);
        // rustls accepts it as its own certificate with the pinned verifier.
        let other = generate_server_identity().unwrap();
        server_config(&id, other.cert.clone()).unwrap();
    }

    #[test]
    fn pinned_verifier_accepts_only_the_exact_certificate() {
        let a = generate_server_identity().unwrap().cert;
        let b = generate_server_identity().unwrap().cert;
        let v =
            PinnedClientCert { expected: a.clone(), algorithms: crypto_provider().signature_verification_algorithms };
        assert!(v.verify_client_cert(&a, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&b, &[], UnixTime::now()).is_err());
        assert!(v.supported_verify_schemes().contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        assert!(v.client_auth_mandatory());
    }

    #[test]
    fn client_cert_pem_parses() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let cert = CertificateParams::new(vec!["localhost".into()]).unwrap().self_signed(&key).unwrap();
        assert_eq!(parse_client_cert(&cert.pem()).unwrap(), *cert.der());
        assert!(parse_client_cert("not a pem").is_err());
    }
}
