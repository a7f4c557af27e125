#include "vendors/stripeobjects.h"

#include "crypto.h"
#include "vendors/simids.h"
#include "vendors/stripereplies.h"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

namespace keybrake::sim {

namespace json = boost::json;

namespace {

json::value optionalString(const FormFields &form, std::string_view key)
{
    if (const std::string *value = form.find(key); value && !value->empty())
        return json::value(*value);
    return nullptr;
}

json::object metadataOf(const json::object &nested)
{
    if (const auto *metadata = nested.if_contains("metadata"); metadata && metadata->is_object())
        return metadata->as_object();
    return {};
}

// Stripe's amounts are integers in the currency's smallest unit, at least 1 and at most eight
// digits.
std::optional<SimReply> readAmount(const FormFields &form, std::int64_t &amount)
{
    const std::string *text = form.find("amount");
    if (!text || text->empty())
        return stripe::missingParam("amount");
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), amount);
    if (error != std::errc() || end != text->data() + text->size())
        return stripe::error(400, "invalid_request_error", "Invalid integer: " + *text,
                             "parameter_invalid_integer", "amount");
    if (amount < 1)
        return stripe::error(400, "invalid_request_error",
                             "This value must be greater than or equal to 1.",
                             "parameter_invalid_integer", "amount");
    if (amount > 99'999'999)
        return stripe::error(
            400, "invalid_request_error",
            "Amount must be no more than 99999999 in the currency's smallest unit.",
            "amount_too_large", "amount");
    return std::nullopt;
}

std::optional<SimReply> readCurrency(const FormFields &form, std::string &currency)
{
    const std::string *text = form.find("currency");
    if (!text || text->empty())
        return stripe::missingParam("currency");
    currency.clear();
    for (char c : *text)
        currency += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool threeLetters = currency.size() == 3
        && std::all_of(currency.begin(), currency.end(),
                       [](char c) { return c >= 'a' && c <= 'z'; });
    if (!threeLetters)
        return stripe::error(400, "invalid_request_error",
                             "Invalid currency: " + *text
                                 + ". Stripe currently supports three-letter ISO currency codes.",
                             "", "currency");
    return std::nullopt;
}

std::optional<SimReply> readMoney(const FormFields &form, std::int64_t &amount,
                                  std::string &currency)
{
    if (auto error = readAmount(form, amount))
        return error;
    return readCurrency(form, currency);
}

bool isTrue(const std::string *value)
{
    return value && (*value == "true" || *value == "1");
}

// The charge a confirmed PaymentIntent makes, as Stripe lists it under /v1/charges (an SDK user
// lists charges after paying with PaymentIntents and retrieves `latest_charge`).
json::object chargeOfIntent(const json::object &intent, std::int64_t now, bool captured)
{
    const json::value amount = intent.at("amount");
    json::object charge;
    charge["id"] = intent.at("latest_charge");
    charge["object"] = "charge";
    charge["amount"] = amount;
    charge["amount_captured"] = captured ? amount : json::value(0);
    charge["amount_refunded"] = 0;
    charge["balance_transaction"] = stripeId("txn_");
    charge["captured"] = captured;
    charge["created"] = now;
    charge["currency"] = intent.at("currency");
    charge["customer"] = intent.at("customer");
    charge["description"] = intent.at("description");
    charge["failure_code"] = nullptr;
    charge["failure_message"] = nullptr;
    charge["livemode"] = false;
    charge["metadata"] = intent.at("metadata");
    charge["on_behalf_of"] = nullptr;
    charge["paid"] = true;
    charge["payment_intent"] = intent.at("id");
    charge["payment_method"] = intent.at("payment_method");
    charge["receipt_email"] = intent.at("receipt_email");
    charge["refunded"] = false;
    charge["statement_descriptor"] = nullptr;
    charge["status"] = "succeeded";
    return charge;
}

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

StripeObjects::StripeObjects(ObjectStore &objects)
    : m_objects(objects)
{
}

