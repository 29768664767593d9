// Errors as values: user-caused failures travel as Error, never as exceptions across a
// module's public API.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace tsdbd {

// A failure with a message meant for the user (it is logged or returned verbatim).
class Error {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Either a T or an Error. value() may only be called when ok().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success, or an Error.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message())), ok_(false) {}  // NOLINT

  static Status Ok() { return {}; }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // The error's message; empty when ok().
  const std::string& message() const { return error_; }

 private:
  std::string error_;
  bool ok_ = true;
};

}  // namespace tsdbd
