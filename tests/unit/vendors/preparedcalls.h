#pragma once

// Shared by the tests of prepareCall: one way to build a request, and readable failure messages.

#include "vendors/vendorcall.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <string>
#include <variant>

namespace keybrake::vendortest {

inline constexpr std::string_view kAccountSid = "ACreal0000000000000000000000000000";
inline constexpr auto kForm = "application/x-www-form-urlencoded";
inline constexpr auto kJson = "application/json";

inline Pricing testPricing()
{
    Pricing pricing;
    pricing.usdPerUnit = *parseFxRates("eur=1.08,jpy=0.0067,kwd=3.25,chf=1.133333");
    return pricing;
}

inline std::variant<PreparedCall, PrepareError>
prepare(Vendor vendor, const QByteArray &method, const QByteArray &path,
        const QByteArray &body = {}, const QByteArray &contentType = {},
        const QByteArray &query = {}, const Pricing &pricing = testPricing(),
        const QByteArray &stripeAccount = {})
{
    VendorRequest request;
    request.vendor = vendor;
    request.method = method.toStdString();
    request.path = path.toStdString();
    request.query = query.toStdString();
    request.contentType = contentType.toStdString();
    request.body = body.toStdString();
    request.stripeAccount = stripeAccount.toStdString();
    request.stripeAccountHeaders = stripeAccount.isEmpty() ? 0 : 1;
    return prepareCall(request, pricing, kAccountSid);
}

inline QByteArray bytes(const std::string &text)
{
    return QByteArray::fromStdString(text);
}

// For failure messages, which QVERIFY2 evaluates even when the check passes.
inline std::string describe(const std::variant<PreparedCall, PrepareError> &result)
{
    if (const auto *error = std::get_if<PrepareError>(&result))
        return error->code + ": " + error->message;
    return "prepared " + std::get<PreparedCall>(result).upstreamPath;
}

inline QByteArray twilioMessage(const QString &text, const QByteArray &extra = {})
{
    return "To=%2B15550009999&From=%2B15550001111&Body=" + QUrl::toPercentEncoding(text) + extra;
}

inline int outcomeOf(const CostEstimate &estimate)
{
    return static_cast<int>(estimate.outcome);
}

inline constexpr int Known = static_cast<int>(CostEstimate::Outcome::Known);
inline constexpr int Unknown = static_cast<int>(CostEstimate::Outcome::Unknown);
inline constexpr int Unsupported = static_cast<int>(CostEstimate::Outcome::CurrencyUnsupported);

} // namespace keybrake::vendortest