SimReply StripeObjects::createCharge(std::int64_t now, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const json::object nested = form.nested();
    const bool capture = !form.find("capture") || isTrue(form.find("capture"));
    const std::string id = stripeId("ch_");
    json::object charge;
    charge["id"] = id;
    charge["object"] = "charge";
    charge["amount"] = amount;
    charge["amount_captured"] = capture ? amount : 0;
    charge["amount_refunded"] = 0;
    charge["balance_transaction"] = stripeId("txn_");
    charge["captured"] = capture;
    charge["created"] = now;
    charge["currency"] = currency;
    charge["customer"] = optionalString(form, "customer");
    charge["description"] = optionalString(form, "description");
    charge["failure_code"] = nullptr;
    charge["failure_message"] = nullptr;
    charge["livemode"] = false;
    charge["metadata"] = metadataOf(nested);
    charge["on_behalf_of"] = optionalString(form, "on_behalf_of");
    charge["paid"] = true;
    charge["payment_intent"] = nullptr;
    const json::value source = optionalString(form, "source");
    charge["payment_method"] = source.is_null() ? optionalString(form, "payment_method") : source;
    charge["receipt_email"] = optionalString(form, "receipt_email");
    charge["refunded"] = false;
    charge["statement_descriptor"] = optionalString(form, "statement_descriptor");
    charge["status"] = "succeeded";
    m_objects.put(id, charge);
    return stripe::jsonReply(200, charge);
}

SimReply StripeObjects::createPaymentIntent(std::int64_t now, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const json::object nested = form.nested();
    const bool manualCapture =
        form.find("capture_method") && *form.find("capture_method") == "manual";
    const bool confirm = isTrue(form.find("confirm"));
    json::value paymentMethod = optionalString(form, "payment_method");
    if (confirm && paymentMethod.is_null())
        paymentMethod = "pm_card_visa";
    const std::string id = stripeId("pi_");
    json::object intent;
    intent["id"] = id;
    intent["object"] = "payment_intent";
    intent["amount"] = amount;
    intent["amount_capturable"] = 0;
    intent["amount_received"] = 0;
    intent["capture_method"] = manualCapture ? "manual" : "automatic";
    intent["client_secret"] = id + "_secret_" + randomBase62(24);
    intent["confirmation_method"] = "automatic";
    intent["created"] = now;
    intent["currency"] = currency;
    intent["customer"] = optionalString(form, "customer");
    intent["description"] = optionalString(form, "description");
    intent["latest_charge"] = nullptr;
    intent["livemode"] = false;
    intent["metadata"] = metadataOf(nested);
    intent["payment_method"] = paymentMethod;
    intent["payment_method_types"] = json::array {"card"};
    intent["receipt_email"] = optionalString(form, "receipt_email");
    intent["status"] =
        paymentMethod.is_null() ? "requires_payment_method" : "requires_confirmation";
    if (confirm) {
        intent["latest_charge"] = stripeId("ch_");
        if (manualCapture) {
            intent["status"] = "requires_capture";
            intent["amount_capturable"] = amount;
        } else {
            intent["status"] = "succeeded";
            intent["amount_received"] = amount;
        }
        m_objects.put(std::string(intent["latest_charge"].as_string()),
                      chargeOfIntent(intent, now, !manualCapture));
    }
    m_objects.put(id, intent);
    return stripe::jsonReply(200, intent);
}

SimReply StripeObjects::confirmPaymentIntent(std::string_view id, bool capture)
{
    std::string refusedStatus;
    const auto intent = m_objects.update(id, [&](json::object &pi) {
        const std::string status(pi["status"].as_string());
        const bool manual = pi["capture_method"].as_string() == "manual";
        if (capture
                ? status != "requires_capture"
                : (status == "succeeded" || status == "requires_capture" || status == "canceled")) {
            refusedStatus = status;
            return false;
        }
        if (pi["payment_method"].is_null())
            pi["payment_method"] = "pm_card_visa";
        if (!capture) {
            pi["latest_charge"] = stripeId("ch_");
            if (manual) {
                pi["status"] = "requires_capture";
                pi["amount_capturable"] = pi["amount"];
                return true;
            }
        }
        pi["status"] = "succeeded";
        pi["amount_capturable"] = 0;
        pi["amount_received"] = pi["amount"];
        return true;
    });
    if (!intent)
        return stripe::noSuch("payment_intent", id);
    if (!refusedStatus.empty())
        return stripe::error(400, "invalid_request_error",
                             "This PaymentIntent's " + std::string(capture ? "capture" : "confirm")
                                 + " could not be performed because it has a status of "
                                 + refusedStatus + ".",
                             "payment_intent_unexpected_state", "", true);
    const std::string chargeId(intent->at("latest_charge").as_string());
    if (!capture) {
        m_objects.put(chargeId,
                      chargeOfIntent(*intent, unixNow(), intent->at("status") == "succeeded"));
    } else {
        m_objects.update(chargeId, [&](json::object &charge) {
            charge["captured"] = true;
            charge["amount_captured"] = charge["amount"];
            return true;
        });
    }
    return stripe::jsonReply(200, *intent);
}

