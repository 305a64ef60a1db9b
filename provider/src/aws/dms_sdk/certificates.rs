//! `ImportCertificate`, `DescribeCertificates` and `DeleteCertificate` over the SDK. The PEM goes
//! only into the request; it is in no error or log line.

use super::{SdkDms, exactly_one, filter_of};
use crate::aws::Secret;
use crate::aws::dms::Certificate;
use crate::aws::error::AwsError;

fn certificate_from_sdk(c: &aws_sdk_databasemigration::types::Certificate) -> Certificate {
    Certificate {
        arn: c.certificate_arn().unwrap_or_default().to_string(),
        id: c.certificate_identifier().unwrap_or_default().to_string(),
    }
}

impl SdkDms {
    pub(super) async fn certificate_import(&self, id: &str, pem: &Secret) -> Result<Certificate, AwsError> {
        let out = self
            .client
            .import_certificate()
            .certificate_identifier(id)
            .certificate_pem(pem.expose())
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(out
            .certificate()
            .map(certificate_from_sdk)
            .unwrap_or_else(|| Certificate { id: id.to_string(), ..Default::default() }))
    }

    /// One filter; `ResourceNotFoundFault` (AWS's answer to no match) is `None`.
    pub(super) async fn certificate_describe(
        &self,
        filter: &str,
        value: &str,
    ) -> Result<Option<Certificate>, AwsError> {
        let f = filter_of(filter, value)?;
        match self.client.describe_certificates().filters(f).send().await {
            Ok(o) => exactly_one(o.certificates().iter().map(certificate_from_sdk).collect(), "certificate", value),
            Err(e) => {
                let e = self.err(e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    pub(super) async fn certificate_delete(&self, arn: &str) -> Result<(), AwsError> {
        self.client.delete_certificate().certificate_arn(arn).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }
}
