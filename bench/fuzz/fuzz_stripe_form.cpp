// The Stripe (and Twilio) form parser, its encoder and the JSON-to-form conversion. Beyond "no
// crash", two properties the proxy relies on are checked: encoding a decoded field and parsing it
// again gives the same field (what is priced is what is forwarded), and whatever the JSON
// conversion produces parses as a form.
#include "vendors/stripeform.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char *>(data), size);

    if (const auto fields = keybrake::parseFormBody(text)) {
        for (const keybrake::FormField &field : *fields) {
            const std::string encoded = keybrake::encodeFormComponent(field.key) + '='
                + keybrake::encodeFormComponent(field.value);
            const auto again = keybrake::parseFormBody(encoded);
            if (!again || again->size() != 1 || again->front().key != field.key
                || again->front().value != field.value)
                std::abort();
        }
    }

    std::string error;
    if (const auto form = keybrake::jsonToStripeForm(text, error)) {
        if (!keybrake::parseFormBody(*form))
            std::abort();
    }
    return 0;
}