SimReply StripeObjects::createRefund(std::int64_t now, const FormFields &form)
{
    const std::string *chargeId = form.find("charge");
    const std::string *intentId = form.find("payment_intent");
    if ((!chargeId || chargeId->empty()) && (!intentId || intentId->empty()))
        return stripe::error(400, "invalid_request_error",
                             "One of the following params should be provided for this request: "
                             "payment_intent or charge.",
                             "parameter_missing", "charge");
    // What the referenced payment still holds, when this simulator created it.
    std::optional<std::int64_t> refundable;
    std::string currency;
    const std::string &referenced = chargeId && !chargeId->empty() ? *chargeId : *intentId;
    if (const auto object = m_objects.get(referenced)) {
        const bool isIntent = referenced.starts_with("pi_");
        const std::int64_t paid = (*object).at(isIntent ? "amount_received" : "amount").as_int64();
        const std::int64_t refunded =
            object->contains("amount_refunded") ? object->at("amount_refunded").as_int64() : 0;
        refundable = paid - refunded;
        currency = object->at("currency").as_string();
    }
    std::int64_t amount = 0;
    if (form.find("amount")) {
        if (auto error = readAmount(form, amount))
            return std::move(*error);
    } else if (refundable) {
        amount = *refundable;
    } else {
        return stripe::missingParam("amount");
    }
    if (currency.empty()) {
        const std::string *given = form.find("currency");
        currency = given && !given->empty() ? *given : "usd";
    }
    if (refundable && *refundable <= 0)
        return stripe::error(400, "invalid_request_error",
                             "Charge " + referenced + " has already been refunded.",
                             "charge_already_refunded", "", true);
    if (refundable && amount > *refundable)
        return stripe::error(400, "invalid_request_error",
                             "Refund amount (" + std::to_string(amount)
                                 + ") is greater than unrefunded amount on charge ("
                                 + std::to_string(*refundable) + ")",
                             "", "amount", true);
    if (refundable && !referenced.starts_with("pi_")) {
        m_objects.update(referenced, [&](json::object &charge) {
            const std::int64_t total = charge["amount_refunded"].as_int64() + amount;
            charge["amount_refunded"] = total;
            charge["refunded"] = total >= charge["amount"].as_int64();
            return true;
        });
    }
    const std::string id = stripeId("re_");
    json::object refund;
    refund["id"] = id;
    refund["object"] = "refund";
    refund["amount"] = amount;
    refund["balance_transaction"] = stripeId("txn_");
    refund["charge"] = chargeId && !chargeId->empty() ? json::value(*chargeId) : json::value();
    refund["created"] = now;
    refund["currency"] = currency;
    refund["metadata"] = metadataOf(form.nested());
    refund["payment_intent"] = optionalString(form, "payment_intent");
    refund["reason"] = optionalString(form, "reason");
    refund["status"] = "succeeded";
    m_objects.put(id, refund);
    return stripe::jsonReply(200, refund);
}

SimReply StripeObjects::createPayout(std::int64_t now, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const std::string id = stripeId("po_");
    json::object payout;
    payout["id"] = id;
    payout["object"] = "payout";
    payout["amount"] = amount;
    payout["arrival_date"] = now + 2 * 86400;
    payout["automatic"] = false;
    payout["balance_transaction"] = stripeId("txn_");
    payout["created"] = now;
    payout["currency"] = currency;
    payout["description"] = optionalString(form, "description");
    const json::value destination = optionalString(form, "destination");
    payout["destination"] = destination.is_null() ? json::value(stripeId("ba_")) : destination;
    payout["livemode"] = false;
    payout["metadata"] = metadataOf(form.nested());
    const json::value method = optionalString(form, "method");
    payout["method"] = method.is_null() ? json::value("standard") : method;
    payout["source_type"] = "card";
    payout["statement_descriptor"] = optionalString(form, "statement_descriptor");
    payout["status"] = "pending";
    payout["type"] = "bank_account";
    m_objects.put(id, payout);
    return stripe::jsonReply(200, payout);
}

