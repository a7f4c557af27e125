#include "models/connectionmonitor.h"

#include "client/keybrakeclient.h"

#include <QLoggingCategory>

#include <algorithm>

namespace keybrake {

Q_LOGGING_CATEGORY(lcConnection, "keybrake.connection")

using client::ApiError;

ConnectionMonitor::ConnectionMonitor(client::KeybrakeClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_random(std::random_device {}())
{
    m_clock.start();
    m_pollTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_pollTimer, &QTimer::timeout, this, &ConnectionMonitor::onPollTimer);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &ConnectionMonitor::probe);
    m_secondTicker.setInterval(1000);
    connect(&m_secondTicker, &QTimer::timeout, this, &ConnectionMonitor::onSecondTick);
}

ConnectionMonitor::~ConnectionMonitor() = default;

void ConnectionMonitor::start()
{
    m_running = true;
    m_pollTimer.setInterval(int(m_pollInterval.count()));
    probe();
}

void ConnectionMonitor::stop()
{
    m_running = false;
    m_pollTimer.stop();
    m_retryTimer.stop();
    m_secondTicker.stop();
}

int ConnectionMonitor::secondsUntilRetry() const
{
    if (!m_retryTimer.isActive())
        return 0;
    const qint64 left = m_retryDelayMs - m_retryClock.elapsed();
    return int(std::max<qint64>(1, (left + 999) / 1000));
}

int ConnectionMonitor::secondsWaiting() const
{
    return int(millisecondsWaiting() / 1000);
}

qint64 ConnectionMonitor::millisecondsWaiting() const
{
    qint64 oldest = -1;
    for (const auto &[request, startedMs] : m_inFlight) {
        if (request && !request->isFinished())
            oldest = oldest < 0 ? startedMs : std::min(oldest, startedMs);
    }
    return oldest < 0 ? 0 : m_clock.elapsed() - oldest;
}

QString ConnectionMonitor::statusText(const TimeFormatter &formatter) const
{
    switch (m_state) {
    case State::Connecting:
        return tr("◌ Connecting…");
    case State::Live:
        if (m_pushState == PushState::StreamDown)
            return tr("● Connected · polling every %n s", nullptr,
                      int(std::max<qint64>(1, m_pollInterval.count() / 1000)));
        return tr("● Live");
    case State::Waiting:
        return tr("◌ Waiting for the server (%1 s)")
            .arg(std::max<qint64>(1, (millisecondsWaiting() + 500) / 1000));
    case State::Reconnecting:
        if (m_probing || !m_retryTimer.isActive())
            return tr("◌ Reconnecting…");
        return tr("◌ Reconnecting in %1 s").arg(secondsUntilRetry());
    case State::Offline: {
        const QString asOf = m_dataAsOf.isValid()
            ? tr("○ Offline — data as of %1").arg(formatter.clock(m_dataAsOf))
            : tr("○ Offline — no data yet");
        if (m_probing)
            return tr("%1 · retrying…").arg(asOf);
        if (m_retryTimer.isActive())
            return tr("%1 · retry in %2 s").arg(asOf).arg(secondsUntilRetry());
        return asOf;
    }
    case State::SignedOut:
        return tr("○ Signed out — the admin key was refused");
    }
    return {};
}

QString ConnectionMonitor::statusToolTip(const TimeFormatter &formatter) const
{
    QString tip;
    switch (m_state) {
    case State::Connecting:
        tip = tr("Contacting the server for the first time.");
        break;
    case State::Live:
        if (m_pushState == PushState::Pushing)
            tip = tr("Live: the server pushes every change as it happens.");
        else if (m_pushState == PushState::StreamDown)
            tip = tr("Connected, but the live event stream is down: data refreshes every %1 s "
                     "until it is back.")
                      .arg(std::max<qint64>(1, m_pollInterval.count() / 1000));
        else
            tip = tr("Connected. Data refreshes every %n second(s).", nullptr,
                     int(m_pollInterval.count() / 1000));
        break;
    case State::Waiting:
        tip = tr("The server has not answered for %n second(s). The figures shown may be "
                 "out of date.",
                 nullptr, secondsWaiting());
        break;
    case State::Reconnecting:
    case State::Offline:
        tip = tr("The server did not answer: %1").arg(m_lastError);
        break;
    case State::SignedOut:
        tip = m_lastError;
        break;
    }
    if (m_dataAsOf.isValid())
        tip += QLatin1Char('\n') + tr("Data as of %1.").arg(formatter.absolute(m_dataAsOf));
    return tip;
}

