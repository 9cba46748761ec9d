//! The client's address, for limits kept per address (logins): the direct peer, unless the peer
//! is a trusted proxy (NOK_TRUSTED_PROXIES), in which case the proxies' `X-Forwarded-For` (or,
//! without it, `Forwarded`) is read from the right, and the first hop that is not a trusted
//! proxy is the client. Hops further left were written by the client and prove nothing.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use ipnet::IpNet;

/// NOK_TRUSTED_PROXIES, kept as app data.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trust(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client address of `req`, as text (a hop that is not an address, such as
    /// `unknown`, is kept as it was written).
    pub fn client_of(&self, req: &HttpRequest) -> String {
        let headers = req.headers();
        let joined = |name: &str| {
            let values: Vec<&str> = headers
                .get_all(name)
                .filter_map(|value| value.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        };
        self.client(
            req.peer_addr().map(|peer| peer.ip()),
            joined("x-forwarded-for").as_deref(),
            joined("forwarded").as_deref(),
        )
    }

    /// The rule on its own: `peer` and the two headers' values (each header's lines joined
    /// with commas, as HTTP allows).
    pub fn client(
        &self,
        peer: Option<IpAddr>,
        forwarded_for: Option<&str>,
        forwarded: Option<&str>,
    ) -> String {
        let Some(peer) = peer else {
            return String::new();
        };
        if !self.trust(peer) {
            return peer.to_canonical().to_string();
        }
        let hops: Vec<String> = match (forwarded_for, forwarded) {
            (Some(list), _) => list.split(',').map(|hop| hop.trim().to_owned()).collect(),
            (None, Some(forwarded)) => forwarded_hops(forwarded),
            (None, None) => Vec::new(),
        };
        let mut client = peer.to_canonical().to_string();
        for hop in hops.iter().rev().filter(|hop| !hop.is_empty()) {
            match parse_hop(hop) {
                Some(address) if self.trust(address) => client = address.to_string(),
                Some(address) => return address.to_canonical().to_string(),
                None => return hop.clone(),
            }
        }
        // Every hop is a trusted proxy: the leftmost is as far as anyone can tell.
        client
    }
}

/// The `for=` values of a `Forwarded` header (RFC 7239), in order.
fn forwarded_hops(value: &str) -> Vec<String> {
    value
        .split(',')
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim().trim_matches('"').to_owned())
            })
        })
        .collect()
}

/// An address as hops write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`, `[2001:db8::1]`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies(crate::config::parse_networks(list).unwrap())
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = proxies("");
        assert_eq!(
            none.client(ip("203.0.113.9"), Some("1.2.3.4"), None),
            "203.0.113.9"
        );
        let other = proxies("10.0.0.0/8");
        assert_eq!(
            other.client(ip("203.0.113.9"), Some("1.2.3.4"), Some("for=5.6.7.8")),
            "203.0.113.9"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let lb = proxies("10.0.0.0/8, 127.0.0.1");
        // The client forged the first hop; the proxy appended the address it saw.
        assert_eq!(
            lb.client(
                ip("127.0.0.1"),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.5"),
                None
            ),
            "198.51.100.7"
        );
        assert_eq!(
            lb.client(ip("10.1.2.3"), Some("198.51.100.7:5555"), None),
            "198.51.100.7"
        );
        assert_eq!(
            lb.client(ip("10.1.2.3"), Some("[2001:db8::7]:443"), None),
            "2001:db8::7"
        );
        // No header: the proxy itself; only proxies: the leftmost.
        assert_eq!(lb.client(ip("10.1.2.3"), None, None), "10.1.2.3");
        assert_eq!(
            lb.client(ip("10.1.2.3"), Some("10.0.0.9, 10.0.0.5"), None),
            "10.0.0.9"
        );
        // A hop that is no address ends the walk as it is.
        assert_eq!(lb.client(ip("10.1.2.3"), Some("unknown"), None), "unknown");
        // Without X-Forwarded-For, RFC 7239.
        assert_eq!(
            lb.client(
                ip("10.1.2.3"),
                None,
                Some(r#"for=6.6.6.6, for="[2001:db8::7]:4711";proto=https, For=10.0.0.5"#)
            ),
            "2001:db8::7"
        );
        // An IPv4-mapped peer is its IPv4 address.
        assert_eq!(
            lb.client(ip("::ffff:10.0.0.5"), Some("198.51.100.7"), None),
            "198.51.100.7"
        );
    }
}
