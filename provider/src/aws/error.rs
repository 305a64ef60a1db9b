//! AWS errors classified once, so resources never match on error strings.
//!
//! Every SDK call goes through [`from_sdk`], which reads the error code with
//! `ProvideErrorMetadata` and sorts it into an [`ErrorKind`] by the code tables below. Transport
//! problems (no connection, timeouts, unreadable responses) become [`ErrorKind::Transport`] with a
//! sentence that names the endpoint.
//!
//! [`AwsError::outcome_unknown`] says, in this one place, when a failed call that changes
//! something may have taken effect all the same (its answer was lost): the step kit then looks
//! again before it reports the failure.

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Throttled,
    InvalidState,
    DependencyViolation,
    AccessDenied,
    /// The object already exists (`ResourceAlreadyExistsFault`, `RouteAlreadyExists`, ...); used
    /// when adopting children after a crash.
    AlreadyExists,
    /// The request was cancelled (StopProvider) or a wait ran out of time.
    Cancelled,
    TimedOut,
    /// No answer came (connection refused or reset, timed out, unreadable response): the request
    /// may or may not have been served.
    Transport,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub kind: ErrorKind,
    /// The AWS error code, e.g. `InvalidResourceStateFault`.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl AwsError {
    pub fn new(kind: ErrorKind, code: impl Into<String>, message: impl Into<String>) -> AwsError {
        AwsError { kind, code: code.into(), message: message.into(), request_id: None }
    }
    /// An error with this AWS code, classified by the code tables.
    pub fn from_code(code: impl Into<String>, message: impl Into<String>) -> AwsError {
        let code = code.into();
        AwsError { kind: classify_code(&code), code, message: message.into(), request_id: None }
    }
    pub fn with_request_id(mut self, id: impl Into<String>) -> AwsError {
        self.request_id = Some(id.into());
        self
    }
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
    pub fn is_kind(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
    /// Whether a call that changes something and failed with this error may have taken effect all
    /// the same: see [`outcome_unknown`].
    pub fn outcome_unknown(&self) -> bool {
        self.kind == ErrorKind::Transport || outcome_unknown(&self.code)
    }

    /// AWS answered but was busy: throttling or a server error (5xx) — worth asking again later,
    /// unlike a refusal or an endpoint that cannot be reached.
    pub fn is_busy(&self) -> bool {
        let code = self.code.trim();
        SERVER_ERRORS.contains(&code) || classify_code(code) == ErrorKind::Throttled
    }

    /// Whether the caller's own policies refuse the call ("User: <arn> is not authorized to perform:
    /// <action>"), as opposed to a service refusing a role it was handed (DMS's `AccessDeniedFault`
    /// "The IAM Role ... is not configured properly" while a new role propagates): waiting does not
    /// grant a permission, so only the latter is worth retrying.
    pub fn refuses_the_caller(&self) -> bool {
        PERMISSION_DENIED.contains(&self.code.as_str()) && self.message.contains("not authorized to perform")
    }

    /// The practitioner-facing sentence: `creating DMS replication task (my-task):
    /// InvalidResourceStateFault: ...`, with the request id when AWS sent one.
    pub fn describe(&self, doing: &str, id: &str) -> String {
        let base = self.code_and_message();
        let mut s = if id.is_empty() { format!("{doing}: {base}") } else { format!("{doing} ({id}): {base}") };
        if let Some(rid) = &self.request_id {
            s.push_str(&format!(" (request ID: {rid})"));
        }
        if let Some(hint) = self.missing_permission(id) {
            s.push_str(". ");
            s.push_str(&hint);
        }
        s
    }

    /// `Code: message` (or whichever of the two there is).
    fn code_and_message(&self) -> String {
        match (self.code.is_empty(), self.message.is_empty()) {
            (true, _) => self.message.clone(),
            (false, true) => self.code.clone(),
            (false, false) => format!("{}: {}", self.code, self.message),
        }
    }

    /// For a call the credentials' policies refuse: the permission and the object, as a sentence
    /// that says what to grant. AWS's message names the action ("is not authorized to perform:
    /// dms:CreateReplicationTask on resource: arn:...") for most services; EC2 may answer only an
    /// encoded message, and a create has no ARN yet (then the identifier names the object).
    pub fn missing_permission(&self, id: &str) -> Option<String> {
        if !PERMISSION_DENIED.contains(&self.code.as_str()) {
            return None;
        }
        let after = |marker: &str| {
            self.message.split_once(marker).and_then(|(_, rest)| {
                rest.split_whitespace().next().map(|t| t.trim_end_matches(['.', ',', ';']).to_string())
            })
        };
        let action = after("authorized to perform: ").filter(|a| a.contains(':'));
        let resource = after("on resource: ").or_else(|| (!id.is_empty()).then(|| id.to_string()));
        let on = resource.map(|r| format!(" on {r}")).unwrap_or_default();
        Some(match action {
            Some(a) => format!(
                "Missing IAM permission: {a}{on}. Grant it to the credentials the provider uses (docs/iam lists the \
                 permissions each dmslink resource needs)"
            ),
            None => format!(
                "The credentials lack an IAM permission this call needs{on} (docs/iam lists the permissions each \
                 dmslink resource needs)"
            ),
        })
    }
}