bool ConnectionMonitor::writesAllowed() const
{
    return m_state == State::Live || m_state == State::Waiting || m_state == State::Reconnecting;
}

QString ConnectionMonitor::writesBlockedReason() const
{
    switch (m_state) {
    case State::Connecting:
        return tr("Not connected to the server yet.");
    case State::Offline:
        return tr("The server is not answering, so nothing can be changed until it is back. "
                  "Last error: %1")
            .arg(m_lastError);
    case State::SignedOut:
        return tr("The server refused the admin key. Sign in again to make changes.");
    case State::Live:
    case State::Waiting:
    case State::Reconnecting:
        break;
    }
    return {};
}

void ConnectionMonitor::setPollInterval(std::chrono::milliseconds interval)
{
    m_pollInterval = std::max(interval, std::chrono::milliseconds(200));
    m_pollTimer.setInterval(int(m_pollInterval.count()));
}

void ConnectionMonitor::setBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap)
{
    m_backoffBase = std::max(base, std::chrono::milliseconds(50));
    m_backoffCap = std::max(cap, m_backoffBase);
}

void ConnectionMonitor::reportSuccess()
{
    ++m_reportsSinceTick;
    m_failures = 0;
    m_lastError.clear();
    m_dataAsOf = QDateTime::currentDateTimeUtc();
    Q_EMIT dataAsOfChanged(m_dataAsOf);
    if (!m_running)
        return;
    m_retryTimer.stop();
    if (!m_pollTimer.isActive())
        m_pollTimer.start();
    setState(millisecondsWaiting() >= m_slowAfter.count() ? State::Waiting : State::Live);
}

void ConnectionMonitor::reportFailure(const ApiError &error)
{
    if (error.kind == ApiError::Kind::Cancelled)
        return;
    ++m_reportsSinceTick;
    if (error.kind == ApiError::Kind::Unauthenticated) {
        m_lastError = error.message;
        m_pollTimer.stop();
        m_retryTimer.stop();
        setState(State::SignedOut);
        Q_EMIT signedOut(error.message);
        return;
    }
    const bool connectivity = error.isTransient() || error.kind == ApiError::Kind::Tls;
    if (!connectivity) {
        // The server answered (a refusal or a bad request): it is reachable, but this is not
        // fresh data, so "data as of" stays where it was.
        if (m_state != State::Live && m_state != State::Waiting && m_running) {
            m_failures = 0;
            m_retryTimer.stop();
            if (!m_pollTimer.isActive())
                m_pollTimer.start();
            setState(State::Live);
        }
        return;
    }
    ++m_failures;
    m_lastError = error.message;
    qCInfo(lcConnection) << "server unreachable:" << ApiError::kindName(error.kind)
                         << "failures in a row:" << m_failures;
    if (!m_running)
        return;
    m_pollTimer.stop();
    // Schedule first, so the state change already announces when the next attempt is.
    if (!m_probing && !m_retryTimer.isActive())
        scheduleRetry();
    setState(m_failures >= m_offlineAfter ? State::Offline : State::Reconnecting);
    Q_EMIT statusTextChanged();
}

void ConnectionMonitor::track(client::ApiRequest *request)
{
    if (!request || request->isFinished())
        return;
    m_inFlight.append({QPointer<client::ApiRequest>(request), m_clock.elapsed()});
    connect(request, &client::ApiRequest::finished, this, [this] { onSecondTick(); });
    // Checked exactly when the request becomes slow, not on the next whole-second tick.
    QTimer::singleShot(m_slowAfter + std::chrono::milliseconds(1), this,
                       &ConnectionMonitor::onSecondTick);
    if (!m_secondTicker.isActive())
        m_secondTicker.start();
}

