#pragma once

#include <condition_variable>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>

namespace keybrake {

enum class LogLevel {
    Debug,
    Info,
    Warn,
    Error,
};

// Structured logs: one JSON object per line on standard error, written by a background thread so
// the proxy's hot path only appends to a buffer. Callers pass fields, never secrets: there is no
// API to log a header or a body.
class RequestLog
{
public:
    using Value = std::variant<std::string_view, std::int64_t, double, bool>;
    using Field = std::pair<std::string_view, Value>;

    static RequestLog &instance();

    void setLevel(LogLevel level) { m_level = level; }
    bool enabled(LogLevel level) const { return level >= m_level; }
    void write(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {});
    // Writes what is buffered; called at shutdown.
    void flush();

    ~RequestLog();

private:
    RequestLog();
    void run();

    LogLevel m_level = LogLevel::Info;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::string m_buffer;
    bool m_stopping = false;
    std::thread m_writer;
};

LogLevel parseLogLevel(std::string_view name);

inline void logInfo(std::string_view message, std::initializer_list<RequestLog::Field> fields = {})
{
    RequestLog::instance().write(LogLevel::Info, message, fields);
}
inline void logWarn(std::string_view message, std::initializer_list<RequestLog::Field> fields = {})
{
    RequestLog::instance().write(LogLevel::Warn, message, fields);
}
inline void logError(std::string_view message, std::initializer_list<RequestLog::Field> fields = {})
{
    RequestLog::instance().write(LogLevel::Error, message, fields);
}

} // namespace keybrake
