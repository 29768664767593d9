// Response compression: which coding a client accepts, and zlib doing it.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd::http {

enum class ContentCoding { kIdentity, kGzip, kDeflate };

// The coding to answer with, given the request's Accept-Encoding value: gzip when the
// client accepts it (listed, or "*", with q > 0), else deflate when accepted, else identity.
ContentCoding NegotiateCoding(std::string_view accept_encoding);

// The Content-Encoding token: "gzip", "deflate"; empty for identity.
std::string_view CodingName(ContentCoding coding);

// `body` compressed as gzip (RFC 1952) or deflate (the zlib format, RFC 1950, as HTTP's
// "deflate" means); identity returns it unchanged.
std::string Compress(std::string_view body, ContentCoding coding);

}  // namespace tsdbd::http