void ConnectionMonitor::retryNow()
{
    if (!m_running)
        return;
    if (m_state == State::Live || m_state == State::Waiting) {
        Q_EMIT refreshDue();
        return;
    }
    if (m_probing)
        return;
    m_retryTimer.stop();
    probe();
}

void ConnectionMonitor::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    const bool ticking = state == State::Reconnecting || state == State::Offline
        || state == State::Waiting || !m_inFlight.isEmpty();
    if (ticking && !m_secondTicker.isActive())
        m_secondTicker.start();
    Q_EMIT stateChanged(state);
    Q_EMIT statusTextChanged();
}

void ConnectionMonitor::scheduleRetry()
{
    // Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a random delay up to
    // an exponentially growing ceiling, so many consoles do not all retry in the same second.
    const int exponent = std::min(m_failures, 16);
    const qint64 ceiling =
        std::min<qint64>(m_backoffCap.count(), m_backoffBase.count() * (qint64(1) << exponent));
    std::uniform_int_distribution<qint64> pick(m_backoffBase.count(),
                                               std::max<qint64>(m_backoffBase.count(), ceiling));
    m_retryDelayMs = pick(m_random);
    m_retryClock.start();
    m_retryTimer.start(int(m_retryDelayMs));
    if (!m_secondTicker.isActive())
        m_secondTicker.start();
}

void ConnectionMonitor::probe()
{
    if (!m_running || m_probing)
        return;
    m_probing = true;
    Q_EMIT statusTextChanged();
    client::ApiRequest *request =
        m_client->whoAmI(this, [this](const client::Result<client::WhoAmI> &result) {
            m_probing = false;
            if (result) {
                const bool wasLive = m_state == State::Live || m_state == State::Waiting;
                reportSuccess();
                // While the stream pushes, a liveness probe of a live view reads no lists.
                if (!(wasLive && m_pushState == PushState::Pushing))
                    Q_EMIT refreshDue();
            } else {
                reportFailure(result.error());
            }
            Q_EMIT statusTextChanged();
        });
    track(request);
}

void ConnectionMonitor::setPushState(PushState state)
{
    if (state == m_pushState)
        return;
    m_pushState = state;
    Q_EMIT statusTextChanged();
}

void ConnectionMonitor::notifyChanged()
{
    if (m_running && m_state != State::SignedOut)
        Q_EMIT refreshDue();
}

void ConnectionMonitor::onPollTimer()
{
    if (m_state != State::Live && m_state != State::Waiting)
        return;
    // The stream says when something changed, so the models are not asked to refresh. A quiet
    // stream only pings every 15 s, though, so the server is still probed (one small request,
    // no lists) when nothing arrived during the interval: a hung server shows within seconds.
    if (m_pushState == PushState::Pushing) {
        if (m_reportsSinceTick == 0)
            probe();
        m_reportsSinceTick = 0;
        return;
    }
    // Models report what their refreshes saw; when nothing reported during a whole interval (no
    // page is refreshing), the monitor asks the server itself, so a dead server is still noticed.
    if (m_reportsSinceTick == 0)
        probe();
    m_reportsSinceTick = 0;
    Q_EMIT refreshDue();
}

void ConnectionMonitor::onSecondTick()
{
    m_inFlight.removeIf(
        [](const auto &entry) { return !entry.first || entry.first->isFinished(); });
    const bool slow = millisecondsWaiting() >= m_slowAfter.count();
    if (m_state == State::Live && slow)
        setState(State::Waiting);
    else if (m_state == State::Waiting && !slow)
        setState(State::Live);
    const bool showing =
        m_state == State::Waiting || m_state == State::Reconnecting || m_state == State::Offline;
    if (showing)
        Q_EMIT statusTextChanged();
    if (!showing && m_inFlight.isEmpty())
        m_secondTicker.stop();
}

} // namespace keybrake
