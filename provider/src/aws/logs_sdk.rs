//! `LogsApi` over `aws-sdk-cloudwatchlogs`.

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::Client;

use super::error::AwsError;
use super::logs::{LogEvent, LogsApi};
use super::stop;

/// The CloudWatch Logs client plus where it sends requests (for error messages).
#[derive(Clone, Debug)]
pub struct SdkLogs {
    client: Client,
    endpoint: String,
}

impl SdkLogs {
    pub fn new(client: Client, endpoint: impl Into<String>) -> SdkLogs {
        SdkLogs { client, endpoint: endpoint.into() }
    }
}

#[async_trait]
impl LogsApi for SdkLogs {
    async fn tail_events(&self, group: &str, stream: &str, limit: i32) -> Result<Vec<LogEvent>, AwsError> {
        let out = self
            .client
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| stop::from_sdk(e, &self.endpoint))?;
        Ok(out
            .events()
            .iter()
            .map(|e| LogEvent {
                timestamp: e.timestamp().unwrap_or_default(),
                message: e.message().unwrap_or_default().to_string(),
            })
            .collect())
    }
}
