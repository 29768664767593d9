// lib/tsdb/fs: atomic publication, recursive removal and size.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/tsdb/fs/dir_tree.h"
#include "lib/tsdb/fs/durable.h"
#include "lib/tsdb/fs/file.h"
#include "tests/testing/process.h"

namespace tsdbd::tsdb::fs {
namespace {

namespace stdfs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Fs, WriteFileAtomicallyReplacesAndLeavesNoTemporary) {
  TempDir tmp;
  const std::string path = tmp.path() + "/f";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  EXPECT_EQ(ReadFile(path), "first");
  ASSERT_TRUE(WriteFileAtomically(path, std::string("se\0cond", 7)).ok());
  EXPECT_EQ(ReadFile(path), std::string("se\0cond", 7));
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  EXPECT_EQ(stdfs::file_size(path), 0u);
  EXPECT_EQ(Names(tmp.path()), std::vector<std::string>{"f"});
}

TEST(Fs, ReadWholeFileReadsEveryByte) {
  TempDir tmp;
  const std::string data = std::string("a\0b", 3) + std::string(100000, 'x');
  ASSERT_TRUE(WriteFileAtomically(tmp.path() + "/f", data).ok());
  auto got = ReadWholeFile(tmp.path() + "/f");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(*got, data);
  ASSERT_TRUE(WriteFileAtomically(tmp.path() + "/empty", "").ok());
  got = ReadWholeFile(tmp.path() + "/empty");
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_EQ(*got, "");
}

TEST(Fs, ReadWholeFileFailuresNameThePathAndReason) {
  TempDir tmp;
  auto missing = ReadWholeFile(tmp.path() + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "open " + tmp.path() + "/missing: No such file or directory");
  // A directory opens but cannot be read.
  stdfs::create_directories(tmp.path() + "/d");
  auto dir = ReadWholeFile(tmp.path() + "/d");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().message(), "read " + tmp.path() + "/d: Is a directory");
}

TEST(Fs, WriteFileAtomicallyFailureKeepsTheOldFile) {
  TempDir tmp;
  EXPECT_FALSE(WriteFileAtomically(tmp.path() + "/missing/f", "x").ok());
  // The target is a non-empty directory: rename fails, the temporary is cleaned up.
  stdfs::create_directories(tmp.path() + "/d/inner");
  Status s = WriteFileAtomically(tmp.path() + "/d", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(Names(tmp.path()), std::vector<std::string>{"d"});
  EXPECT_TRUE(stdfs::is_directory(tmp.path() + "/d/inner"));
}

TEST(Fs, RenameDirDurably) {
  TempDir tmp;
  stdfs::create_directories(tmp.path() + "/a.tmp/chunks");
  tmp.WriteFile("a.tmp/chunks/000001", "data");
  stdfs::create_directories(tmp.path() + "/sub");
  ASSERT_TRUE(RenameDirDurably(tmp.path() + "/a.tmp", tmp.path() + "/sub/a").ok());
  EXPECT_EQ(ReadFile(tmp.path() + "/sub/a/chunks/000001"), "data");
  EXPECT_FALSE(stdfs::exists(tmp.path() + "/a.tmp"));
  Status s = RenameDirDurably(tmp.path() + "/nope", tmp.path() + "/b");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nope"), std::string::npos) << s.message();
}

TEST(Fs, RemoveAll) {
  TempDir tmp;
  stdfs::create_directories(tmp.path() + "/x/y/z");
  tmp.WriteFile("x/y/z/f", "1");
  tmp.WriteFile("x/g", "2");
  stdfs::create_symlink(tmp.path() + "/keep", tmp.path() + "/x/link");
  tmp.WriteFile("keep", "3");
  ASSERT_TRUE(RemoveAll(tmp.path() + "/x").ok());
  EXPECT_FALSE(stdfs::exists(tmp.path() + "/x"));
  EXPECT_EQ(ReadFile(tmp.path() + "/keep"), "3");     // links are removed, not followed
  EXPECT_TRUE(RemoveAll(tmp.path() + "/x").ok());     // missing is fine
  ASSERT_TRUE(RemoveAll(tmp.path() + "/keep").ok());  // a plain file too
  EXPECT_FALSE(stdfs::exists(tmp.path() + "/keep"));
}

TEST(Fs, DirSize) {
  TempDir tmp;
  auto empty = DirSize(tmp.path());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0u);
  stdfs::create_directories(tmp.path() + "/b/chunks");
  tmp.WriteFile("b/chunks/000001", std::string(1000, 'x'));
  tmp.WriteFile("b/index", std::string(234, 'y'));
  tmp.WriteFile("b/meta.json", "{}");
  tmp.WriteFile("big", std::string(5, 'z'));
  stdfs::create_symlink(tmp.path() + "/big", tmp.path() + "/b/link");  // not counted
  auto b = DirSize(tmp.path() + "/b");
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(*b, 1236u);
  auto all = DirSize(tmp.path());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 1241u);
  auto file = DirSize(tmp.path() + "/big");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file, 5u);
  EXPECT_FALSE(DirSize(tmp.path() + "/missing").ok());
}

TEST(Fs, DirSizeUnreadableDirectoryIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every directory";
  TempDir tmp;
  stdfs::create_directories(tmp.path() + "/locked/inner");
  ::chmod((tmp.path() + "/locked").c_str(), 0);
  EXPECT_FALSE(DirSize(tmp.path() + "/locked").ok());
  ::chmod((tmp.path() + "/locked").c_str(), 0755);
}

}  // namespace
}  // namespace tsdbd::tsdb::fs
