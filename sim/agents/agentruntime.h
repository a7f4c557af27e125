#pragma once

#include "agents/agentoptions.h"
#include "agents/agentsummary.h"
#include "agents/proxyclient.h"
#include "agents/proxyrequest.h"
#include "client/issuedkey.h"
#include "client/issuekeyrequest.h"
#include "client/result.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
} // namespace keybrake::client

namespace keybrake::agents {

// What every simulated agent shares, as a Lambda function's runtime would: the issuer admin key
// (through the admin client), the way to the proxy, the run budget (--runs), the stop flag, and
// the summary. Every admin and proxied call of every scenario goes through here, so none escapes
// the summary.
class AgentRuntime : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AgentRuntime)

public:
    using IssueCallback = std::function<void(const client::Result<client::IssuedKey> &)>;
    using CallCallback = std::function<void(const ProxyOutcome &)>;

    explicit AgentRuntime(const AgentOptions &options, QObject *parent = nullptr);
    ~AgentRuntime() override;

    const AgentOptions &options() const { return m_options; }
    AgentSummary &summary() { return m_summary; }
    client::KeybrakeClient &admin() { return *m_admin; }

    // Takes one run from the --runs budget; false once it is spent or a stop was asked.
    bool claimRun(const QString &scenario);
    bool runsExhausted() const { return m_options.runs > 0 && m_claimed >= m_options.runs; }
    bool isStopping() const { return !m_stopReason.isEmpty(); }
    QString stopReason() const { return m_stopReason; }
    // No new runs, retries or redeliveries from now on; runs under way finish. Emits
    // stopRequested() the first time.
    void requestStop(const QString &reason);
    // Aborts every request in flight and refuses new ones (their callbacks get failures). For a
    // second signal, or a drain that takes too long.
    void abortAll();
    bool isAborted() const { return m_aborted; }

    // POST /v1/keys, recorded in the summary (a key seen before counts as reused). The callback
    // runs unless `context` died.
    void issueKey(const QString &scenario, const client::IssueKeyRequest &request, QObject *context,
                  IssueCallback callback);
    // A proxied vendor call, recorded in the summary by its verdict.
    void call(const QString &scenario, const ProxyRequest &request, QObject *context,
              CallCallback callback);

    int requestsInFlight() const;
    // One progress line on standard output, unless --quiet.
    void log(const QString &line) const;

Q_SIGNALS:
    void stopRequested();

private:
    AgentOptions m_options;
    AgentSummary m_summary;
    client::KeybrakeClient *m_admin = nullptr;
    ProxyClient *m_proxy = nullptr;
    QList<QPointer<client::ApiRequest>> m_adminRequests;
    qint64 m_claimed = 0;
    QString m_stopReason;
    bool m_aborted = false;
};

} // namespace keybrake::agents
