#include "agents/resendemailscenario.h"

#include "agents/agentruntime.h"
#include "agents/resendemail.h"

#include <QJsonArray>

#include <chrono>
#include <memory>

namespace keybrake::agents {

namespace {

const QString kScenario = QStringLiteral("resend-email");
const QString kReceiptDomain = QStringLiteral("mail.acme.example");
const QString kDigestDomain = QStringLiteral("news.acme.example");

} // namespace

ResendEmailScenario::ResendEmailScenario(AgentRuntime &runtime, double rate, quint64 seed,
                                         QObject *parent)
    : Scenario(runtime, kScenario, rate, seed, parent)
    , m_composer(random())
{
}

void ResendEmailScenario::arrive()
{
    if (!runtime().claimRun(kScenario))
        return;
    const QString runId = random().uuid();
    const bool digest = random().chance(0.35);
    const QString function =
        digest ? QStringLiteral("digest-sender") : QStringLiteral("receipt-mailer");

    // What the run will send, drawn now so that the traffic depends on the seed only.
    auto run = std::make_shared<Run>();
    run->label = QStringLiteral("lambda/%1/%2").arg(function, runId);
    if (digest) {
        const QString from = QStringLiteral("Acme Weekly <digest@%1>").arg(kDigestDomain);
        const QString subject =
            QStringLiteral("Your week at Acme: %1 new arrivals").arg(random().between(3, 24));
        QJsonArray batch;
        const int copies = static_cast<int>(random().between(5, 80));
        for (int i = 0; i < copies; ++i)
            batch.append(m_composer.digest(from, m_composer.recipient(), subject));
        run->emails = copies;
        run->requests.append(
            ResendEmail::batch(batch, QString(), QStringLiteral("digest/") + runId));
    } else {
        const QString from = QStringLiteral("Acme Receipts <receipts@%1>").arg(kReceiptDomain);
        const int count = random().chance(0.7) ? 1 : 2;
        for (int i = 0; i < count; ++i) {
            const QJsonObject email = m_composer.transactional(from);
            run->requests.append(ResendEmail::send(
                email, QString(), QStringLiteral("receipt/%1/%2").arg(runId).arg(i)));
        }
        run->emails = count;
    }

    client::IssueKeyRequest policy;
    policy.vendor = QStringLiteral("resend");
    // A receipt run needs a fraction of a cent; a digest of up to 75 copies fits in 3 cents.
    policy.dailyUsdCap = digest ? Usd::fromCents(3) : Usd::fromCents(1);
    policy.allowedEndpoints = {QStringLiteral("emails.send"), QStringLiteral("emails.batch")};
    policy.expiresIn = std::chrono::minutes(15);
    policy.agentRunLabel = run->label;
    policy.scope.resendFromDomains = {digest ? kDigestDomain : kReceiptDomain};
    policy.metadata = {{QStringLiteral("source"), QStringLiteral("keybrake-sim")}};
    policy.idempotencyKey = runId;

    beginWork();
    runtime().summary().count(kScenario,
                              digest ? QStringLiteral("batches") : QStringLiteral("single_sends"),
                              digest ? 1 : static_cast<qint64>(run->requests.size()));
    runtime().issueKey(kScenario, policy, this,
                       [this, run](const client::Result<client::IssuedKey> &issued) {
                           if (!issued) {
                               finish(run,
                                      QStringLiteral("no vault key (%1)")
                                          .arg(client::ApiError::kindName(issued.error().kind)));
                               return;
                           }
                           for (ProxyRequest &request : run->requests)
                               request.authorization = "Bearer " + issued->vaultKey.toLatin1();
                           send(run);
                       });
}

void ResendEmailScenario::send(const std::shared_ptr<Run> &run)
{
    if (run->next >= run->requests.size()) {
        runtime().summary().count(kScenario, QStringLiteral("emails_sent"), run->emails);
        finish(run, {});
        return;
    }
    // One after another; the run stops at its first refusal.
    runtime().call(kScenario, run->requests[run->next++], this,
                   [this, run](const ProxyOutcome &outcome) {
                       if (outcome.succeeded())
                           send(run);
                       else
                           finish(run, outcome.reason.isEmpty() ? outcome.verdict : outcome.reason);
                   });
}

void ResendEmailScenario::finish(const std::shared_ptr<Run> &run, const QString &stoppedBy)
{
    runtime().log(QStringLiteral("resend-email %1: %2 email(s) in %3 request(s)%4")
                      .arg(run->label)
                      .arg(run->emails)
                      .arg(run->requests.size())
                      .arg(stoppedBy.isEmpty() ? QStringLiteral(", sent")
                                               : QStringLiteral(", stopped: ") + stoppedBy));
    endWork();
}

} // namespace keybrake::agents
