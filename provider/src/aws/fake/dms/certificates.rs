//! DMS certificates, as the emulator's `dms_certificates.py` (rules K2 and K4 of docs/emulator.md,
//! same codes and messages): `ImportCertificate` checks the identifier and the PEM and refuses a
//! used identifier; `DescribeCertificates` by id or ARN; `DeleteCertificate` refuses an unknown
//! certificate or one an endpoint uses.

use super::{FakeDms, already_exists, invalid_parameter, not_found};
use crate::aws::Secret;
use crate::aws::dms::Certificate;
use crate::aws::error::{AwsError, ErrorKind};

pub(super) struct CertificateRec {
    pub(super) cert: Certificate,
    /// What was imported, for tests ([`FakeDms::certificate_pem`]).
    pub(super) pem: Secret,
}

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// The emulator's `_PEM_BLOCK` search: a BEGIN line, whitespace, base64 text, an END line.
fn holds_pem_block(pem: &str) -> bool {
    pem.match_indices(BEGIN).any(|(at, _)| {
        let rest = &pem[at + BEGIN.len()..];
        let Some(end) = rest.find(END) else { return false };
        let body = &rest[..end];
        body.starts_with(|c: char| c.is_whitespace())
            && body.trim_start().chars().next().is_some()
            && body.chars().all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c) || c.is_whitespace())
    })
}

/// The emulator's `_IDENTIFIER`: a letter first, then letters, digits and single hyphens, not
/// ending with one.
fn valid_certificate_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
}

impl FakeDms {
    pub(super) fn certificate_import(&self, id: &str, pem: &Secret) -> Result<Certificate, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "import_certificate", id)?;
        if !valid_certificate_id(id) {
            return Err(invalid_parameter(
                "CertificateIdentifier must start with a letter and contain only letters, digits and single hyphens, not ending with a hyphen",
            ));
        }
        let key = id.to_ascii_lowercase();
        if st.certificates.contains_key(&key) {
            return Err(already_exists(format!("Certificate {id} already exists")));
        }
        if !holds_pem_block(pem.expose()) {
            return Err(AwsError::new(
                ErrorKind::Other,
                "InvalidCertificateFault",
                "The certificate is not a valid PEM X.509 certificate",
            ));
        }
        st.counter += 1;
        let cert = Certificate { arn: self.arn("cert", &format!("CERT{:022}", st.counter)), id: id.to_string() };
        st.certificates.insert(key, CertificateRec { cert: cert.clone(), pem: pem.clone() });
        Ok(cert)
    }

    pub(super) fn certificate_find(&self, id: &str) -> Result<Option<Certificate>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_certificate", id)?;
        Ok(st.certificates.get(&id.to_ascii_lowercase()).map(|r| r.cert.clone()))
    }

    pub(super) fn certificate_find_by_arn(&self, arn: &str) -> Result<Option<Certificate>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_certificate_by_arn", arn)?;
        Ok(st.certificates.values().find(|r| r.cert.arn == arn).map(|r| r.cert.clone()))
    }

    pub(super) fn certificate_delete(&self, arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_certificate", arn)?;
        let Some(key) = st.certificates.iter().find(|(_, r)| r.cert.arn == arn).map(|(k, _)| k.clone()) else {
            return Err(not_found(format!("Certificate {arn} not found.")));
        };
        let mut users: Vec<&str> = st
            .endpoints
            .values()
            .filter(|r| r.ep.certificate_arn.as_deref() == Some(arn))
            .map(|r| r.ep.id.as_str())
            .collect();
        users.sort();
        if !users.is_empty() {
            return Err(AwsError::new(
                ErrorKind::InvalidState,
                "InvalidResourceStateFault",
                format!("Certificate {arn} is in use by endpoints: {}", users.join(", ")),
            ));
        }
        st.certificates.remove(&key);
        Ok(())
    }

    /// The certificates held, as `(identifier, ARN)`, by identifier.
    pub fn certificates(&self) -> Vec<Certificate> {
        self.lock().certificates.values().map(|r| r.cert.clone()).collect()
    }

    /// The PEM imported under `id`, if any.
    pub fn certificate_pem(&self, id: &str) -> Option<String> {
        self.lock().certificates.get(&id.to_ascii_lowercase()).map(|r| r.pem.expose().to_string())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::aws::Secret;
    use crate::aws::dms::{CreateEndpointInput, DmsApi};
    use crate::aws::fake::FakeDms;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0E=\n-----END CERTIFICATE-----\n";

    #[tokio::test]
    async fn import_checks_identifier_and_pem_and_refuses_a_used_identifier() {
        let dms = FakeDms::new();
        let bad_id = dms.import_certificate("1ca", &Secret::from(PEM)).await.unwrap_err();
        assert_eq!(bad_id.code, "InvalidParameterValueException");
        assert!(dms.import_certificate("ca-", &Secret::from(PEM)).await.is_err());
        assert!(dms.import_certificate("c--a", &Secret::from(PEM)).await.is_err());
        let bad_pem = dms.import_certificate("ca", &Secret::from("not a pem")).await.unwrap_err();
        assert_eq!(bad_pem.code, "InvalidCertificateFault");
        let empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----";
        assert_eq!(
            dms.import_certificate("ca", &Secret::from(empty)).await.unwrap_err().code,
            "InvalidCertificateFault"
        );
        let cert = dms.import_certificate("ca", &Secret::from(PEM)).await.unwrap();
        assert!(cert.arn.starts_with("arn:aws:dms:us-east-1:123456789012:cert:"), "{}", cert.arn);
        let again = dms.import_certificate("CA", &Secret::from(PEM)).await.unwrap_err();
        assert_eq!(again.code, "ResourceAlreadyExistsFault");
        assert_eq!(dms.find_certificate("Ca").await.unwrap(), Some(cert.clone()));
        assert_eq!(dms.find_certificate_by_arn(&cert.arn).await.unwrap(), Some(cert.clone()));
        assert_eq!(dms.find_certificate("other").await.unwrap(), None);
        assert_eq!(dms.certificate_pem("ca").as_deref(), Some(PEM));
    }

    #[tokio::test]
    async fn delete_refuses_unknown_and_in_use_certificates() {
        let dms = FakeDms::new();
        let cert = dms.import_certificate("ca", &Secret::from(PEM)).await.unwrap();
        let input = CreateEndpointInput {
            id: "ep".into(),
            endpoint_type: "target".into(),
            engine_name: "postgres".into(),
            server_name: Some("db.example.com".into()),
            port: Some(5432),
            database_name: Some("app".into()),
            username: Some("dms".into()),
            password: Some(Secret::from("pw")),
            certificate_arn: Some(cert.arn.clone()),
            ..Default::default()
        };
        let ep = dms.create_endpoint(input).await.unwrap();
        let busy = dms.delete_certificate(&cert.arn).await.unwrap_err();
        assert_eq!(busy.code, "InvalidResourceStateFault");
        assert!(busy.message.contains("in use by endpoints: ep"), "{}", busy.message);
        dms.delete_endpoint(&ep.arn).await.unwrap();
        tokio::time::pause();
        tokio::time::advance(std::time::Duration::from_secs(5)).await;
        dms.delete_certificate(&cert.arn).await.unwrap();
        assert_eq!(dms.find_certificate("ca").await.unwrap(), None);
        assert_eq!(dms.delete_certificate(&cert.arn).await.unwrap_err().code, "ResourceNotFoundFault");
    }
}
