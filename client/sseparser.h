#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

namespace keybrake::client {

// One dispatched server-sent event.
struct ServerSentEvent
{
    QString type; // "message" when the event named none
    QString lastEventId; // the stream's last event ID when this event was dispatched
    QByteArray data; // UTF-8, lines joined with LF
};

// The text/event-stream format (WHATWG HTML, "Interpreting an event stream"), fed in whatever
// pieces the network delivers: a line, or a CR LF pair, may be split between two reads. Lines end
// in CR LF, LF or CR; a leading byte order mark is dropped; comments (":...") are ignored; "data"
// lines accumulate; "id" sets the last event ID unless it contains NUL, even for an event that
// has no data and so is not dispatched; "retry" takes digits only; an event is dispatched by an
// empty line, and one left unfinished when the stream ends is never dispatched.
class SseParser
{
public:
    // A longer line (or event data) is a broken or hostile stream, not an event.
    static constexpr qsizetype MaxBufferedBytes = 8 * 1024 * 1024;

    // The events the new bytes completed, in order. After an overflow nothing more is parsed.
    QList<ServerSentEvent> feed(QByteArrayView bytes);

    QString lastEventId() const { return m_lastEventId; }
    void setLastEventId(const QString &id) { m_lastEventId = id; }
    std::optional<int> retryMs() const { return m_retryMs; }
    bool overflowed() const { return m_overflowed; }

    // For a new connection: forgets the unfinished line and event, keeps the last event ID and
    // the retry hint.
    void restart();

private:
    void processLine(QByteArrayView line, QList<ServerSentEvent> &out);
    void dispatch(QList<ServerSentEvent> &out);

    QByteArray m_line;
    bool m_atStart = true; // no byte seen yet on this connection (for the byte order mark)
    bool m_afterCr = false; // the previous byte ended a line with CR; an LF now belongs to it
    QByteArray m_data;
    QByteArray m_type;
    QString m_idBuffer;
    QString m_lastEventId;
    std::optional<int> m_retryMs;
    bool m_overflowed = false;
};

} // namespace keybrake::client
