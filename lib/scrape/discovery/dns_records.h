// DNS answers turned into targets, labelled as Prometheus 2.42's dns_sd_config labels them.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lib/scrape/discovery/target_group.h"

namespace tsdbd::scrape::discovery {

// One answer record, reduced to what a target needs.
struct DnsRecord {
  enum class Type { kA, kAAAA, kSrv, kMx };
  Type type;
  std::string host;   // the address text (A, AAAA) or the target name with its final dot
  uint16_t port = 0;  // SRV only
};

// The group for the look-up of `name` (its source and __meta_dns_name, as configured):
// A/AAAA give <ip>:<port>, SRV <target>:<record port> with __meta_dns_srv_record_target and
// __meta_dns_srv_record_port, MX <exchange>:<port> with __meta_dns_mx_record_target; the
// final dot is trimmed in __address__ but kept in the labels.
TargetGroup DnsTargetGroup(std::string_view name, int port, std::span<const DnsRecord> records);

// host:port, with an IPv6 host in brackets (Go's net.JoinHostPort).
std::string JoinHostPort(std::string_view host, int port);

// An address as Go's net.IP.String prints it: dotted IPv4; IPv6 in RFC 5952 form (lower
// case, the longest run of two or more zero groups as "::"), an IPv4-mapped IPv6 address as
// dotted IPv4.
std::string FormatIPv4(const std::array<uint8_t, 4>& a);
std::string FormatIPv6(const std::array<uint8_t, 16>& a);

}  // namespace tsdbd::scrape::discovery
