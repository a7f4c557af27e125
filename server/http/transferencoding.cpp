#include "http/transferencoding.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace keybrake::http {

namespace bhttp = boost::beast::http;

bool transferEncodingAccepted(const bhttp::fields &fields)
{
    const std::size_t count = fields.count(bhttp::field::transfer_encoding);
    if (count == 0)
        return true;
    if (count > 1)
        return false;
    std::size_t codings = 0;
    bool chunked = false;
    for (const auto &coding : bhttp::token_list(fields[bhttp::field::transfer_encoding])) {
        ++codings;
        chunked = boost::beast::iequals(coding, "chunked");
    }
    return codings == 1 && chunked;
}

} // namespace keybrake::http
