#include "lib/http/request.h"

#include "lib/model/ascii.h"

namespace tsdbd::http {

const std::string* Request::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::vector<std::string> Request::Params(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k == name) out.push_back(v);
  }
  return out;
}

const std::string* Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

}  // namespace tsdbd::http