/// Codes of a call the credentials' policies refuse (not of credentials AWS does not accept).
const PERMISSION_DENIED: &[&str] =
    &["AccessDenied", "AccessDeniedException", "AccessDeniedFault", "UnauthorizedOperation"];

/// `creating DMS replication task (my-task): InvalidResourceStateFault: ...`.
pub fn describe(doing: &str, id: &str, err: &AwsError) -> String {
    err.describe(doing, id)
}

/// `Code: message`; a refused permission adds the sentence saying which one (every resource's
/// error texts show it, not only those built with [`AwsError::describe`]).
impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code_and_message())?;
        match self.missing_permission("") {
            Some(hint) => write!(f, ". {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for AwsError {}

const NOT_FOUND: &[&str] = &[
    // DMS
    "ResourceNotFoundFault",
    // generic / JSON protocols
    "ResourceNotFoundException",
    "NotFound",
    "NotFoundException",
    // RDS
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBSubnetGroupNotFoundFault",
    "DBSnapshotNotFound",
    "DBSnapshotNotFoundFault",
    "DBClusterNotFoundFault",
    "DBParameterGroupNotFound",
    "OptionGroupNotFoundFault",
    // IAM
    "NoSuchEntity",
    // EC2: detaching a gateway that is not attached (a detach treats it as done)
    "Gateway.NotAttached",
    // S3
    "NoSuchBucket",
    "NoSuchKey",
];

const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "BandwidthLimitExceeded",
    "SlowDown",
];

const INVALID_STATE: &[&str] = &[
    // DMS
    "InvalidResourceStateFault",
    // EC2
    "IncorrectState",
    "IncorrectInstanceState",
    "InvalidStateTransition",
    "InvalidState",
    // EC2 peering: options of a peering that is not active yet
    "OperationNotPermitted",
    // RDS
    "InvalidDBInstanceState",
    "InvalidDBInstanceStateFault",
    "InvalidDBSnapshotState",
    "InvalidDBSnapshotStateFault",
    "InvalidDBSubnetGroupStateFault",
    "InvalidDBClusterStateFault",
    "InvalidVPCNetworkStateFault",
];

const DEPENDENCY_VIOLATION: &[&str] = &[
    "DependencyViolation",
    "DeleteConflict",
    "ResourceInUse",
    "ResourceInUseException",
    "InvalidGroup.InUse",
    "InvalidDBSubnetGroupFault",
    "InvalidNetworkInterface.InUse",
    "SubnetAlreadyInUse",
];

const ACCESS_DENIED: &[&str] = &[
    // DMS
    "AccessDeniedFault",
    "KMSAccessDeniedFault",
    // generic
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthFailure",
    "AuthorizationError",
    "OptInRequired",
    // credentials and signing
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
];

/// AWS's own failures (HTTP 5xx), which the SDK retries: a retried call may have been served.
const SERVER_ERRORS: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "Unavailable",
];

const ALREADY_EXISTS: &[&str] = &[
    "ResourceAlreadyExistsFault",
    "ResourceAlreadyExistsException",
    // Secrets Manager's CreateSecret on a name in use.
    "ResourceExistsException",
    "AlreadyExists",
    "EntityAlreadyExists",
    "RouteAlreadyExists",
    "InvalidPermission.Duplicate",
    "InvalidGroup.Duplicate",
    "DBInstanceAlreadyExists",
    "DBInstanceAlreadyExistsFault",
    "DBSubnetGroupAlreadyExists",
    "DBSubnetGroupAlreadyExistsFault",
    "DBSnapshotAlreadyExists",
    "DBSnapshotAlreadyExistsFault",
    "Resource.AlreadyAssociated",
];

