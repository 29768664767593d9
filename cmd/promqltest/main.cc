// promqltest <file.test>...: runs each PromQL test script, prints every failure as
// file:line: message, then "N passed, M failed". Exit status 0 only when nothing failed
// (2 for usage errors).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "lib/promql/testscript/runner.h"
#include "lib/promql/testscript/script.h"

namespace {

using tsdbd::promql::testscript::ParseScript;
using tsdbd::promql::testscript::RunReport;
using tsdbd::promql::testscript::RunScript;

// Runs one file; adds its counts to *total.
void RunFile(const std::string& path, RunReport* total) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stdout, "%s: cannot read the file\n", path.c_str());
    ++total->failed;
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto script = ParseScript(text.str());
  if (!script.ok()) {
    // "<line>: message" from the parser.
    std::fprintf(stdout, "%s:%s\n", path.c_str(), script.error().message().c_str());
    ++total->failed;
    return;
  }
  const RunReport report = RunScript(*script);
  for (const auto& f : report.failures) {
    std::fprintf(stdout, "%s:%d: %s\n", path.c_str(), f.line, f.message.c_str());
  }
  total->passed += report.passed;
  total->failed += report.failed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <file.test>...\n", argv[0]);
    return 2;
  }
  RunReport total;
  for (int i = 1; i < argc; ++i) RunFile(argv[i], &total);
  std::fprintf(stdout, "%d passed, %d failed\n", total.passed, total.failed);
  return total.failed == 0 ? 0 : 1;
}
