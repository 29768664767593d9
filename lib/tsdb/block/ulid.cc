#include "lib/tsdb/block/ulid.h"

#include <algorithm>
#include <mutex>
#include <random>

namespace tsdbd::tsdb::block {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr uint64_t kMaxTime = (uint64_t{1} << 48) - 1;

// The value of a Crockford base32 digit, or -1. Lower case is accepted; I, L, O and U
// are not digits (Crockford's aliases for them are not accepted in ULIDs).
int DigitValue(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

// A ULID as 128 bits: hi holds the 48-bit time and the first 16 random bits.
struct Value {
  uint64_t hi = 0, lo = 0;
};

std::string Encode(Value v) {
  std::string out(26, '0');
  // Bit i of the 130-bit string (2 leading zero bits, then 128 bits) from the right.
  for (int c = 25; c >= 0; --c) {
    const int bit = (25 - c) * 5;  // lowest bit of this digit within the 128-bit value
    uint64_t d;
    if (bit + 5 <= 64) {
      d = v.lo >> bit;
    } else if (bit >= 64) {
      d = v.hi >> (bit - 64);
    } else {
      d = (v.lo >> bit) | (v.hi << (64 - bit));
    }
    out[static_cast<size_t>(c)] = kAlphabet[d & 31];
  }
  return out;
}

struct Generator {
  std::mutex mu;
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t last_time = 0;
  uint64_t last_rand_hi = 0;  // 16 bits
  uint64_t last_rand_lo = 0;  // 64 bits
  bool have_last = false;
};

Generator& TheGenerator() {
  static Generator g;
  return g;
}

}  // namespace

std::string NewUlid(int64_t now_ms) {
  uint64_t t = now_ms < 0 ? 0 : std::min<uint64_t>(static_cast<uint64_t>(now_ms), kMaxTime);
  Generator& g = TheGenerator();
  std::lock_guard lock(g.mu);
  if (g.have_last && t <= g.last_time) {
    // Same (or an earlier) millisecond: the previous random part plus one, carrying into
    // the time when the 80 random bits overflow.
    t = g.last_time;
    if (++g.last_rand_lo == 0 && ++g.last_rand_hi > 0xffff) {
      g.last_rand_hi = 0;
      t = std::min(t + 1, kMaxTime);
    }
  } else {
    g.last_rand_lo = g.rng();
    g.last_rand_hi = g.rng() & 0xffff;
  }
  g.last_time = t;
  g.have_last = true;
  return Encode(Value{(t << 16) | g.last_rand_hi, g.last_rand_lo});
}

bool IsUlid(std::string_view s) {
  if (s.size() != 26) return false;
  if (DigitValue(s[0]) < 0 || DigitValue(s[0]) > 7) return false;
  for (char c : s) {
    if (DigitValue(c) < 0) return false;
  }
  return true;
}

std::optional<int64_t> UlidTime(std::string_view s) {
  if (!IsUlid(s)) return std::nullopt;
  // The first 10 digits hold 50 bits: 2 zero bits, then the 48-bit time.
  uint64_t t = 0;
  for (size_t i = 0; i < 10; ++i) t = (t << 5) | static_cast<uint64_t>(DigitValue(s[i]));
  return static_cast<int64_t>(t);
}

}  // namespace tsdbd::tsdb::block