/// Whether a call that changes something may have taken effect although it failed with this
/// code (the AWS code a step error carries; empty when no AWS answer came). True for
/// - no AWS code: no answer came (transport failure, timeout, an answer without an AWS code);
/// - "already exists" / "conflict" / "duplicate" ([`ErrorKind::AlreadyExists`]): what the SDK's
///   retry of a served create meets (`InvalidSubnet.Conflict`, `DBInstanceAlreadyExists`,
///   `ResourceAlreadyExistsFault`, `RouteAlreadyExists`, `InvalidPermission.Duplicate`,
///   `EntityAlreadyExists`, ...);
/// - throttling and AWS's 5xx: the SDK's last retry met them, an earlier attempt may have been
///   served and its answer lost.
///
/// Anything else is AWS refusing the call: nothing was done.
pub fn outcome_unknown(code: &str) -> bool {
    let code = code.trim();
    code.is_empty()
        || SERVER_ERRORS.contains(&code)
        || matches!(classify_code(code), ErrorKind::AlreadyExists | ErrorKind::Throttled)
}

/// Sorts an AWS error code into a kind. EC2's `*.NotFound` family (`InvalidVpcID.NotFound`, ...) is
/// recognised by suffix, as are `*.Duplicate` and `*.Conflict` codes (`InvalidSubnet.Conflict`: a
/// subnet with that CIDR block exists already).
pub fn classify_code(code: &str) -> ErrorKind {
    let code = code.trim();
    if code.is_empty() {
        ErrorKind::Other
    } else if NOT_FOUND.contains(&code) || code.ends_with(".NotFound") || code.ends_with(".Malformed.NotFound") {
        ErrorKind::NotFound
    } else if THROTTLED.contains(&code) {
        ErrorKind::Throttled
    } else if INVALID_STATE.contains(&code) {
        ErrorKind::InvalidState
    } else if DEPENDENCY_VIOLATION.contains(&code) {
        ErrorKind::DependencyViolation
    } else if ACCESS_DENIED.contains(&code) {
        ErrorKind::AccessDenied
    } else if ALREADY_EXISTS.contains(&code) || code.ends_with(".Duplicate") || code.ends_with(".Conflict") {
        ErrorKind::AlreadyExists
    } else {
        ErrorKind::Other
    }
}

/// Classifies an SDK error. `endpoint` names where the call went (used for transport failures).
pub fn from_sdk<E>(err: SdkError<E, HttpResponse>, endpoint: &str) -> AwsError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let request_id = err.request_id().map(str::to_string);
    let out = match &err {
        SdkError::ServiceError(_) => {
            let code = err.code().unwrap_or_default().to_string();
            let message = match err.message() {
                Some(m) if !m.is_empty() => m.to_string(),
                _ => source_chain(&err),
            };
            if code.is_empty() {
                let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or_default();
                AwsError::new(
                    ErrorKind::Other,
                    "",
                    format!(
                        "the endpoint {endpoint} answered HTTP {status} without an AWS error code \
                         (is it an AWS API endpoint?): {message}"
                    ),
                )
            } else {
                AwsError::from_code(code, message)
            }
        }
        SdkError::DispatchFailure(d) => {
            let why = source_chain(&err);
            let msg = if d.is_timeout() {
                format!("could not reach the AWS endpoint {endpoint}: timed out connecting ({why})")
            } else if is_untrusted_certificate(&why) {
                format!(
                    "could not reach the AWS endpoint {endpoint}: {why}. The endpoint's TLS certificate is not signed \
                     by a certificate authority this machine trusts; behind a TLS-inspecting proxy or with a private \
                     endpoint, set custom_ca_bundle (or AWS_CA_BUNDLE) to that authority's PEM file"
                )
            } else {
                format!("could not reach the AWS endpoint {endpoint}: {why}")
            };
            AwsError::new(ErrorKind::Transport, "", msg)
        }
        SdkError::TimeoutError(_) => AwsError::new(
            ErrorKind::Transport,
            "",
            format!("the AWS endpoint {endpoint} did not answer in time: {}", source_chain(&err)),
        ),
        SdkError::ResponseError(_) => AwsError::new(
            ErrorKind::Transport,
            "",
            format!("unreadable response from the AWS endpoint {endpoint}: {}", source_chain(&err)),
        ),
        SdkError::ConstructionFailure(_) => {
            AwsError::new(ErrorKind::Other, "", format!("could not build the AWS request: {}", source_chain(&err)))
        }
        _ => AwsError::new(ErrorKind::Other, "", source_chain(&err)),
    };
    match request_id {
        Some(id) if !id.is_empty() => out.with_request_id(id),
        _ => out,
    }
}

