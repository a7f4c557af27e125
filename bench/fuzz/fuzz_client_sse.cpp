// The console's server-sent events parser, fed the input whole and again in pieces cut where
// the input says (byte 0). Checked beyond "no crash": how the bytes are split never changes the
// events or the last event ID, as the network may split them anywhere.
#include "client/sseparser.h"

#include <QByteArrayView>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using keybrake::client::ServerSentEvent;
using keybrake::client::SseParser;

namespace {

bool same(const QList<ServerSentEvent> &a, const QList<ServerSentEvent> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].type != b[i].type || a[i].data != b[i].data
            || a[i].lastEventId != b[i].lastEventId)
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::size_t step = std::size_t(data[0] % 7) + 1;
    const QByteArrayView bytes(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    SseParser whole;
    const QList<ServerSentEvent> all = whole.feed(bytes);

    SseParser pieces;
    QList<ServerSentEvent> collected;
    for (qsizetype at = 0; at < bytes.size(); at += qsizetype(step))
        collected +=
            pieces.feed(bytes.sliced(at, qMin<qsizetype>(qsizetype(step), bytes.size() - at)));

    if (!same(all, collected) || whole.lastEventId() != pieces.lastEventId()
        || whole.retryMs() != pieces.retryMs())
        std::abort();
    pieces.restart();
    (void)pieces.feed(bytes);
    return 0;
}
