#pragma once

#include <boost/beast/http/fields.hpp>

namespace keybrake::http {

// Whether a request's Transfer-Encoding is one the server reads as the sender meant it: absent,
// or one field whose only coding is "chunked". Beast reads the chunked framing of a final
// "chunked" and leaves any coding before it ("gzip, chunked") undone, so the proxy would price
// bytes the vendor is told to decode; and two fields let readers disagree on which one counts.
// Anything else is refused with 501 (RFC 9112 §6.1: a transfer coding the server does not
// implement).
bool transferEncodingAccepted(const boost::beast::http::fields &fields);

} // namespace keybrake::http
