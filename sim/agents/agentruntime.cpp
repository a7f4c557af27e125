#include "agents/agentruntime.h"

#include "client/keybrakeclient.h"

#include <QDateTime>

#include <cstdio>

namespace keybrake::agents {

AgentRuntime::AgentRuntime(const AgentOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_admin(new client::KeybrakeClient(this))
    , m_proxy(new ProxyClient(options.server, options.networkPool, options.timeoutMs, this))
{
    m_admin->setBaseUrl(options.server);
    // The simulated agents talk to the proxy over plain HTTP as well (ProxyClient); the --server
    // the operator gave is the explicit choice the console's profiles ask for.
    m_admin->setAllowPlainHttp(true);
    m_admin->setAdminKey(options.adminKey);
    m_admin->setTransferTimeout(options.timeoutMs);
}

AgentRuntime::~AgentRuntime() = default;

bool AgentRuntime::claimRun(const QString &scenario)
{
    if (isStopping() || runsExhausted())
        return false;
    ++m_claimed;
    m_summary.recordRun(scenario);
    return true;
}

void AgentRuntime::requestStop(const QString &reason)
{
    if (isStopping())
        return;
    m_stopReason = reason;
    Q_EMIT stopRequested();
}

void AgentRuntime::abortAll()
{
    requestStop(QStringLiteral("abort"));
    m_aborted = true;
    m_proxy->abortAll();
    const auto requests = m_adminRequests;
    for (const auto &request : requests) {
        if (request)
            request->cancel();
    }
}

void AgentRuntime::issueKey(const QString &scenario, const client::IssueKeyRequest &request,
                            QObject *context, IssueCallback callback)
{
    if (m_aborted) {
        callback(client::ApiError::notSent(QStringLiteral("Could not issue a vault key."),
                                           QStringLiteral("the simulator is stopping")));
        return;
    }
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    const QString vendor = request.vendor;
    client::ApiRequest *pending = m_admin->issueKey(
        request, this,
        [this, scenario, vendor, guard, hasContext,
         callback = std::move(callback)](const client::Result<client::IssuedKey> &result) {
            if (result)
                m_summary.recordKey(scenario, result->key.keyId, vendor);
            else
                m_summary.recordIssueFailure(scenario,
                                             result.error().code.isEmpty()
                                                 ? client::ApiError::kindName(result.error().kind)
                                                 : result.error().code);
            if (guard || !hasContext)
                callback(result);
        });
    m_adminRequests.removeAll(nullptr);
    m_adminRequests.append(pending);
}

void AgentRuntime::call(const QString &scenario, const ProxyRequest &request, QObject *context,
                        CallCallback callback)
{
    if (m_aborted) {
        // Never sent: the server saw nothing, so the summary records nothing.
        callback(ProxyOutcome::unanswered(QStringLiteral("not sent: the simulator is stopping")));
        return;
    }
    const QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    m_proxy->send(request, this,
                  [this, scenario, vendor = request.vendor, guard, hasContext,
                   callback = std::move(callback)](const ProxyOutcome &outcome) {
                      m_summary.recordCall(scenario, vendor, outcome);
                      if (guard || !hasContext)
                          callback(outcome);
                  });
}

int AgentRuntime::requestsInFlight() const
{
    int admin = 0;
    for (const auto &request : m_adminRequests) {
        if (request && !request->isFinished())
            ++admin;
    }
    return admin + m_proxy->inFlight();
}

void AgentRuntime::log(const QString &line) const
{
    if (m_options.quiet)
        return;
    const QByteArray text = QDateTime::currentDateTimeUtc().toString(u"HH:mm:ss.zzz").toUtf8()
        + "  " + line.toUtf8() + '\n';
    std::fwrite(text.constData(), 1, static_cast<std::size_t>(text.size()), stdout);
    std::fflush(stdout);
}

} // namespace keybrake::agents
