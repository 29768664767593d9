// The web config file (--web.config.file) as the server sees it: read at start, and read
// again when the file (or a certificate, key or CA file it names) changes, so that new
// connections and requests use changed users and certificates without a restart.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/config/web_config.h"
#include "lib/model/result.h"

namespace tsdbd::http {

// One loaded version of the file.
struct LoadedWebConfig {
  config::WebConfig config;
  std::shared_ptr<boost::asio::ssl::context> tls;  // set when config has tls_server_config
};

class WebConfigSource {
 public:
  // Loads `path` (and its TLS files); an error naming the file when it cannot.
  static Result<std::unique_ptr<WebConfigSource>> Open(const std::string& path);
  WebConfigSource(const WebConfigSource&) = delete;
  WebConfigSource& operator=(const WebConfigSource&) = delete;

  // The current version: the cached one while the files' modification times, sizes and
  // inodes are unchanged, else the file loaded again. An error (logged once per change)
  // when the changed file is invalid; the next call tries again. Thread-safe; costs a
  // few stat calls when nothing changed.
  Result<std::shared_ptr<const LoadedWebConfig>> Current();

  const std::string& path() const { return path_; }

 private:
  explicit WebConfigSource(std::string path) : path_(std::move(path)) {}
  // What the files look like on disk now: one entry per file.
  std::vector<std::string> Stamp(const config::WebConfig* config) const;
  static Result<std::shared_ptr<const LoadedWebConfig>> Load(const std::string& path);

  const std::string path_;
  std::mutex mu_;
  std::shared_ptr<const LoadedWebConfig> current_;  // guarded by mu_; null after a failure
  std::vector<std::string> stamp_;                  // guarded by mu_: of what current_ came from
  std::string last_error_;                          // guarded by mu_
};

}  // namespace tsdbd::http
