// `tsdbd check config F` against `promtool check config F` on every config in
// testdata/configs: both must agree, and each file's verdict is encoded in its name
// (good_*.yml passes, bad_*.yml fails).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/process.h"

namespace tsdbd {
namespace {

namespace fs = std::filesystem;

std::string ConfigDir() {
  return std::string(TSDBD_SOURCE_DIR) + "/tests/e2e/testdata/configs";
}

std::vector<std::string> ConfigFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(ConfigDir())) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".yml" &&
        (name.rfind("good_", 0) == 0 || name.rfind("bad_", 0) == 0)) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool ExpectedToPass(const std::string& path) {
  return fs::path(path).filename().string().rfind("good_", 0) == 0;
}

TEST(ConfigCheckE2E, HasEnoughConfigs) {
  auto files = ConfigFiles();
  EXPECT_GE(files.size(), 25u);
  EXPECT_TRUE(std::any_of(files.begin(), files.end(), ExpectedToPass));
  EXPECT_FALSE(std::all_of(files.begin(), files.end(), ExpectedToPass));
}

TEST(ConfigCheckE2E, TsdbdVerdictMatchesFileName) {
  for (const auto& file : ConfigFiles()) {
    auto run = testing::Run({TSDBD_BINARY, "check", "config", file});
    ASSERT_NE(run.exit_code, -1) << file << ": tsdbd check config did not finish";
    EXPECT_EQ(run.exit_code, ExpectedToPass(file) ? 0 : 1) << file << "\n" << run.output;
    EXPECT_NE(run.output.find("Checking " + file), std::string::npos) << run.output;
    if (ExpectedToPass(file)) {
      EXPECT_NE(run.output.find("SUCCESS"), std::string::npos) << run.output;
    } else {
      EXPECT_NE(run.output.find("FAILED"), std::string::npos) << run.output;
    }
  }
}

TEST(ConfigCheckE2E, AgreesWithPromtool) {
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool is not installed";
  for (const auto& file : ConfigFiles()) {
    auto ours = testing::Run({TSDBD_BINARY, "check", "config", file});
    auto theirs = testing::Run({"promtool", "check", "config", file});
    ASSERT_NE(theirs.exit_code, -1) << file << ": promtool did not finish";
    EXPECT_EQ(theirs.exit_code, ExpectedToPass(file) ? 0 : 1)
        << file << ": promtool's verdict differs from the file name\n"
        << theirs.output;
    EXPECT_EQ(ours.exit_code == 0, theirs.exit_code == 0) << file << "\n--- tsdbd:\n"
                                                          << ours.output << "--- promtool:\n"
                                                          << theirs.output;
  }
}

TEST(ConfigCheckE2E, SeveralFilesFailWhenOneFails) {
  const std::string dir = ConfigDir();
  auto run = testing::Run({TSDBD_BINARY, "check", "config", dir + "/good_realistic.yml",
                           dir + "/bad_duplicate_job.yml"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("good_realistic.yml is valid"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("bad_duplicate_job.yml:3:5: found multiple scrape configs"),
            std::string::npos)
      << run.output;
}

TEST(ConfigCheckE2E, MissingFileFails) {
  testing::TempDir tmp;
  auto run = testing::Run({TSDBD_BINARY, "check", "config", tmp.path() + "/nope.yml"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("FAILED"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace tsdbd
