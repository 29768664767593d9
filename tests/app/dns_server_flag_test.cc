// The hidden --discovery.dns.server flag: name servers for dns_sd_configs.
#include <gtest/gtest.h>

#include "cmd/tsdbd/flags.h"

namespace tsdbd {
namespace {

TEST(DnsServerFlag, RepeatableAndKeptInOrder) {
  auto cl = ParseCommandLine(
      {"--discovery.dns.server=127.0.0.1:5353", "--discovery.dns.server", "[::1]:53"});
  ASSERT_TRUE(cl.ok()) << cl.error().message();
  EXPECT_EQ(cl->flags.dns_servers, (std::vector<std::string>{"127.0.0.1:5353", "[::1]:53"}));
}

TEST(DnsServerFlag, DefaultsToNone) {
  auto cl = ParseCommandLine({});
  ASSERT_TRUE(cl.ok());
  EXPECT_TRUE(cl->flags.dns_servers.empty());
}

TEST(DnsServerFlag, HiddenFromHelpAndStatus) {
  EXPECT_EQ(UsageText().find("discovery.dns.server"), std::string::npos);
  auto cl = ParseCommandLine({"--discovery.dns.server=127.0.0.1:53"});
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->flags.as_strings.contains("discovery.dns.server"));
}

TEST(DnsServerFlag, RejectsWhatIsNotIpAndPort) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:53x",
        "localhost:53", "::1:53", "[::1]", "[nonsense]:53", "1.2.3:53"}) {
    auto cl = ParseCommandLine({std::string("--discovery.dns.server=") + bad});
    ASSERT_FALSE(cl.ok()) << bad;
    EXPECT_NE(cl.error().message().find("discovery.dns.server"), std::string::npos)
        << cl.error().message();
  }
  EXPECT_FALSE(ParseCommandLine({"--discovery.dns.server"}).ok());  // value missing
}

}  // namespace
}  // namespace tsdbd
