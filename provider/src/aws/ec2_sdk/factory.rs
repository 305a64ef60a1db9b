//! `Ec2Factory` over the SDK: EC2 clients for another region or an assumed role.

use super::*;

/// [`Ec2Factory`] over the provider's SDK configuration: another region is a client with that
/// region; a role is an `AssumeRoleProvider` chained from the provider's credentials (STS at the
/// provider's `endpoints.sts`).
#[derive(Clone, Debug)]
pub struct SdkEc2Factory {
    sdk: SdkConfig,
    endpoints: EndpointOverrides,
}

impl SdkEc2Factory {
    pub fn new(sdk: &SdkConfig, endpoints: &EndpointOverrides) -> SdkEc2Factory {
        SdkEc2Factory { sdk: sdk.clone(), endpoints: endpoints.clone() }
    }
}

#[async_trait]
impl Ec2Factory for SdkEc2Factory {
    async fn ec2(&self, role: Option<&RoleToAssume>, region: Option<&str>) -> Result<Arc<dyn Ec2Api>, AwsError> {
        let mut b = self.sdk.clone().into_builder();
        if let Some(r) = region {
            b.set_region(Some(Region::new(r.to_string())));
        }
        let sdk = b.build();
        let sdk = match role {
            None => sdk,
            Some(role) => {
                let base = sts::sdk_config_for_sts(&sdk, self.endpoints.sts.as_deref());
                let mut ar = AssumeRoleProvider::builder(role.role_arn.clone()).configure(&base);
                if let Some(r) = sdk.region() {
                    ar = ar.region(r.clone());
                }
                // A session name is required by STS; name the provider when none is configured.
                ar = ar.session_name(role.session_name.clone().unwrap_or_else(|| "dmslink-peering".to_string()));
                if let Some(x) = &role.external_id {
                    ar = ar.external_id(x.clone());
                }
                let provider = ar.build().await;
                sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
            }
        };
        let endpoint = crate::aws::endpoint_for(&sdk, self.endpoints.ec2.as_deref(), "EC2", "ec2");
        let mut conf = aws_sdk_ec2::config::Builder::from(&sdk)
            .retry_partition(super::super::no_retry_quota("ec2"))
            .interceptor(super::super::user_agent::DmslinkUserAgent);
        if let Some(url) = &self.endpoints.ec2 {
            conf = conf.endpoint_url(url);
        }
        Ok(Arc::new(SdkEc2::new(Client::from_conf(conf.build()), endpoint)))
    }
}
