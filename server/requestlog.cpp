#include "requestlog.h"

#include "clock.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cstdio>

namespace keybrake {

namespace {

std::string_view levelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug:
        return "debug";
    case LogLevel::Info:
        return "info";
    case LogLevel::Warn:
        return "warn";
    case LogLevel::Error:
        return "error";
    }
    return "info";
}

void appendString(std::string &out, std::string_view text)
{
    out += boost::json::serialize(boost::json::string(text));
}

} // namespace

LogLevel parseLogLevel(std::string_view name)
{
    if (name == "debug")
        return LogLevel::Debug;
    if (name == "warn")
        return LogLevel::Warn;
    if (name == "error")
        return LogLevel::Error;
    return LogLevel::Info;
}

RequestLog &RequestLog::instance()
{
    static RequestLog log;
    return log;
}

RequestLog::RequestLog()
    : m_writer([this] { run(); })
{
}

RequestLog::~RequestLog()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_writer.join();
}

void RequestLog::write(LogLevel level, std::string_view message,
                       std::initializer_list<Field> fields)
{
    if (!enabled(level))
        return;
    std::string line;
    line.reserve(256);
    line += "{\"ts\":\"";
    line += formatRfc3339(std::chrono::system_clock::now());
    line += "\",\"level\":\"";
    line += levelName(level);
    line += "\",\"msg\":";
    appendString(line, message);
    for (const auto &[name, value] : fields) {
        line += ",\"";
        line += name;
        line += "\":";
        if (const auto *text = std::get_if<std::string_view>(&value)) {
            appendString(line, *text);
        } else if (const auto *integer = std::get_if<std::int64_t>(&value)) {
            line += std::to_string(*integer);
        } else if (const auto *real = std::get_if<double>(&value)) {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.3f", *real);
            line += buffer;
        } else {
            line += std::get<bool>(value) ? "true" : "false";
        }
    }
    line += "}\n";
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        wake = m_buffer.empty();
        m_buffer += line;
    }
    if (wake)
        m_wake.notify_one();
}

void RequestLog::flush()
{
    std::string pending;
    {
        std::lock_guard lock(m_mutex);
        pending.swap(m_buffer);
    }
    if (!pending.empty()) {
        std::fwrite(pending.data(), 1, pending.size(), stderr);
        std::fflush(stderr);
    }
}

void RequestLog::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_stopping || !m_buffer.empty(); });
        std::string pending;
        pending.swap(m_buffer);
        const bool stopping = m_stopping;
        lock.unlock();
        if (!pending.empty()) {
            std::fwrite(pending.data(), 1, pending.size(), stderr);
            std::fflush(stderr);
        }
        lock.lock();
        if (stopping && m_buffer.empty())
            return;
    }
}

} // namespace keybrake
