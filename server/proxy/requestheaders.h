#pragma once

#include "http/httpserver.h"

#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

// Why a proxied request's headers are refused before anything is priced: a header that would
// make the vendor read the request differently from how the proxy checked it.
struct HeaderRefusal
{
    unsigned status = 400;
    std::string code;
    std::string message;
};

// Examines the headers that change how a vendor reads a request (issue 11, L7):
// - X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override: refused (400
//   method_override_not_allowed); the method priced is the request line's.
// - Content-Encoding other than identity: refused (415 unsupported_content_encoding); the proxy
//   prices the bytes it can read.
// - Idempotency-Key more than once: refused (400 invalid_idempotency_key).
// - Content-Type more than once: refused (422 cost_unknown); which one a vendor believes is its
//   business, and the price depends on it.
// Scope headers (Stripe-Account, Stripe-Context) are the scope check's (vendorcall.cpp).
std::optional<HeaderRefusal> examineRequestHeaders(const http::Request &request);

// Request headers never forwarded: hop-by-hop ones (RFC 9110 §7.6.1), the agent's credential,
// what the proxy recomputes (Content-Type, Content-Length, Accept-Encoding), what describes the
// agent's side of the connection (Forwarded, Via, X-Forwarded-*), a request-rewriting hint
// (X-Original-URL, X-Rewrite-URL) and Content-Encoding: identity (anything else was refused).
bool dropRequestHeader(std::string_view name);

} // namespace keybrake
