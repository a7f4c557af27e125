#include "admin/auditexport.h"

#include "admin/auditroutes.h"
#include "admin/keyroutes.h"
#include "http/jsonresponse.h"
#include "store/storeawait.h"

#include <boost/beast/http/field.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <array>
#include <cstdio>
#include <csv.h>

namespace keybrake {

namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

constexpr std::array<std::string_view, 29> kColumns {
    "id",
    "ts",
    "kind",
    "request_id",
    "key_id",
    "key_name",
    "agent_run_label",
    "vendor",
    "method",
    "path",
    "operation",
    "verdict",
    "reason",
    "http_status",
    "upstream_status",
    "cost_usd",
    "cost_source",
    "currency",
    "original_amount",
    "cap_usage_after_usd",
    "customer_scope_id",
    "vendor_object_id",
    "vendor_request_id",
    "idempotency_key",
    "latency_ms",
    "upstream_latency_ms",
    "action",
    "actor",
    "detail",
};

// A plain decimal number ("-12", "0.0004"): spreadsheets read it as a number, never a formula.
bool isNumber(std::string_view value)
{
    std::size_t i = 0;
    if (i < value.size() && (value[i] == '-' || value[i] == '+'))
        ++i;
    bool digits = false;
    bool dot = false;
    for (; i < value.size(); ++i) {
        const char c = value[i];
        if (c >= '0' && c <= '9')
            digits = true;
        else if (c == '.' && !dot)
            dot = true;
        else
            return false;
    }
    return digits;
}

// Text a spreadsheet would run as a formula when the file is opened (CSV injection): key names,
// labels, paths and Idempotency-Keys come from agents and even from unauthenticated callers.
// Numbers stay untouched, as the console's own CSV does (models/csvtext.cpp).
bool looksLikeFormula(std::string_view value)
{
    if (value.empty())
        return false;
    switch (value.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return !isNumber(value);
    default:
        return false;
    }
}

// One field, quoted by libcsv when it holds a comma, quote, CR or LF (RFC 4180), or when
// leading or trailing spaces would otherwise be lost by some readers; a formula-looking text
// cell gets a leading apostrophe first, which spreadsheets show as text.
void appendField(std::string &out, std::string_view field)
{
    std::string defused;
    std::string_view value = field;
    if (looksLikeFormula(field)) {
        defused.reserve(field.size() + 1);
        defused += '\'';
        defused += field;
        value = defused;
    }
    const bool plain = value.find_first_of(",\"\r\n") == std::string_view::npos
        && (value.empty() || (value.front() != ' ' && value.back() != ' '));
    if (plain) {
        out += value;
        return;
    }
    const std::size_t needed = csv_write(nullptr, 0, value.data(), value.size());
    const std::size_t at = out.size();
    out.resize(at + needed);
    csv_write(out.data() + at, needed, value.data(), value.size());
}

std::string decimal(double value)
{
    char buffer[64];
    const int length = std::snprintf(buffer, sizeof buffer, "%.6f", value);
    std::string text(buffer, static_cast<std::size_t>(length));
    while (text.back() == '0')
        text.pop_back();
    if (text.back() == '.')
        text.pop_back();
    return text == "-0" ? "0" : text;
}

template<class T>
std::string optionalText(const std::optional<T> &value)
{
    if (!value)
        return {};
    if constexpr (std::is_same_v<T, double>)
        return decimal(*value);
    else if constexpr (std::is_same_v<T, Usd>)
        return value->toDecimal();
    else
        return std::to_string(*value);
}

// "20261128T140305Z": a file name every operating system accepts.
std::string fileStamp(TimePoint now)
{
    std::string text = formatRfc3339(now); // 2026-11-28T14:03:05.123Z
    std::string stamp;
    for (std::size_t i = 0; i < 19; ++i) {
        if (text[i] != '-' && text[i] != ':')
            stamp += text[i];
    }
    return stamp + 'Z';
}

} // namespace

std::string AuditExport::headerRow()
{
    std::string out;
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
        if (i)
            out += ',';
        out += kColumns[i];
    }
    out += "\r\n";
    return out;
}

