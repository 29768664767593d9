#include "lib/scrape/relabel/hashmod.h"

#include <openssl/evp.h>

#include <cassert>

namespace tsdbd::scrape::relabel {

uint64_t HashMod(std::string_view value, uint64_t modulus) {
  assert(modulus > 0);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const int ok = EVP_Digest(value.data(), value.size(), digest, &size, EVP_md5(), nullptr);
  assert(ok == 1 && size == 16);
  (void)ok;
  uint64_t h = 0;
  for (unsigned int i = 8; i < 16; ++i) h = (h << 8) | digest[i];
  return h % modulus;
}

}  // namespace tsdbd::scrape::relabel