/// The error's causes joined with ": ", skipping the SDK's generic wrappers ("dispatch failure",
/// "service error") and repeats.
fn source_chain(err: &(dyn StdError + 'static)) -> String {
    const GENERIC: &[&str] =
        &["dispatch failure", "service error", "timeout", "response error", "failed to construct request", "io error"];
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        let s = s.trim().to_string();
        if !s.is_empty() && !GENERIC.contains(&s.as_str()) && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    if parts.is_empty() { "unknown error".to_string() } else { parts.join(": ") }
}

/// rustls's words for a certificate chain that ends at an authority nobody trusts here.
fn is_untrusted_certificate(why: &str) -> bool {
    why.contains("UnknownIssuer") || why.contains("unable to get local issuer certificate")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    #[test]
    fn codes_classify_by_table() {
        let cases = [
            ("ResourceNotFoundFault", ErrorKind::NotFound),
            ("InvalidVpcID.NotFound", ErrorKind::NotFound),
            ("InvalidVpcPeeringConnectionID.NotFound", ErrorKind::NotFound),
            ("InvalidRoute.NotFound", ErrorKind::NotFound),
            ("InvalidPermission.NotFound", ErrorKind::NotFound),
            ("DBInstanceNotFound", ErrorKind::NotFound),
            ("DBSubnetGroupNotFoundFault", ErrorKind::NotFound),
            ("DBSnapshotNotFound", ErrorKind::NotFound),
            ("NoSuchEntity", ErrorKind::NotFound),
            ("Throttling", ErrorKind::Throttled),
            ("ThrottlingException", ErrorKind::Throttled),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            ("TooManyRequestsException", ErrorKind::Throttled),
            ("InvalidResourceStateFault", ErrorKind::InvalidState),
            ("IncorrectState", ErrorKind::InvalidState),
            ("InvalidDBInstanceState", ErrorKind::InvalidState),
            ("InvalidStateTransition", ErrorKind::InvalidState),
            ("OperationNotPermitted", ErrorKind::InvalidState),
            ("DependencyViolation", ErrorKind::DependencyViolation),
            ("DeleteConflict", ErrorKind::DependencyViolation),
            ("AccessDeniedFault", ErrorKind::AccessDenied),
            ("AccessDenied", ErrorKind::AccessDenied),
            ("UnauthorizedOperation", ErrorKind::AccessDenied),
            ("InvalidClientTokenId", ErrorKind::AccessDenied),
            ("ResourceAlreadyExistsFault", ErrorKind::AlreadyExists),
            ("InvalidPermission.Duplicate", ErrorKind::AlreadyExists),
            ("RouteAlreadyExists", ErrorKind::AlreadyExists),
            ("InvalidParameterValueException", ErrorKind::Other),
            ("", ErrorKind::Other),
        ];
        for (code, want) in cases {
            assert_eq!(classify_code(code), want, "{code}");
        }
    }

    #[test]
    fn ec2_rds_iam_codes_classify() {
        let cases = [
            ("InvalidSubnetID.NotFound", ErrorKind::NotFound),
            ("InvalidGroup.NotFound", ErrorKind::NotFound),
            ("InvalidVpnGatewayID.NotFound", ErrorKind::NotFound),
            ("InvalidVpnGatewayAttachment.NotFound", ErrorKind::NotFound),
            ("InvalidInternetGatewayID.NotFound", ErrorKind::NotFound),
            ("InvalidRouteTableID.NotFound", ErrorKind::NotFound),
            ("InvalidNetworkInterfaceID.NotFound", ErrorKind::NotFound),
            ("Gateway.NotAttached", ErrorKind::NotFound),
            ("DBSubnetGroupNotFoundFault", ErrorKind::NotFound),
            ("DBSnapshotNotFound", ErrorKind::NotFound),
            ("NoSuchEntity", ErrorKind::NotFound),
            ("IncorrectState", ErrorKind::InvalidState),
            ("InvalidDBInstanceState", ErrorKind::InvalidState),
            ("InvalidDBSubnetGroupStateFault", ErrorKind::InvalidState),
            ("InvalidGroup.InUse", ErrorKind::DependencyViolation),
            ("InvalidNetworkInterface.InUse", ErrorKind::DependencyViolation),
            ("SubnetAlreadyInUse", ErrorKind::DependencyViolation),
            ("DeleteConflict", ErrorKind::DependencyViolation),
            ("AccessDeniedFault", ErrorKind::AccessDenied),
            ("EntityAlreadyExists", ErrorKind::AlreadyExists),
            ("InvalidGroup.Duplicate", ErrorKind::AlreadyExists),
            ("DBInstanceAlreadyExists", ErrorKind::AlreadyExists),
            ("DBSubnetGroupAlreadyExists", ErrorKind::AlreadyExists),
            ("DBSnapshotAlreadyExists", ErrorKind::AlreadyExists),
            ("Resource.AlreadyAssociated", ErrorKind::AlreadyExists),
            ("InvalidParameterCombination", ErrorKind::Other),
            ("InvalidParameterCombinationException", ErrorKind::Other),
            ("ReplicationSubnetGroupDoesNotCoverEnoughAZs", ErrorKind::Other),
            ("DBSubnetGroupDoesNotCoverEnoughAZs", ErrorKind::Other),
            ("VpnGatewayAttachmentLimitExceeded", ErrorKind::Other),
            ("InvalidVpc.Range", ErrorKind::Other),
            ("InvalidSubnet.Conflict", ErrorKind::AlreadyExists),
            ("MalformedPolicyDocument", ErrorKind::Other),
        ];
        for (code, want) in cases {
            assert_eq!(classify_code(code), want, "{code}");
        }
    }

    #[test]
    fn describe_names_action_id_code_and_request_id() {
        let e = AwsError::from_code("InvalidResourceStateFault", "task is running");
        assert_eq!(
            e.describe("creating DMS replication task", "my-task"),
            "creating DMS replication task (my-task): InvalidResourceStateFault: task is running"
        );
        let e = e.with_request_id("req-1");
        assert_eq!(
            describe("stopping DMS replication task", "t", &e),
            "stopping DMS replication task (t): InvalidResourceStateFault: task is running (request ID: req-1)"
        );
        let plain = AwsError::new(ErrorKind::Other, "", "could not reach the AWS endpoint http://x");
        assert_eq!(plain.to_string(), "could not reach the AWS endpoint http://x");
    }

    #[test]
    fn a_refusal_of_the_callers_permission_is_told_apart_from_a_role_not_yet_usable() {
        let caller = AwsError::from_code(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dms:CreateReplicationInstance",
        );
        assert!(caller.refuses_the_caller());
        let propagating = AwsError::from_code(
            "AccessDeniedFault",
            "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly.",
        );
        assert!(!propagating.refuses_the_caller());
        assert!(!AwsError::from_code("ThrottlingException", "not authorized to perform: x").refuses_the_caller());
    }

    #[test]
    fn a_denied_call_names_the_missing_permission_and_the_object() {
        let aws = AwsError::from_code(
            "AccessDeniedException".to_string(),
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dms:DeleteReplicationTask on \
             resource: arn:aws:dms:eu-west-1:123456789012:task:ABC because no identity-based policy allows it"
                .to_string(),
        );
        let text = aws.describe("deleting DMS replication task", "t1");
        assert!(
            text.ends_with(
                "Missing IAM permission: dms:DeleteReplicationTask on arn:aws:dms:eu-west-1:123456789012:task:ABC. \
                 Grant it to the credentials the provider uses (docs/iam lists the permissions each dmslink resource needs)"
            ),
            "{text}"
        );
        // No resource in AWS's words: the object the call was about.
        let moto = AwsError::from_code(
            "UnauthorizedOperation".to_string(),
            "You are not authorized to perform this operation. User: u is not authorized to perform: ec2:CreateVpc"
                .to_string(),
        );
        assert!(
            moto.describe("creating EC2 VPC", "stack-vpc")
                .contains("Missing IAM permission: ec2:CreateVpc on stack-vpc.")
        );
        // An encoded EC2 message: no action to name, still what to do.
        let encoded = AwsError::from_code(
            "UnauthorizedOperation".to_string(),
            "You are not authorized to perform this operation. Encoded authorization failure message: xyz".to_string(),
        );
        let text = encoded.describe("creating EC2 VPC", "");
        assert!(text.contains("lack an IAM permission this call needs (docs/iam"), "{text}");
        // Credentials AWS does not accept are another matter.
        let bad_key = AwsError::from_code("InvalidClientTokenId".to_string(), "The security token is invalid.");
        assert!(bad_key.missing_permission("x").is_none());
    }

    #[derive(Debug)]
    struct FakeServiceError(ErrorMetadata);
    impl fmt::Display for FakeServiceError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "service error {:?}", self.0.code())
        }
    }
    impl StdError for FakeServiceError {}
    impl ProvideErrorMetadata for FakeServiceError {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }

    fn response(request_id: Option<&str>) -> HttpResponse {
        let mut r = HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::empty());
        if let Some(id) = request_id {
            r.headers_mut().insert("x-amzn-requestid", id.to_string());
        }
        r
    }

    #[test]
    fn service_errors_keep_code_message_and_request_id() {
        let meta = ErrorMetadata::builder().code("ResourceNotFoundFault").message("No task found").build();
        let err: SdkError<FakeServiceError, HttpResponse> =
            SdkError::service_error(FakeServiceError(meta), response(Some("abc-123")));
        let e = from_sdk(err, "https://dms.us-east-1.amazonaws.com");
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.code, "ResourceNotFoundFault");
        assert_eq!(e.message, "No task found");
        assert_eq!(e.request_id.as_deref(), Some("abc-123"));
    }

    #[test]
    fn answers_without_an_error_code_name_endpoint_and_status() {
        let meta = ErrorMetadata::builder().build();
        let mut raw = response(None);
        *raw.status_mut() = StatusCode::try_from(502).unwrap();
        let err: SdkError<FakeServiceError, HttpResponse> = SdkError::service_error(FakeServiceError(meta), raw);
        let e = from_sdk(err, "http://proxy:8080");
        assert_eq!(e.kind, ErrorKind::Other);
        assert!(
            e.message.starts_with("the endpoint http://proxy:8080 answered HTTP 502 without an AWS error code"),
            "{e}"
        );
    }

    #[test]
    fn dispatch_failures_name_the_endpoint() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
        let err: SdkError<FakeServiceError, HttpResponse> = SdkError::dispatch_failure(ConnectorError::io(io.into()));
        let e = from_sdk(err, "http://127.0.0.1:1");
        assert_eq!(e.kind, ErrorKind::Transport);
        assert!(e.outcome_unknown(), "a connection that failed may have delivered the request");
        assert!(e.code.is_empty());
        assert!(e.message.starts_with("could not reach the AWS endpoint http://127.0.0.1:1: "), "{}", e.message);
        assert!(e.message.contains("Connection refused"), "{}", e.message);

        let err: SdkError<FakeServiceError, HttpResponse> = SdkError::timeout_error("operation timed out after 30s");
        let e = from_sdk(err, "http://127.0.0.1:1");
        assert_eq!(e.kind, ErrorKind::Transport);
        assert!(e.message.contains("did not answer in time"), "{}", e.message);
    }

    /// What the SDK's retry of a served create meets, and the transport failures, may hide a call
    /// that took effect; AWS refusing the call does not.
    #[test]
    fn outcome_unknown_after_lost_answers_only() {
        for code in [
            "",
            "InvalidSubnet.Conflict",
            "InvalidGroup.Duplicate",
            "InvalidPermission.Duplicate",
            "RouteAlreadyExists",
            "Resource.AlreadyAssociated",
            "DBInstanceAlreadyExists",
            "DBSubnetGroupAlreadyExists",
            "ResourceAlreadyExistsFault",
            "EntityAlreadyExists",
            "RequestLimitExceeded",
            "Throttling",
            "InternalError",
            "ServiceUnavailable",
        ] {
            assert!(outcome_unknown(code), "{code:?}");
        }
        for code in [
            "InvalidParameterValue",
            "InvalidParameterValueException",
            "AccessDeniedFault",
            "UnauthorizedOperation",
            "InvalidVpcID.NotFound",
            "VpcLimitExceeded",
            "InvalidVpc.Range",
            "DependencyViolation",
            "InvalidResourceStateFault",
        ] {
            assert!(!outcome_unknown(code), "{code:?}");
        }
        assert!(AwsError::new(ErrorKind::Transport, "", "connection reset").outcome_unknown());
    }
}