void AuditExport::appendRow(std::string &out, const AuditEntry &entry)
{
    const bool call = entry.kind != "admin";
    const auto callOnly = [call](std::string value) { return call ? value : std::string(); };
    const std::array<std::string, kColumns.size()> fields {
        entry.id,
        formatRfc3339(entry.ts),
        entry.kind,
        entry.requestId,
        entry.keyId,
        entry.keyName,
        entry.agentRunLabel,
        callOnly(entry.vendor),
        callOnly(entry.method),
        callOnly(entry.path),
        callOnly(entry.operation),
        callOnly(std::string(verdictName(entry.verdict))),
        callOnly(entry.reason),
        callOnly(std::to_string(entry.httpStatus)),
        callOnly(optionalText(entry.upstreamStatus)),
        callOnly(entry.cost.toDecimal()),
        callOnly(std::string(costSourceName(entry.costSource))),
        callOnly(entry.currency),
        callOnly(optionalText(entry.originalAmount)),
        callOnly(optionalText(entry.capUsageAfter)),
        callOnly(entry.customerScopeId),
        callOnly(entry.vendorObjectId),
        callOnly(entry.vendorRequestId),
        callOnly(entry.idempotencyKey),
        callOnly(optionalText(entry.latencyMs)),
        callOnly(optionalText(entry.upstreamLatencyMs)),
        entry.action,
        entry.actor,
        entry.detail,
    };
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i)
            out += ',';
        appendField(out, fields[i]);
    }
    out += "\r\n";
}

std::string AuditExport::normalisedFilter(const AuditFilter &filter)
{
    // Unreserved characters, and ':' and '/' for readable times and labels.
    static constexpr auto kPlain =
        boost::urls::unreserved_chars + boost::urls::grammar::lut_chars(":/");
    std::string out;
    const auto add = [&out](std::string_view name, std::string_view value) {
        if (value.empty())
            return;
        out += out.empty() ? "" : "&";
        out += name;
        out += '=';
        out += boost::urls::encode(value, kPlain);
    };
    add("kind", filter.kind);
    add("key_id", filter.keyId);
    add("label", filter.label);
    add("label_prefix", filter.labelPrefix);
    add("vendor", filter.vendor);
    if (filter.verdict)
        add("verdict", verdictName(*filter.verdict));
    if (filter.since)
        add("since", formatRfc3339(*filter.since));
    if (filter.until)
        add("until", formatRfc3339(*filter.until));
    return out;
}

awaitable<http::Response> AuditExport::csv(const AdminCall &call)
{
    auto read = readAuditFilter(call, false);
    if (auto *error = std::get_if<FieldError>(&read))
        co_return fieldError(*error);
    AuditFilter filter = std::move(std::get<AuditFilter>(read));
    filter.limit = 1000;
    const std::string normalised = normalisedFilter(filter);

    Store &store = m_context.store;
    auto page = co_await awaitStore<Page<AuditEntry>>(
        [&](auto done) { store.listAudit(filter, std::move(done)); });
    // Until the header is sent a failure can still be told properly.
    if (!page)
        co_return storeUnavailable();
    if (!call.stream)
        co_return http::adminError(500, "internal", "This listener cannot stream a response.");

    bhttp::response_header<> header;
    header.result(bhttp::status::ok);
    header.set(bhttp::field::content_type, "text/csv; charset=utf-8; header=present");
    header.set(bhttp::field::content_disposition,
               "attachment; filename=\"keybrake-audit-" + fileStamp(m_context.clock.now())
                   + ".csv\"");
    header.set(bhttp::field::cache_control, "no-store");
    header.set("X-Content-Type-Options", "nosniff");
    header.set("Keybrake-Spend-Timezone", m_context.calendar.zoneName());
    header.set("Keybrake-Filter", normalised);
    header.set("X-Request-Id", call.requestId);
    header.set(bhttp::field::server, "keybraked/" + m_context.version);
    http::ResponseStream &stream = *call.stream;
    http::Response sent {bhttp::status::ok, 11}; // what the router counts; never sent itself
    if (!co_await stream.begin(std::move(header)))
        co_return sent;

    std::string chunk = headerRow();
    for (;;) {
        for (const AuditEntry &entry : page->data)
            appendRow(chunk, entry);
        if (!co_await stream.write(chunk))
            co_return sent; // the client went away
        chunk.clear();
        if (page->nextCursor.empty() || stream.closing())
            break;
        filter.cursor = page->nextCursor;
        page = co_await awaitStore<Page<AuditEntry>>(
            [&](auto done) { store.listAudit(filter, std::move(done)); });
        if (!page) {
            // Not ending the chunked body tells the client the file is incomplete; the
            // connection is closed.
            co_return sent;
        }
    }
    if (stream.closing())
        co_return sent; // shutting down: an unterminated body, as above
    co_await stream.end();
    co_return sent;
}

} // namespace keybrake
