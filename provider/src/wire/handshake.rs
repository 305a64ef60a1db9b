//! The go-plugin handshake (plugin-protocol.md §1-2): what the environment must say before we
//! serve, the one line we print on stdout, and the debug-mode reattach message.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";
pub const UNIX_SOCKET_DIR_KEY: &str = "PLUGIN_UNIX_SOCKET_DIR";

/// go-plugin's core protocol version.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol major version we speak.
pub const APP_PROTOCOL_VERSION: u32 = 6;
/// The provider's addresses in the debug-mode reattach line: the key must equal the address the
/// configuration's `source = "dmslink/dmslink"` resolves to, and each CLI resolves it on its own
/// default registry (Terraform: registry.terraform.io, OpenTofu: registry.opentofu.org). Both are
/// listed so one line attaches either CLI; a CLI ignores the entry its configuration does not use.
pub const PROVIDER_ADDRESSES: [&str; 2] =
    ["registry.terraform.io/dmslink/dmslink", "registry.opentofu.org/dmslink/dmslink"];

/// Why the process must not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error(
        "This binary is a Terraform plugin (the dmslink provider). It is started by Terraform and is not meant to be run directly; to debug it, run it with -debug."
    )]
    NotLaunchedByTerraform,
    #[error(
        "The dmslink provider speaks Terraform plugin protocol 6 only (Terraform 1.0 or newer, OpenTofu 1.6 or newer), but this Terraform offers protocol version(s): {offered}. Upgrade Terraform."
    )]
    UnsupportedProtocol { offered: String },
}

/// What Terraform told us through the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeEnv {
    /// `PLUGIN_CLIENT_CERT` (PEM): AutoMTLS is on when present.
    pub client_cert_pem: Option<String>,
    /// `PLUGIN_UNIX_SOCKET_DIR`, when set.
    pub socket_dir: Option<String>,
}

/// Checks the magic cookie and the offered protocol versions; `env` looks a variable up.
pub fn check_env(env: impl Fn(&str) -> Option<String>) -> Result<HandshakeEnv, HandshakeError> {
    if env(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotLaunchedByTerraform);
    }
    let offered = env(PROTOCOL_VERSIONS_KEY).unwrap_or_default();
    let speaks_6 = offered.split(',').any(|v| v.trim() == APP_PROTOCOL_VERSION.to_string());
    if !speaks_6 {
        let offered = if offered.trim().is_empty() { "none".to_string() } else { offered };
        return Err(HandshakeError::UnsupportedProtocol { offered });
    }
    let non_empty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    Ok(HandshakeEnv { client_cert_pem: non_empty(CLIENT_CERT_KEY), socket_dir: non_empty(UNIX_SOCKET_DIR_KEY) })
}

/// Where the server listens, as go-plugin names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(String),
    Tcp(String),
}

impl Address {
    pub fn network(&self) -> &'static str {
        match self {
            Address::Unix(_) => "unix",
            Address::Tcp(_) => "tcp",
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            Address::Unix(s) | Address::Tcp(s) => s,
        }
    }
}

/// `1|6|unix|/path|grpc|<cert>`: the server certificate is DER in standard base64 without
/// padding (Go's `RawStdEncoding`), empty without AutoMTLS. No trailing newline.
pub fn handshake_line(addr: &Address, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der.map(|der| STANDARD_NO_PAD.encode(der)).unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|{}|{}|grpc|{cert}", addr.network(), addr.as_str())
}

/// The `TF_REATTACH_PROVIDERS` JSON for a debug server.
pub fn reattach_json(pid: u32, addr: &Address) -> String {
    let entry = serde_json::json!({
        "Protocol": "grpc",
        "ProtocolVersion": APP_PROTOCOL_VERSION,
        "Pid": pid,
        "Test": true,
        "Addr": { "Network": addr.network(), "String": addr.as_str() }
    });
    let map: serde_json::Map<String, serde_json::Value> =
        PROVIDER_ADDRESSES.iter().map(|a| (a.to_string(), entry.clone())).collect();
    serde_json::Value::Object(map).to_string()
}

/// What terraform-plugin-go prints in `-debug` mode, verbatim apart from the JSON.
pub fn reattach_message(pid: u32, addr: &Address) -> String {
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{}'\n",
        reattach_json(pid, addr)
    )
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

    #[test]
    fn the_magic_cookie_is_required() {
        assert_eq!(check_env(env(&[])), Err(HandshakeError::NotLaunchedByTerraform));
        assert_eq!(
            check_env(env(&[(MAGIC_COOKIE_KEY, "nope"), (PROTOCOL_VERSIONS_KEY, "6")])),
            Err(HandshakeError::NotLaunchedByTerraform)
        );
        let msg = HandshakeError::NotLaunchedByTerraform.to_string();
        assert!(msg.contains("Terraform plugin") && !msg.contains('\n'));
    }

    #[test]
    fn protocol_6_must_be_offered_in_any_order() {
        for offered in ["5,6", "6,5", "6", " 5 , 6 "] {
            let got = check_env(env(&[(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE), (PROTOCOL_VERSIONS_KEY, offered)]));
            assert!(got.is_ok(), "{offered}");
        }
        for offered in ["5", "", "4,5", "60"] {
            let got = check_env(env(&[(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE), (PROTOCOL_VERSIONS_KEY, offered)]));
            assert!(matches!(got, Err(HandshakeError::UnsupportedProtocol { .. })), "{offered}");
        }
    }

    #[test]
    fn client_cert_turns_on_mtls() {
        let base = [(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE), (PROTOCOL_VERSIONS_KEY, "5,6")];
        assert_eq!(check_env(env(&base)).unwrap().client_cert_pem, None);
        let with = [base[0], base[1], (CLIENT_CERT_KEY, "-----BEGIN CERTIFICATE-----")];
        assert!(check_env(env(&with)).unwrap().client_cert_pem.is_some());
    }

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_base64() {
        let addr = Address::Unix("/tmp/x/plugin.sock".into());
        // 4 bytes encode to 6 chars + "==" with padding.
        let line = handshake_line(&addr, Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|AQIDBA");
        assert_eq!(line.split('|').count(), 6);
        assert_eq!(handshake_line(&Address::Tcp("127.0.0.1:1234".into()), None), "1|6|tcp|127.0.0.1:1234|grpc|");
    }

    #[test]
    fn reattach_message_matches_terraform_plugin_go() {
        let msg = reattach_message(42, &Address::Unix("/tmp/p.sock".into()));
        let mut lines = msg.lines();
        assert_eq!(
            lines.next(),
            Some(
                "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:"
            )
        );
        assert_eq!(lines.next(), Some(""));
        let last = lines.next().unwrap();
        let json = last.strip_prefix("\tTF_REATTACH_PROVIDERS='").unwrap().strip_suffix('\'').unwrap();
        assert_eq!(
            json,
            r#"{"registry.terraform.io/dmslink/dmslink":{"Protocol":"grpc","ProtocolVersion":6,"Pid":42,"Test":true,"Addr":{"Network":"unix","String":"/tmp/p.sock"}},"registry.opentofu.org/dmslink/dmslink":{"Protocol":"grpc","ProtocolVersion":6,"Pid":42,"Test":true,"Addr":{"Network":"unix","String":"/tmp/p.sock"}}}"#
        );
    }
}
