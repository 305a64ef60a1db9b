//! Network names: IPv4 CIDR blocks, host names and addresses of existing servers, availability zones.

use super::q;

/// An IPv4 CIDR block (VPCs and their subnets are IPv4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (ip, prefix) = text.split_once('/').ok_or("missing the /prefix length")?;
        let octets: Vec<&str> = ip.split('.').collect();
        if octets.len() != 4 {
            return Err("the address needs four dot-separated numbers".into());
        }
        let mut addr = 0u32;
        for o in octets {
            let n: u8 = o.parse().map_err(|_| format!("{o:?} is not a number from 0 to 255"))?;
            addr = (addr << 8) | u32::from(n);
        }
        let prefix: u8 = prefix.parse().map_err(|_| format!("{prefix:?} is not a prefix length"))?;
        if prefix > 32 {
            return Err("the prefix length is at most 32".into());
        }
        let c = Cidr { addr, prefix };
        if addr & !c.mask() != 0 {
            return Err(format!("host bits are set; the network address is {}", c.network()));
        }
        Ok(c)
    }
    fn mask(self) -> u32 {
        if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) }
    }
    fn last(self) -> u32 {
        self.addr | !self.mask()
    }
    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.addr & self.mask() == self.addr
    }
    pub fn overlaps(self, other: Cidr) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }
    pub fn network(self) -> String {
        let a = self.addr & self.mask();
        format!("{}.{}.{}.{}/{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, self.prefix)
    }
}

/// A DNS host name (RFC 1123 labels of letters, digits and hyphens, at most 253 characters) or an
/// IPv4/IPv6 address: what DMS connects to as `ServerName`.
pub fn server_name(text: &str) -> Result<(), String> {
    if text.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let name = text.strip_suffix('.').unwrap_or(text);
    if !name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok) {
        return Ok(());
    }
    Err(format!(
        "{} is neither a host name nor an IP address; give the server's DNS name (e.g. \"oracle.corp.example.com\") or address.",
        q(text)
    ))
}

/// A VPN gateway id: `vgw-` and 8 or 17 lower-case hex digits, as EC2 ids are (EC2 API reference,
/// `VpnGateway.VpnGatewayId`; the long form since 2018).
pub fn vpn_gateway_id(text: &str) -> Result<(), String> {
    let hex = text.strip_prefix("vgw-").unwrap_or_default();
    if (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Ok(());
    }
    Err(format!(
        "{} is not the ID of a VPN gateway: \"vgw-\" and 8 or 17 lower-case hex digits, e.g. \"vgw-0123456789abcdef0\" (the VpnGatewayId of `aws ec2 describe-vpn-gateways`, or `aws_vpn_gateway.<name>.id`).",
        q(text)
    ))
}

/// An availability zone name: a region's name and a zone letter (`us-east-1a`, `ap-southeast-2b`,
/// local zones such as `us-west-2-lax-1a`).
pub fn availability_zone(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('-').collect();
    let ok = text.len() <= 64
        && parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && parts.last().is_some_and(|p| {
            p.len() >= 2 && p.starts_with(|c: char| c.is_ascii_digit()) && p.ends_with(|c: char| c.is_ascii_lowercase())
        });
    if ok {
        return Ok(());
    }
    Err(format!(
        "{} is not an availability zone name; they look like \"us-east-1a\" (a region and a zone letter).",
        q(text)
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn server_names() {
        for ok in ["oracle.corp.example.com", "10.1.2.3", "::1", "db1", "db1.example.com."] {
            assert!(server_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space.example.com", "-lead.example.com", "a..b", "x_y.example.com", "http://db"] {
            assert!(server_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn availability_zones() {
        for ok in ["us-east-1a", "ap-southeast-2b", "us-gov-west-1a", "us-west-2-lax-1a"] {
            assert!(availability_zone(ok).is_ok(), "{ok}");
        }
        for bad in ["us-east-1", "useast1a", "US-EAST-1A", "us-east-a", "a-east-1a", ""] {
            assert!(availability_zone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn vpn_gateway_ids() {
        for ok in ["vgw-0123456789abcdef0", "vgw-1a2b3c4d"] {
            assert!(vpn_gateway_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "vgw-", "vpc-0123456789abcdef0", "vgw-0123456789ABCDEF0", "vgw-123", "vgw-0123456789abcdef0 "] {
            let why = vpn_gateway_id(bad).unwrap_err();
            assert!(why.contains("vgw-0123456789abcdef0"), "{bad}: {why}");
        }
    }
}
