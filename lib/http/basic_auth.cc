#include "lib/http/basic_auth.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

#include "lib/http/request.h"
#include "lib/model/ascii.h"

namespace tsdbd::http {
namespace {

// A valid bcrypt hash of a random password nobody knows: an unknown user is checked
// against it so that the answer takes as long as for a known one.
constexpr const char* kDecoyHash = "$2b$10$TTfN7YJOCEOhT5DhHyK4S.l6yrhnUtRGwMymI6XKlbuMKBBGbso0C";

// Standard base64 with padding, as Go's base64.StdEncoding decodes it; nullopt if invalid.
std::optional<std::string> DecodeBase64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=') {
        // Padding only at the very end, in the last two places.
        if (i + 4 != in.size() || j < 2) return std::nullopt;
        ++pad;
        v[j] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;
      v[j] = value(c);
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

// SHA-256 over length-prefixed parts: a key that holds no password in clear.
std::string Digest(std::string_view user, std::string_view hash, std::string_view password) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (std::string_view part : {user, hash, password}) {
    uint64_t n = part.size();
    EVP_DigestUpdate(ctx.get(), &n, sizeof n);
    EVP_DigestUpdate(ctx.get(), part.data(), part.size());
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

}  // namespace

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header) {
  constexpr std::string_view kScheme = "Basic ";
  if (header.size() < kScheme.size() ||
      !EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  auto decoded = DecodeBase64(header.substr(kScheme.size()));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool BcryptMatches(std::string_view password, const std::string& hash) {
  if (hash.size() != 60 || !hash.starts_with("$2")) return false;
  // bcrypt reads at most 72 bytes and stops at a NUL; a NUL in the password would make
  // "a\0b" equal "a": refuse it instead.
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a coroutine's stack
  std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  if (out == nullptr || out[0] == '*') return false;
  std::string_view got(out);
  if (got.size() != hash.size()) return false;
  unsigned char diff = 0;  // constant time over the hash
  for (size_t i = 0; i < got.size(); ++i) diff |= static_cast<unsigned char>(got[i] ^ hash[i]);
  return diff == 0;
}

std::optional<bool> BasicAuthenticator::KnownVerdict(
    const std::map<std::string, std::string>& users, const std::string* authorization) const {
  if (authorization == nullptr) return false;
  auto creds = ParseBasicAuthorization(*authorization);
  if (!creds) return false;
  auto it = users.find(creds->user);
  const bool known = it != users.end();
  std::string key =
      Digest(creds->user, known ? it->second : std::string(kDecoyHash), creds->password);
  std::lock_guard lock(mu_);
  if (auto c = outcomes_.find(key); c != outcomes_.end()) return known && c->second;
  return std::nullopt;
}

bool BasicAuthenticator::Allows(const std::map<std::string, std::string>& users,
                                const std::string* authorization) {
  if (authorization == nullptr) return false;
  auto creds = ParseBasicAuthorization(*authorization);
  if (!creds) return false;
  auto it = users.find(creds->user);
  const bool known = it != users.end();
  const std::string& hash = known ? it->second : std::string(kDecoyHash);
  std::string key = Digest(creds->user, hash, creds->password);
  {
    std::lock_guard lock(mu_);
    if (auto c = outcomes_.find(key); c != outcomes_.end()) return known && c->second;
  }
  bool ok = known && BcryptMatches(creds->password, hash);
  std::lock_guard lock(mu_);
  // Bounded: when full, forget an arbitrary outcome (the cache only saves work).
  if (outcomes_.size() >= capacity_ && !outcomes_.empty()) outcomes_.erase(outcomes_.begin());
  if (capacity_ > 0) outcomes_.emplace(std::move(key), ok);
  return ok;
}

size_t BasicAuthenticator::cached() const {
  std::lock_guard lock(mu_);
  return outcomes_.size();
}

}  // namespace tsdbd::http
