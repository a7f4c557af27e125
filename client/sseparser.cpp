#include "client/sseparser.h"

namespace keybrake::client {

namespace {

constexpr QByteArrayView kByteOrderMark("\xEF\xBB\xBF");

} // namespace

void SseParser::restart()
{
    m_line.clear();
    m_atStart = true;
    m_afterCr = false;
    m_data.clear();
    m_type.clear();
    m_idBuffer = m_lastEventId;
    m_overflowed = false;
}

QList<ServerSentEvent> SseParser::feed(QByteArrayView bytes)
{
    QList<ServerSentEvent> out;
    if (m_overflowed)
        return out;
    if (m_atStart) {
        // The mark may itself arrive split: wait until three bytes are known.
        m_line.append(bytes);
        if (m_line.size() < kByteOrderMark.size()
            && kByteOrderMark.startsWith(QByteArrayView(m_line)))
            return out;
        m_atStart = false;
        if (m_line.startsWith(kByteOrderMark))
            m_line.remove(0, kByteOrderMark.size());
        const QByteArray pending = std::exchange(m_line, {});
        return feed(pending);
    }

    qsizetype start = 0;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (c != '\r' && c != '\n')
            continue;
        if (c == '\n' && m_afterCr && i == start && m_line.isEmpty()) {
            // The LF of a CR LF whose CR ended the previous line.
            m_afterCr = false;
            start = i + 1;
            continue;
        }
        m_line.append(bytes.sliced(start, i - start));
        processLine(m_line, out);
        m_line.clear();
        m_afterCr = c == '\r';
        start = i + 1;
        if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
            ++i;
            ++start;
            m_afterCr = false;
        }
        if (m_overflowed)
            return out;
    }
    if (start < bytes.size()) {
        m_afterCr = false;
        m_line.append(bytes.sliced(start));
        if (m_line.size() > MaxBufferedBytes)
            m_overflowed = true;
    }
    return out;
}

void SseParser::processLine(QByteArrayView line, QList<ServerSentEvent> &out)
{
    if (line.isEmpty()) {
        dispatch(out);
        return;
    }
    if (line.front() == ':')
        return; // a comment
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);

    if (field == "event") {
        m_type = value.toByteArray();
    } else if (field == "data") {
        m_data.append(value);
        m_data += '\n';
        if (m_data.size() > MaxBufferedBytes)
            m_overflowed = true;
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_idBuffer = QString::fromUtf8(value);
    } else if (field == "retry") {
        bool digits = !value.isEmpty();
        for (char c : value)
            digits = digits && c >= '0' && c <= '9';
        bool ok = false;
        const int ms = digits ? value.toByteArray().toInt(&ok) : 0;
        if (digits && ok)
            m_retryMs = ms;
    }
    // Any other field is ignored, as the format requires.
}

void SseParser::dispatch(QList<ServerSentEvent> &out)
{
    m_lastEventId = m_idBuffer;
    if (m_data.isEmpty()) {
        m_type.clear();
        return;
    }
    m_data.chop(1); // the LF after the last data line
    ServerSentEvent event;
    event.type = m_type.isEmpty() ? QStringLiteral("message") : QString::fromUtf8(m_type);
    event.lastEventId = m_lastEventId;
    event.data = std::exchange(m_data, {});
    m_type.clear();
    out.append(std::move(event));
}

} // namespace keybrake::client
