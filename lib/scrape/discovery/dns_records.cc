#include "lib/scrape/discovery/dns_records.h"

#include <cstdio>

namespace tsdbd::scrape::discovery {

namespace {

std::string_view TrimFinalDots(std::string_view s) {
  while (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string JoinHostPort(std::string_view host, int port) {
  std::string out;
  if (host.find(':') != std::string_view::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  out.append(":").append(std::to_string(port));
  return out;
}

std::string FormatIPv4(const std::array<uint8_t, 4>& a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return buf;
}

std::string FormatIPv6(const std::array<uint8_t, 16>& a) {
  bool mapped = a[10] == 0xff && a[11] == 0xff;
  for (int i = 0; i < 10 && mapped; ++i) mapped = a[i] == 0;
  if (mapped) return FormatIPv4({a[12], a[13], a[14], a[15]});
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best = -1;
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

TargetGroup DnsTargetGroup(std::string_view name, int port, std::span<const DnsRecord> records) {
  TargetGroup g;
  g.source = std::string(name);
  for (const DnsRecord& r : records) {
    switch (r.type) {
      case DnsRecord::Type::kA:
      case DnsRecord::Type::kAAAA:
        g.targets.push_back(
            Labels{{"__address__", JoinHostPort(r.host, port)}, {"__meta_dns_name", name}});
        break;
      case DnsRecord::Type::kSrv:
        g.targets.push_back(Labels{{"__address__", JoinHostPort(TrimFinalDots(r.host), r.port)},
                                   {"__meta_dns_name", name},
                                   {"__meta_dns_srv_record_target", r.host},
                                   {"__meta_dns_srv_record_port", std::to_string(r.port)}});
        break;
      case DnsRecord::Type::kMx:
        g.targets.push_back(Labels{{"__address__", JoinHostPort(TrimFinalDots(r.host), port)},
                                   {"__meta_dns_name", name},
                                   {"__meta_dns_mx_record_target", r.host}});
        break;
    }
  }
  return g;
}

}  // namespace tsdbd::scrape::discovery
