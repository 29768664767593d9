// The parts of resolv.conf(5) that DNS service discovery follows: name servers, the search
// list and ndots, and the list of names a look-up tries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tsdbd::scrape::discovery {

struct ResolvConf {
  std::vector<std::string> servers;  // addresses as written ("10.0.0.1", "::1")
  std::vector<std::string> search;   // from "search", or the one "domain"; the last line wins
  int ndots = 1;                     // options ndots:n, capped at 15
};

// Parses resolv.conf text; unknown lines and options are ignored.
ResolvConf ParseResolvConf(std::string_view text);

// Reads and parses a resolv.conf file; a missing or unreadable file gives the defaults.
ResolvConf ReadResolvConf(const std::string& path);

// The fully qualified names a look-up of `name` tries, in order: a name ending in '.' only
// as written; else, when it holds at least ndots dots, as written and then with each search
// domain appended; otherwise with each search domain first and as written last.
std::vector<std::string> CandidateNames(std::string_view name, const ResolvConf& conf);

}  // namespace tsdbd::scrape::discovery
