#include "cmd/tsdbd/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "lib/model/time_format.h"

namespace tsdbd {
namespace {

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

void AppendEscaped(std::string_view s, spdlog::memory_buf_t& dest) {
  for (char c : s) {
    switch (c) {
      case '"': dest.append(std::string_view("\\\"")); break;
      case '\\': dest.append(std::string_view("\\\\")); break;
      case '\n': dest.append(std::string_view("\\n")); break;
      case '\t': dest.append(std::string_view("\\t")); break;
      case '\r': dest.append(std::string_view("\\r")); break;
      default: dest.push_back(c);
    }
  }
}

// One line per message, in the shape of Prometheus's go-kit logger.
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string ts = FormatRfc3339Millis(msg.time);
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (json_) {
      dest.append(std::string_view("{\"level\":\""));
      dest.append(LevelName(msg.level));
      dest.append(std::string_view("\",\"msg\":\""));
      AppendEscaped(text, dest);
      dest.append(std::string_view("\",\"ts\":\""));
      dest.append(ts);
      dest.append(std::string_view("\"}\n"));
      return;
    }
    dest.append(std::string_view("ts="));
    dest.append(ts);
    dest.append(std::string_view(" level="));
    dest.append(LevelName(msg.level));
    dest.append(std::string_view(" msg=\""));
    AppendEscaped(text, dest);
    dest.append(std::string_view("\"\n"));
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(json_);
  }

 private:
  bool json_;
};

}  // namespace

void SetupLogging(const std::string& level, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>(
      "tsdbd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<LineFormatter>(format == "json"));
  logger->set_level(level == "debug"  ? spdlog::level::debug
                    : level == "warn" ? spdlog::level::warn
                    : level == "error" ? spdlog::level::err
                                       : spdlog::level::info);
  logger->flush_on(spdlog::level::debug);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace tsdbd