SimReply StripeObjects::createTransfer(std::int64_t now, const FormFields &form)
{
    std::int64_t amount = 0;
    std::string currency;
    if (auto error = readMoney(form, amount, currency))
        return std::move(*error);
    const json::value destination = optionalString(form, "destination");
    if (destination.is_null())
        return stripe::missingParam("destination");
    const std::string id = stripeId("tr_");
    json::object transfer;
    transfer["id"] = id;
    transfer["object"] = "transfer";
    transfer["amount"] = amount;
    transfer["amount_reversed"] = 0;
    transfer["balance_transaction"] = stripeId("txn_");
    transfer["created"] = now;
    transfer["currency"] = currency;
    transfer["description"] = optionalString(form, "description");
    transfer["destination"] = destination;
    transfer["destination_payment"] = stripeId("py_");
    transfer["livemode"] = false;
    transfer["metadata"] = metadataOf(form.nested());
    transfer["reversals"] = json::object {{"object", "list"},
                                          {"data", json::array()},
                                          {"has_more", false},
                                          {"total_count", 0},
                                          {"url", "/v1/transfers/" + id + "/reversals"}};
    transfer["reversed"] = false;
    transfer["source_transaction"] = optionalString(form, "source_transaction");
    transfer["transfer_group"] = optionalString(form, "transfer_group");
    m_objects.put(id, transfer);
    return stripe::jsonReply(200, transfer);
}

SimReply StripeObjects::createCustomer(std::int64_t now, const FormFields &form)
{
    const std::string id = stripeId("cus_");
    json::object customer;
    customer["id"] = id;
    customer["object"] = "customer";
    customer["address"] = nullptr;
    customer["balance"] = 0;
    customer["created"] = now;
    customer["currency"] = nullptr;
    customer["default_source"] = nullptr;
    customer["delinquent"] = false;
    customer["description"] = optionalString(form, "description");
    customer["email"] = optionalString(form, "email");
    customer["invoice_prefix"] = randomBase32Lower(8);
    customer["livemode"] = false;
    customer["metadata"] = metadataOf(form.nested());
    customer["name"] = optionalString(form, "name");
    customer["phone"] = optionalString(form, "phone");
    customer["preferred_locales"] = json::array();
    customer["shipping"] = nullptr;
    customer["tax_exempt"] = "none";
    m_objects.put(id, customer);
    return stripe::jsonReply(200, customer);
}

SimReply StripeObjects::updateCustomer(std::string_view id, const FormFields &form)
{
    const json::object nested = form.nested();
    const auto customer = m_objects.update(id, [&](json::object &c) {
        for (const char *field : {"description", "email", "name", "phone"}) {
            if (form.find(field))
                c[field] = optionalString(form, field);
        }
        if (const auto *metadata = nested.if_contains("metadata");
            metadata && metadata->is_object()) {
            auto &current = c["metadata"].as_object();
            for (const auto &entry : metadata->as_object()) {
                if (entry.value().is_string() && entry.value().as_string().empty())
                    current.erase(entry.key()); // Stripe unsets a key given an empty value
                else
                    current[entry.key()] = entry.value();
            }
        }
        return true;
    });
    if (!customer)
        return stripe::noSuch("customer", id);
    return stripe::jsonReply(200, *customer);
}

SimReply StripeObjects::list(std::string_view prefix, std::string_view url, const FormFields &query,
                             std::string_view filterField)
{
    std::int64_t limit = 10;
    if (const std::string *text = query.find("limit")) {
        const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (error != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 100)
            return stripe::error(400, "invalid_request_error",
                                 "Invalid integer: " + *text + " (limit must be between 1 and 100)",
                                 "parameter_invalid_integer", "limit");
    }
    const std::string *filter = query.find(filterField);
    const std::string *after = query.find("starting_after");
    bool more = false;
    const auto page = m_objects.newest(
        prefix, static_cast<std::size_t>(limit), after ? *after : std::string_view {},
        [&](const json::object &object) {
            if (!filter)
                return true;
            const auto *value = object.if_contains(filterField);
            return value && value->is_string() && value->as_string() == *filter;
        },
        more);
    json::array data;
    for (const auto &object : page)
        data.push_back(object);
    return stripe::jsonReply(
        200,
        json::object {
            {"object", "list"}, {"data", std::move(data)}, {"has_more", more}, {"url", url}});
}

SimReply StripeObjects::retrieve(std::string_view id, std::string_view objectName) const
{
    const auto object = m_objects.get(id);
    if (!object || object->at("object").as_string() != objectName)
        return stripe::noSuch(objectName, id);
    return stripe::jsonReply(200, *object);
}

SimReply StripeObjects::balance() const
{
    const json::array amounts {json::object {
        {"amount", 0}, {"currency", "usd"}, {"source_types", json::object {{"card", 0}}}}};
    return stripe::jsonReply(200,
                             json::object {{"object", "balance"},
                                           {"available", amounts},
                                           {"livemode", false},
                                           {"pending", amounts}});
}

} // namespace keybrake::sim
