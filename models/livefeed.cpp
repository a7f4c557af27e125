#include "models/livefeed.h"

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/connectionmonitor.h"

#include <QLoggingCategory>

namespace keybrake {

Q_LOGGING_CATEGORY(lcLive, "keybrake.live")

using client::EventStream;
using PushState = ConnectionMonitor::PushState;

LiveFeed::LiveFeed(client::KeybrakeClient *client, ConnectionMonitor *monitor, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_stream(new EventStream(client, this))
{
    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &LiveFeed::flushRefresh);
    connect(m_stream, &EventStream::eventReceived, this, &LiveFeed::onEvent);
    connect(m_stream, &EventStream::stateChanged, this, &LiveFeed::onStateChanged);
}

LiveFeed::~LiveFeed() = default;

void LiveFeed::start()
{
    m_running = true;
    m_monitor->setPushState(PushState::StreamDown);
    m_stream->start();
}

void LiveFeed::stop()
{
    m_running = false;
    m_refreshTimer.stop();
    m_stream->stop();
    m_monitor->setPushState(PushState::NoStream);
}

bool LiveFeed::isLive() const
{
    return m_stream->state() == EventStream::State::Live;
}

void LiveFeed::onEvent(const client::EventMessage &message)
{
    ++m_events;
    if (message.id >= 0)
        m_lastEventId = message.id;
    if (message.type == u"reset") {
        qCInfo(lcLive) << "the server could not resume the stream; reloading";
        Q_EMIT resetReceived();
        flushRefresh();
        return;
    }
    requestRefresh();
    Q_EMIT eventReceived(message);
    if (message.type == u"call") {
        client::AuditEntry call;
        QString error;
        if (client::JsonCodec::fromJson(message.data, &call, &error))
            Q_EMIT callReceived(call, message.data);
        else
            qCWarning(lcLive) << "unreadable call event" << message.id << error;
    }
}

void LiveFeed::onStateChanged(EventStream::State state)
{
    const bool live = state == EventStream::State::Live;
    if (live) {
        m_monitor->setPushState(PushState::Pushing);
        m_monitor->reportSuccess();
        // Whatever changed while the stream was down (or before it first went live) is read
        // once now: the lists are read after the first ping, so nothing falls between them.
        flushRefresh();
    } else if (m_running) {
        m_monitor->setPushState(PushState::StreamDown);
        // The first failure after being live tells the monitor at once (the server may be gone);
        // from then on its own probes and the stream's retries run side by side.
        if (m_wasLive && state == EventStream::State::Reconnecting) {
            if (const auto error = m_stream->lastError())
                m_monitor->reportFailure(*error);
        }
    }
    if (live != m_wasLive) {
        m_wasLive = live;
        Q_EMIT liveChanged(live);
    }
}

void LiveFeed::requestRefresh()
{
    if (m_refreshTimer.isActive())
        return;
    if (!m_sinceRefresh.isValid() || m_sinceRefresh.elapsed() >= m_spacingMs)
        flushRefresh();
    else
        m_refreshTimer.start(int(m_spacingMs - m_sinceRefresh.elapsed()));
}

void LiveFeed::flushRefresh()
{
    m_refreshTimer.stop();
    m_sinceRefresh.start();
    // Each event is fresh data from the server.
    m_monitor->reportSuccess();
    m_monitor->notifyChanged();
}

} // namespace keybrake
