#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keybrake::fuzz {

// Splits one fuzzer input into fields: each next() is the text up to the next 0x00 byte (or the
// rest). A corpus file is the fields joined by NUL, so seeds stay readable in a hex dump.
class FuzzInput
{
public:
    FuzzInput(const std::uint8_t *data, std::size_t size)
        : m_rest(reinterpret_cast<const char *>(data), size)
    {
    }

    std::string next()
    {
        const std::size_t end = m_rest.find('\0');
        std::string field(m_rest.substr(0, end));
        m_rest = end == std::string_view::npos ? std::string_view() : m_rest.substr(end + 1);
        return field;
    }
    // One byte as a small number (0 when the input is used up).
    unsigned byte()
    {
        if (m_rest.empty())
            return 0;
        const unsigned value = static_cast<unsigned char>(m_rest.front());
        m_rest.remove_prefix(1);
        return value;
    }
    std::string_view rest() const { return m_rest; }

private:
    std::string_view m_rest;
};

} // namespace keybrake::fuzz
