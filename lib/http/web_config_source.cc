#include "lib/http/web_config_source.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "lib/http/tls_server_context.h"

namespace tsdbd::http {
namespace {

std::string FileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ":missing";
  return path + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

}  // namespace

Result<std::shared_ptr<const LoadedWebConfig>> WebConfigSource::Load(const std::string& path) {
  auto config = config::LoadWebConfigFile(path);
  if (!config.ok()) return config.error();
  auto loaded = std::make_shared<LoadedWebConfig>();
  loaded->config = std::move(*config);
  if (loaded->config.tls_server_config) {
    auto ctx = MakeServerTlsContext(*loaded->config.tls_server_config);
    if (!ctx.ok()) return Error(path + ": " + ctx.error().message());
    loaded->tls = std::move(*ctx);
  }
  return std::shared_ptr<const LoadedWebConfig>(std::move(loaded));
}

std::vector<std::string> WebConfigSource::Stamp(const config::WebConfig* config) const {
  std::vector<std::string> stamp{FileStamp(path_)};
  if (config != nullptr && config->tls_server_config) {
    const auto& tls = *config->tls_server_config;
    for (const std::string* f : {&tls.cert_file, &tls.key_file, &tls.client_ca_file}) {
      if (!f->empty()) stamp.push_back(FileStamp(*f));
    }
  }
  return stamp;
}

Result<std::unique_ptr<WebConfigSource>> WebConfigSource::Open(const std::string& path) {
  std::unique_ptr<WebConfigSource> source(new WebConfigSource(path));
  // Stamp before loading: a change made while loading is seen by the next Current().
  std::vector<std::string> before = source->Stamp(nullptr);
  auto loaded = Load(path);
  if (!loaded.ok()) return loaded.error();
  source->stamp_ = source->Stamp(&(*loaded)->config);
  source->stamp_[0] = before[0];
  source->current_ = std::move(*loaded);
  return source;
}

Result<std::shared_ptr<const LoadedWebConfig>> WebConfigSource::Current() {
  std::lock_guard lock(mu_);
  if (current_ != nullptr && Stamp(&current_->config) == stamp_) return current_;
  std::string before = FileStamp(path_);
  auto loaded = Load(path_);
  if (!loaded.ok()) {
    current_.reset();
    if (loaded.error().message() != last_error_) {
      last_error_ = loaded.error().message();
      spdlog::error("http: unable to load the web config file: {}", last_error_);
    }
    return loaded.error();
  }
  last_error_.clear();
  stamp_ = Stamp(&(*loaded)->config);
  stamp_[0] = before;
  current_ = std::move(*loaded);
  return current_;
}

}  // namespace tsdbd::http
