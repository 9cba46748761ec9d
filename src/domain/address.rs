//! Which network addresses and host names a webhook may be delivered to: public ones only.
//! The tables follow the IANA special-purpose address registries (IPv4 and IPv6), the multicast
//! ranges, and the special-use domain names.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// IPv4 ranges that are not a public receiver's: the special-purpose registry (RFC 6890 and
/// its updates), multicast and the reserved block.
const NOT_PUBLIC_V4: &[(&str, &str)] = &[
    ("0.0.0.0/8", "this network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "limited broadcast"),
];

/// IPv6 ranges that are not a public receiver's. Everything outside `2000::/3` (global unicast)
/// is refused anyway, except NAT64's well-known prefix, whose embedded IPv4 address decides.
const NOT_PUBLIC_V6: &[(&str, &str)] = &[
    (
        "2001::/23",
        "IETF protocol assignments (Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID)",
    ),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing (SRv6) SIDs"),
];

fn v4_nets() -> impl Iterator<Item = Ipv4Net> {
    NOT_PUBLIC_V4
        .iter()
        .map(|(net, _)| net.parse().expect("a valid IPv4 range"))
}

fn v6_nets() -> impl Iterator<Item = Ipv6Net> {
    NOT_PUBLIC_V6
        .iter()
        .map(|(net, _)| net.parse().expect("a valid IPv6 range"))
}

/// The address is a public receiver's: not loopback, private, link-local, shared, multicast,
/// documentation, benchmarking, reserved, nor an IPv6 address that embeds one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

pub fn is_public_v4(ip: Ipv4Addr) -> bool {
    !v4_nets().any(|net| net.contains(&ip))
}

pub fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    // NAT64's well-known prefix (64:ff9b::/96) reaches the IPv4 address it embeds.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // Outside global unicast: loopback, unspecified, IPv4-mapped (::ffff:0:0/96) and
    // -compatible (::/96), discard-only, NAT64 local use, unique-local, link-local,
    // site-local, multicast (ff00::/8), and what is not allocated.
    if s[0] & 0xe000 != 0x2000 {
        return false;
    }
    // 6to4 (2002::/16) reaches the IPv4 address in its next 32 bits.
    if s[0] == 0x2002 && !is_public_v4(embedded(s[1], s[2])) {
        return false;
    }
    !v6_nets().any(|net| net.contains(&ip))
}

/// Host names that name this machine or a private network whatever they resolve to: `localhost`
/// and its subdomains, the special-use local domains (`.local`, `.internal`, `.home.arpa`,
/// `.localdomain`, `.lan`), and single-label names (resolved through the machine's search
/// domains). `host` is lower case, without a trailing dot.
pub fn is_internal_name(host: &str) -> bool {
    const INTERNAL_SUFFIXES: &[&str] = &[
        ".localhost",
        ".local",
        ".internal",
        ".home.arpa",
        ".localdomain",
        ".lan",
    ];
    host.is_empty()
        || host == "localhost"
        || !host.contains('.')
        || INTERNAL_SUFFIXES
            .iter()
            .any(|suffix| host.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_parse() {
        assert_eq!(v4_nets().count(), NOT_PUBLIC_V4.len());
        assert_eq!(v6_nets().count(), NOT_PUBLIC_V6.len());
    }

    #[test]
    fn special_purpose_ipv4_addresses_are_not_public() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.254",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.3.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn special_purpose_ipv6_addresses_are_not_public() {
        for ip in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:0:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:db8::1",
            "2002:7f00:1::",
            "2002:a00:1::1",
            "2002:c0a8:101::1",
            "2002:a9fe:a9fe::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "ff05::2",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:82b::200e",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn local_names_are_internal() {
        for host in [
            "localhost",
            "api.localhost",
            "printer.local",
            "metadata.google.internal",
            "db.internal",
            "nas.home.arpa",
            "box.localdomain",
            "router.lan",
            "metadata",
            "",
        ] {
            assert!(is_internal_name(host), "{host}");
        }
        for host in [
            "soc71.example.ru",
            "hooks.example.com",
            "internal.example.org",
        ] {
            assert!(!is_internal_name(host), "{host}");
        }
    }
}
