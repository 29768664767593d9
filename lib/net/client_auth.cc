#include "lib/net/client_auth.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tsdbd::net {
namespace {

// The file's content without surrounding whitespace, or Go's words for why it can't be read.
Result<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string reason = std::strerror(errno);
    if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
    return Error("open " + path + ": " + reason);
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string s = content.str();
  const char* space = " \t\r\n\v\f";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return std::string();
  size_t end = s.find_last_not_of(space);
  return s.substr(begin, end - begin + 1);
}

}  // namespace

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t v = uint8_t(data[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> AuthorizationValue(const config::HttpClientConfig& config) {
  if (config.basic_auth) {
    const config::BasicAuth& auth = *config.basic_auth;
    std::string password = auth.password;
    if (!auth.password_file.empty()) {
      auto read = ReadTrimmed(auth.password_file);
      if (!read.ok()) {
        return Error("unable to read basic auth password file " + auth.password_file + ": " +
                     read.error().message());
      }
      password = std::move(*read);
    }
    return "Basic " + Base64(auth.username + ":" + password);
  }
  if (config.authorization) {
    const config::Authorization& auth = *config.authorization;
    std::string credentials = auth.credentials;
    if (!auth.credentials_file.empty()) {
      auto read = ReadTrimmed(auth.credentials_file);
      if (!read.ok()) {
        return Error("unable to read authorization credentials file " + auth.credentials_file +
                     ": " + read.error().message());
      }
      credentials = std::move(*read);
    }
    std::string type = auth.type.empty() ? "Bearer" : auth.type;
    return type + " " + credentials;
  }
  return std::string();
}

}  // namespace tsdbd::net
