#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace keybrake {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

// The server's notion of now. Expiry and day rollover are tested with a ManualClock, never with
// sleep.
class Clock
{
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock
{
public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock the tests set and advance (keybraked --test-clock exposes it on an admin route).
class ManualClock final : public Clock
{
public:
    explicit ManualClock(TimePoint start);
    TimePoint now() const override;
    void set(TimePoint when);
    void advance(std::chrono::milliseconds by);

private:
    std::atomic<std::int64_t> m_unixMillis;
};

std::int64_t toUnixMillis(TimePoint when);
TimePoint fromUnixMillis(std::int64_t millis);

// RFC 3339 UTC with milliseconds: 2026-11-28T14:03:05.123Z.
std::string formatRfc3339(TimePoint when);
// Accepts RFC 3339 with a Z or numeric offset and optional fraction; nullopt when malformed.
std::optional<TimePoint> parseRfc3339(std::string_view text);

// "15m", "2h", "1d", "90s" or a bare number of seconds; nullopt when malformed or not positive.
std::optional<std::chrono::seconds> parseDuration(std::string_view text);

} // namespace keybrake
