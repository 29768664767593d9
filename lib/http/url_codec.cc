#include "lib/http/url_codec.h"

namespace tsdbd::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (and '+' as space when plus_is_space). On a bad escape, returns false
// and sets *bad to the offending text as Go quotes it (at most 3 bytes from the '%').
bool Unescape(std::string_view s, bool plus_is_space, std::string* out, std::string* bad) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        *bad = std::string(s.substr(i, 3));
        return false;
      }
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) {
        *bad = std::string(s.substr(i, 3));
        return false;
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

std::string EscapeError(const std::string& bad) {
  return "invalid URL escape \"" + bad + "\"";
}

}  // namespace

Result<std::string> UnescapePath(std::string_view path) {
  std::string out, bad;
  if (!Unescape(path, false, &out, &bad)) return Error(EscapeError(bad));
  return out;
}

std::string ParseQuery(std::string_view query,
                       std::vector<std::pair<std::string, std::string>>* out) {
  std::string first_error;
  auto fail = [&](std::string message) {
    if (first_error.empty()) first_error = std::move(message);
  };
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.find(';') != std::string_view::npos) {
      fail("invalid semicolon separator in query");
      continue;
    }
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view raw_key = part.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    std::string key, value, bad;
    if (!Unescape(raw_key, true, &key, &bad) || !Unescape(raw_value, true, &value, &bad)) {
      fail(EscapeError(bad));
      continue;
    }
    out->emplace_back(std::move(key), std::move(value));
  }
  return first_error;
}

std::string CleanPath(std::string_view path) {
  if (path.empty()) return "/";
  // Split into segments, resolving "." and "..", as Go's path.Clean on a rooted path.
  std::vector<std::string_view> segments;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(i, slash - i);
    if (seg.empty() || seg == ".") {
      // skip
    } else if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else {
      segments.push_back(seg);
    }
    i = slash + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out += '/';
    out += seg;
  }
  if (out.empty()) return "/";
  if (path.back() == '/') out += '/';
  return out;
}

}  // namespace tsdbd::http
