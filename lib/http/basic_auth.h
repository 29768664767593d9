// HTTP basic authentication against the bcrypt hashes of a web config's basic_auth_users,
// as exporter-toolkit checks them: every request needs a known user and the password its
// hash was made from.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tsdbd::http {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Parses an Authorization header value "Basic <base64(user:password)>" (the scheme is
// case-insensitive); nullopt when it is anything else or the base64 or the ':' is missing.
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header);

// Whether `password` hashes to `hash` (a "$2a$", "$2b$" or "$2y$" bcrypt hash) with
// libcrypt's crypt_r. False for a malformed hash. Costs what the hash's cost says (ms).
bool BcryptMatches(std::string_view password, const std::string& hash);

// Checks credentials against a user -> bcrypt-hash map, remembering up to `capacity`
// outcomes keyed by a digest of (user, hash, password), so that a client sending the same
// credentials does not pay bcrypt's cost on each request. Thread-safe.
class BasicAuthenticator {
 public:
  explicit BasicAuthenticator(size_t capacity = 100) : capacity_(capacity) {}
  BasicAuthenticator(const BasicAuthenticator&) = delete;
  BasicAuthenticator& operator=(const BasicAuthenticator&) = delete;

  // Whether `authorization` (the header's value, nullptr when absent) names a user of
  // `users` with its password. An unknown user costs one bcrypt check all the same, so
  // that timing does not tell which users exist.
  bool Allows(const std::map<std::string, std::string>& users, const std::string* authorization);

  // Allows' verdict when it is known without bcrypt (no or malformed header, a remembered
  // outcome); nullopt when Allows would have to run bcrypt. Cheap: for an I/O thread.
  std::optional<bool> KnownVerdict(const std::map<std::string, std::string>& users,
                                   const std::string* authorization) const;

  size_t cached() const;  // outcomes remembered now (for tests)

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, bool> outcomes_;  // digest -> verdict; guarded by mu_
};

}  // namespace tsdbd::http
