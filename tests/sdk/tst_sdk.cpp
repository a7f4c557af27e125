// The official Node SDKs (stripe, twilio, resend; pinned in package-lock.json) through the real
// keybraked with keybrake-sim vendors as its upstream, set up as docs/quickstart.md tells users,
// with vault keys issued through the admin API; and the quickstart's Lambda handler, taken from
// the page itself, run with fake SQS events. Each test asserts what the SDK user sees (results,
// error classes, codes, replay headers) and what the audit log and ledger then hold against what
// the simulator received. The SDKs are installed with `npm ci` into the build directory; without
// node, npm or the registry the test fails and says so (nothing is skipped).
#include "auditreader.h"
#include "testserver.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QUrlQuery>
#include <QUuid>
#include <QtTest/QTest>

using namespace keybrake::test;

namespace {

QString env(const char *name)
{
    return qEnvironmentVariable(name);
}

QString tail(const QByteArray &text, int lines = 30)
{
    QStringList all = QString::fromUtf8(text).split(u'\n');
    return all.mid(qMax(0, all.size() - lines)).join(u'\n');
}

// The form body's value of `name` (Stripe and Twilio bodies the simulator recorded).
QString formValue(const QString &body, const QString &name)
{
    return QUrlQuery(body).queryItemValue(name, QUrl::FullyDecoded);
}

QJsonObject at(const QJsonObject &object, const char *path)
{
    QJsonObject current = object;
    for (const QString &part : QString::fromLatin1(path).split(u'.'))
        current = current.value(part).toObject();
    return current;
}

} // namespace

class TestSdk : public QObject
{
    Q_OBJECT

private:
    TestServer m_server;
    QString m_node;
    QString m_nodeDir;

    // Runs `node <script> <args>` in the install directory; the JSON object it printed last.
    bool runNode(const QString &script, const QStringList &arguments,
                 const QMap<QString, QString> &extraEnv, QJsonObject &out, QString &error)
    {
        QProcess node;
        node.setWorkingDirectory(m_nodeDir);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("KEYBRAKE_URL"),
                           m_server.baseUrl().toString(QUrl::StripTrailingSlash));
        // The agent's own Twilio account SID: any AC…, the proxy substitutes the real one.
        environment.insert(QStringLiteral("TWILIO_ACCOUNT_SID"),
                           QStringLiteral("AC0123456789abcdef0123456789abcdef"));
        for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
            environment.insert(it.key(), it.value());
        node.setProcessEnvironment(environment);
        node.start(m_node, QStringList {m_nodeDir + u'/' + script} + arguments);
        if (!node.waitForFinished(60000)) {
            node.kill();
            node.waitForFinished();
            error = QStringLiteral("node %1 did not finish in 60 s").arg(script);
            return false;
        }
        const QByteArray output = node.readAllStandardOutput();
        const QByteArray errors = node.readAllStandardError();
        const QList<QByteArray> lines = output.trimmed().split('\n');
        out = QJsonDocument::fromJson(lines.last()).object();
        if (node.exitCode() != 0 || out.isEmpty()) {
            error = QStringLiteral("node %1 %2 exited %3:\n%4\n%5")
                        .arg(script, arguments.join(u' '))
                        .arg(node.exitCode())
                        .arg(tail(output), tail(errors));
            return false;
        }
        if (!out.value(u"ok").toBool()) {
            error = QStringLiteral("an SDK call that should have worked failed: %1\n%2")
                        .arg(QString::fromUtf8(QJsonDocument(out).toJson(QJsonDocument::Compact)),
                             tail(errors));
            return false;
        }
        return true;
    }

    QJsonObject issue(const QJsonObject &policy)
    {
        QJsonObject withDefaults = policy;
        withDefaults.insert(QStringLiteral("expires_in"), QStringLiteral("1h"));
        return m_server.issueKey(withDefaults);
    }

    // The simulator's log since init() for one operation ("stripe.payment_intents.create").
    QList<QJsonObject> simCalls(const QString &operation)
    {
        QList<QJsonObject> calls;
        for (const QJsonObject &row : m_server.simRequests(500))
            if (row.value(u"operation").toString() == operation)
                calls.append(row);
        return calls;
    }

    QList<QJsonObject> audit(const QString &label)
    {
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("label"), label);
        return readAudit(m_server, query);
    }

    static QMap<QString, int> verdicts(const QList<QJsonObject> &rows)
    {
        QMap<QString, int> counts;
        for (const QJsonObject &row : rows)
            ++counts[row.value(u"verdict").toString()];
        return counts;
    }

    QJsonObject keyObject(const QString &keyId)
    {
        return m_server.admin("GET", QStringLiteral("/v1/keys/") + keyId).json;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
        const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
        QVERIFY2(!m_node.isEmpty() && !npm.isEmpty(),
                 "node and npm are needed for the SDK tests: scripts/install-deps test");
        QProcess version;
        version.start(m_node, {QStringLiteral("--version")});
        QVERIFY(version.waitForFinished(30000));
        qInfo("node %s", version.readAllStandardOutput().trimmed().constData());

        // The pinned SDKs, installed exactly as locked into the build directory.
        m_nodeDir = env("KEYBRAKE_SDK_NODE_DIR");
        QVERIFY2(!m_nodeDir.isEmpty() && QDir().mkpath(m_nodeDir), qPrintable(m_nodeDir));
        const QDir source(env("KEYBRAKE_SDK_SOURCE_DIR"));
        for (const char *name : {"package.json", "package-lock.json", "sdk.mjs", "lambda.mjs"}) {
            const QString to = m_nodeDir + u'/' + QLatin1String(name);
            QFile::remove(to);
            QVERIFY2(QFile::copy(source.filePath(QLatin1String(name)), to), name);
        }
        QProcess install;
        install.setWorkingDirectory(m_nodeDir);
        install.setProcessChannelMode(QProcess::MergedChannels);
        install.start(npm,
                      {QStringLiteral("ci"), QStringLiteral("--no-audit"),
                       QStringLiteral("--no-fund"), QStringLiteral("--loglevel=error")});
        const bool finished = install.waitForFinished(120000);
        if (!finished)
            install.kill();
        QVERIFY2(finished && install.exitStatus() == QProcess::NormalExit
                     && install.exitCode() == 0,
                 qPrintable(QStringLiteral("npm ci could not install the pinned SDKs (is the npm "
                                           "registry reachable?):\n")
                            + tail(install.readAll())));

        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
    }

    void init() { m_server.resetSim(); }

    // paymentIntents.create with and without an idempotencyKey; the same key again is answered
    // from Keybrake's record (Idempotent-Replayed) and neither forwarded nor charged again.
    void stripePaymentIntents()
    {
        const QJsonObject key = issue({{"vendor", "stripe"},
                                       {"daily_usd_cap", 100},
                                       {"allowed_endpoints", QJsonArray {"payment_intents.create"}},
                                       {"agent_run_label", "sdk/stripe-payment-intents"}});
        QVERIFY(!key.isEmpty());
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("stripe-payment-intents")},
                         {{QStringLiteral("VAULT_KEY"), key.value(u"vault_key").toString()}}, out,
                         error),
                 qPrintable(error));
        const QJsonObject result = out.value(u"result").toObject();
        const QJsonObject plain = result.value(u"plain").toObject();
        const QJsonObject first = result.value(u"first").toObject();
        const QJsonObject again = result.value(u"again").toObject();
        QCOMPARE(plain.value(u"status").toString(), QStringLiteral("succeeded"));
        QCOMPARE(plain.value(u"amount").toInt(), 1200);
        QVERIFY(plain.value(u"replayed").isNull());
        QCOMPARE(first.value(u"status").toString(), QStringLiteral("succeeded"));
        QVERIFY(first.value(u"replayed").isNull());
        QCOMPARE(again.value(u"id").toString(), first.value(u"id").toString());
        QCOMPARE(again.value(u"replayed").toString(), QStringLiteral("true"));
        QCOMPARE(result.value(u"spent_header").toString(), QStringLiteral("37"));

        // The vendor saw two creates: the SDK's own idempotency key on the plain one, ours on the
        // other; the retry never left the proxy.
        const QList<QJsonObject> calls = simCalls(QStringLiteral("stripe.payment_intents.create"));
        QCOMPARE(calls.size(), 2);
        qint64 simCents = 0;
        QStringList idempotencyKeys;
        for (const QJsonObject &call : calls) {
            QCOMPARE(call.value(u"status").toInt(), 200);
            simCents +=
                formValue(call.value(u"body").toString(), QStringLiteral("amount")).toLongLong();
            idempotencyKeys << call.value(u"idempotency_key").toString();
        }
        QCOMPARE(simCents, 3700);
        QVERIFY2(idempotencyKeys.contains(QStringLiteral("order-1001")),
                 qPrintable(idempotencyKeys.join(u',')));

        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/stripe-payment-intents"));
        QCOMPARE(verdicts(rows), (QMap<QString, int> {{"allowed", 2}, {"replayed", 1}}));
        QCOMPARE(costMicros(rows), simCents * 10000);
        const QJsonObject ledger = keyObject(key.value(u"key_id").toString());
        QCOMPARE(micros(ledger.value(u"spent_today_usd").toDouble()), simCents * 10000);
        QCOMPARE(ledger.value(u"held_usd").toDouble(), 0.0);
    }

    // customers.create, a PaymentIntent for the customer, charges.list and charges.retrieve.
    void stripeCustomerAndCharges()
    {
        const QJsonObject key = issue({{"vendor", "stripe"},
                                       {"daily_usd_cap", 100},
                                       {"allowed_endpoints",
                                        QJsonArray {"customers.create", "payment_intents.create",
                                                    "charges.list", "charges.retrieve"}},
                                       {"agent_run_label", "sdk/stripe-customer"}});
        QVERIFY(!key.isEmpty());
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("stripe-customer-and-charges")},
                         {{QStringLiteral("VAULT_KEY"), key.value(u"vault_key").toString()}}, out,
                         error),
                 qPrintable(error));
        const QJsonObject result = out.value(u"result").toObject();
        const QJsonObject customer = result.value(u"customer").toObject();
        const QJsonObject intent = result.value(u"intent").toObject();
        QVERIFY(customer.value(u"id").toString().startsWith(u"cus_"));
        QCOMPARE(customer.value(u"email").toString(), QStringLiteral("ana@example.com"));
        const QJsonArray charges = at(result, "charges").value(u"data").toArray();
        QCOMPARE(charges.size(), 1);
        QCOMPARE(charges.at(0).toObject().value(u"id").toString(),
                 intent.value(u"latest_charge").toString());
        QCOMPARE(charges.at(0).toObject().value(u"payment_intent").toString(),
                 intent.value(u"id").toString());
        QCOMPARE(at(result, "charge").value(u"amount").toInt(), 1999);
        QCOMPARE(at(result, "charge").value(u"captured").toBool(), true);

        QCOMPARE(simCalls(QStringLiteral("stripe.customers.create")).size(), 1);
        QCOMPARE(simCalls(QStringLiteral("stripe.charges.list")).size(), 1);
        QCOMPARE(simCalls(QStringLiteral("stripe.charges.retrieve")).size(), 1);
        const QList<QJsonObject> creates =
            simCalls(QStringLiteral("stripe.payment_intents.create"));
        QCOMPARE(creates.size(), 1);
        const QString body = creates.first().value(u"body").toString();
        QCOMPARE(formValue(body, QStringLiteral("customer")), customer.value(u"id").toString());

        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/stripe-customer"));
        QCOMPARE(verdicts(rows), (QMap<QString, int> {{"allowed", 4}}));
        QCOMPARE(costMicros(rows), formValue(body, QStringLiteral("amount")).toLongLong() * 10000);
    }

    // Over the cap: StripeRateLimitError with Keybrake's code, nothing forwarded, nothing spent.
    void stripeOverCap()
    {
        const QJsonObject key = issue({{"vendor", "stripe"},
                                       {"daily_usd_cap", 10},
                                       {"allowed_endpoints", QJsonArray {"payment_intents.create"}},
                                       {"agent_run_label", "sdk/stripe-over-cap"}});
        QVERIFY(!key.isEmpty());
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("stripe-over-cap")},
                         {{QStringLiteral("VAULT_KEY"), key.value(u"vault_key").toString()}}, out,
                         error),
                 qPrintable(error));
        const QJsonObject refused = at(out, "result.refused");
        QCOMPARE(refused.value(u"class").toString(), QStringLiteral("StripeRateLimitError"));
        QCOMPARE(refused.value(u"code").toString(), QStringLiteral("cap_exhausted"));
        QCOMPARE(refused.value(u"status").toInt(), 429);

        const QList<QJsonObject> calls = simCalls(QStringLiteral("stripe.payment_intents.create"));
        QCOMPARE(calls.size(), 1);
        QCOMPARE(formValue(calls.first().value(u"body").toString(), QStringLiteral("amount")),
                 QStringLiteral("400"));
        // One refusal: the SDK did not retry the 429 (a runaway's loop is the agent's, not the
        // SDK's).
        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/stripe-over-cap"));
        QCOMPARE(verdicts(rows), (QMap<QString, int> {{"allowed", 1}, {"denied_cap", 1}}));
        QCOMPARE(costMicros(rows), micros(4));
        QCOMPARE(
            micros(keyObject(key.value(u"key_id").toString()).value(u"spent_today_usd").toDouble()),
            micros(4));
    }

    // The other refusals the quickstart promises as stripe-node's own classes: an endpoint the
    // key does not allow (StripePermissionError) and a revoked key (StripeAuthenticationError).
    void stripeRefusals()
    {
        const QJsonObject key = issue({{"vendor", "stripe"},
                                       {"daily_usd_cap", 100},
                                       {"allowed_endpoints", QJsonArray {"payment_intents.create"}},
                                       {"agent_run_label", "sdk/stripe-refusals"}});
        QVERIFY(!key.isEmpty());
        const QString vaultKey = key.value(u"vault_key").toString();
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("stripe-refused")},
                         {{QStringLiteral("VAULT_KEY"), vaultKey},
                          {QStringLiteral("CALL"), QStringLiteral("customers.create")}},
                         out, error),
                 qPrintable(error));
        QJsonObject refused = at(out, "result.refused");
        QCOMPARE(refused.value(u"class").toString(), QStringLiteral("StripePermissionError"));
        QCOMPARE(refused.value(u"code").toString(), QStringLiteral("endpoint_not_allowed"));
        QCOMPARE(refused.value(u"status").toInt(), 403);

        const HttpResult revoked =
            m_server.admin("DELETE", QStringLiteral("/v1/keys/") + key.value(u"key_id").toString());
        QCOMPARE(revoked.status, 200);
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("stripe-refused")},
                         {{QStringLiteral("VAULT_KEY"), vaultKey},
                          {QStringLiteral("CALL"), QStringLiteral("payment_intents.create")}},
                         out, error),
                 qPrintable(error));
        refused = at(out, "result.refused");
        QCOMPARE(refused.value(u"class").toString(), QStringLiteral("StripeAuthenticationError"));
        QCOMPARE(refused.value(u"code").toString(), QStringLiteral("key_revoked"));
        QCOMPARE(refused.value(u"status").toInt(), 401);

        QCOMPARE(m_server.simRequests(500).size(), 0);
        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/stripe-refusals"));
        QCOMPARE(verdicts(rows),
                 (QMap<QString, int> {{"denied_endpoint", 1}, {"denied_revoked", 1}}));
    }

    // A key scoped to one connected account: the SDK's stripeAccount option reaches the vendor
    // for that account; another account, or none, is a StripePermissionError (scope_violation).
    void stripeAccountScope()
    {
        const QJsonObject key = issue(
            {{"vendor", "stripe"},
             {"daily_usd_cap", 100},
             {"allowed_endpoints", QJsonArray {"payment_intents.create"}},
             {"scope", QJsonObject {{"stripe_accounts", QJsonArray {"acct_1KeybrakeSdkTest"}}}},
             {"agent_run_label", "sdk/stripe-account"}});
        QVERIFY(!key.isEmpty());
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("stripe-account-scope")},
                         {{QStringLiteral("VAULT_KEY"), key.value(u"vault_key").toString()}}, out,
                         error),
                 qPrintable(error));
        QCOMPARE(at(out, "result.in_scope").value(u"amount").toInt(), 700);
        for (const char *refusal : {"result.out_of_scope", "result.no_account"}) {
            const QJsonObject refused = at(out, refusal);
            QCOMPARE(refused.value(u"class").toString(), QStringLiteral("StripePermissionError"));
            QCOMPARE(refused.value(u"code").toString(), QStringLiteral("scope_violation"));
            QCOMPARE(refused.value(u"status").toInt(), 403);
        }

        const QList<QJsonObject> calls = simCalls(QStringLiteral("stripe.payment_intents.create"));
        QCOMPARE(calls.size(), 1);
        QStringList accounts;
        for (const QJsonValue &header : calls.first().value(u"headers").toArray())
            if (header.toArray().at(0).toString().compare(u"Stripe-Account", Qt::CaseInsensitive)
                == 0)
                accounts << header.toArray().at(1).toString();
        QCOMPARE(accounts, QStringList {QStringLiteral("acct_1KeybrakeSdkTest")});
        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/stripe-account"));
        QCOMPARE(verdicts(rows), (QMap<QString, int> {{"allowed", 1}, {"denied_scope", 2}}));
        QCOMPARE(costMicros(rows), micros(7));
    }

    // messages.create with the vault key as the auth token; over the cap a RestException.
    void twilioSms()
    {
        const QJsonObject key = issue({{"vendor", "twilio"},
                                       {"daily_usd_cap", 1},
                                       {"allowed_endpoints", QJsonArray {"messages.create"}},
                                       {"agent_run_label", "sdk/twilio"}});
        const QJsonObject tiny = issue({{"vendor", "twilio"},
                                        {"daily_usd_cap", 0.000001},
                                        {"allowed_endpoints", QJsonArray {"messages.create"}},
                                        {"agent_run_label", "sdk/twilio-over-cap"}});
        QVERIFY(!key.isEmpty() && !tiny.isEmpty());
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("twilio-sms")},
                         {{QStringLiteral("VAULT_KEY"), key.value(u"vault_key").toString()},
                          {QStringLiteral("VAULT_KEY_2"), tiny.value(u"vault_key").toString()}},
                         out, error),
                 qPrintable(error));
        const QJsonObject message = at(out, "result.message");
        QVERIFY(message.value(u"sid").toString().startsWith(u"SM"));
        QCOMPARE(message.value(u"to").toString(), QStringLiteral("+14155550123"));
        QCOMPARE(message.value(u"account_sid").toString(), QString::fromLatin1(kTwilioSid));
        const QJsonObject refused = at(out, "result.refused");
        QCOMPARE(refused.value(u"class").toString(), QStringLiteral("RestException"));
        QCOMPARE(refused.value(u"status").toInt(), 429);
        QCOMPARE(refused.value(u"code").toString(), QStringLiteral("cap_exhausted"));

        // One message reached the vendor, on the real account with the real credential.
        const QList<QJsonObject> calls = simCalls(QStringLiteral("twilio.messages.create"));
        QCOMPARE(calls.size(), 1);
        QVERIFY(calls.first().value(u"credential_ok").toBool());
        QVERIFY(calls.first().value(u"path").toString().contains(QLatin1String(kTwilioSid)));
        // Twilio prices a message later (price is null on create): the ledger keeps the hold,
        // which is the MaxPrice the proxy sent, the most the vendor may bill.
        const QString maxPrice =
            formValue(calls.first().value(u"body").toString(), QStringLiteral("MaxPrice"));
        QVERIFY2(!maxPrice.isEmpty(), qPrintable(calls.first().value(u"body").toString()));
        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/twilio"));
        QCOMPARE(verdicts(rows), (QMap<QString, int> {{"allowed", 1}}));
        const double price = message.value(u"price").isString()
            ? qAbs(message.value(u"price").toString().toDouble())
            : maxPrice.toDouble();
        QCOMPARE(costMicros(rows), micros(price));
        QCOMPARE(verdicts(audit(QStringLiteral("sdk/twilio-over-cap"))),
                 (QMap<QString, int> {{"denied_cap", 1}}));
    }

    // emails.send (with an idempotency key) and batch.send; over the cap Resend's { error }.
    void resendSends()
    {
        const QJsonObject key =
            issue({{"vendor", "resend"},
                   {"daily_usd_cap", 1},
                   {"allowed_endpoints", QJsonArray {"emails.send", "emails.batch"}},
                   {"agent_run_label", "sdk/resend"}});
        const QJsonObject tiny = issue({{"vendor", "resend"},
                                        {"daily_usd_cap", 0.000001},
                                        {"allowed_endpoints", QJsonArray {"emails.send"}},
                                        {"agent_run_label", "sdk/resend-over-cap"}});
        QVERIFY(!key.isEmpty() && !tiny.isEmpty());
        QJsonObject out;
        QString error;
        QVERIFY2(runNode(QStringLiteral("sdk.mjs"), {QStringLiteral("resend-send")},
                         {{QStringLiteral("VAULT_KEY"), key.value(u"vault_key").toString()},
                          {QStringLiteral("VAULT_KEY_2"), tiny.value(u"vault_key").toString()}},
                         out, error),
                 qPrintable(error));
        QVERIFY(at(out, "result.single").value(u"error").isNull());
        QVERIFY(!at(out, "result.single.data").value(u"id").toString().isEmpty());
        QVERIFY(at(out, "result.batch").value(u"error").isNull());
        QCOMPARE(at(out, "result.batch.data").value(u"data").toArray().size(), 2);
        const QJsonObject refused = at(out, "result.refused.error");
        QCOMPARE(refused.value(u"code").toString(), QStringLiteral("cap_exhausted"));
        QCOMPARE(refused.value(u"statusCode").toInt(), 429);

        const QList<QJsonObject> sends = simCalls(QStringLiteral("resend.emails.send"));
        const QList<QJsonObject> batches = simCalls(QStringLiteral("resend.emails.batch"));
        QCOMPARE(sends.size(), 1);
        QCOMPARE(sends.first().value(u"idempotency_key").toString(),
                 QStringLiteral("receipt/order-1001"));
        QCOMPARE(batches.size(), 1);
        const qsizetype emails = 1
            + QJsonDocument::fromJson(batches.first().value(u"body").toString().toUtf8())
                  .array()
                  .size();
        QCOMPARE(emails, 3);
        // Resend answers no price: every email the vendor received is booked at the catalog's
        // $0.0004 an email (KEYBRAKE_PRICE_RESEND_EMAIL_USD's default).
        const QList<QJsonObject> rows = audit(QStringLiteral("sdk/resend"));
        QCOMPARE(verdicts(rows), (QMap<QString, int> {{"allowed", 2}}));
        QCOMPARE(costMicros(rows), emails * 400);
        QCOMPARE(verdicts(audit(QStringLiteral("sdk/resend-over-cap"))),
                 (QMap<QString, int> {{"denied_cap", 1}}));
    }

    // docs/quickstart.md's handler, unchanged, with an issuer admin key: a batch of two messages
    // (one over its key's $150 cap), then the first message delivered again. The redelivery gets
    // the same vault key back and a replayed PaymentIntent; the capped one is reported in
    // batchItemFailures; the vendor charged once.
    void lambdaHandler()
    {
        const QString issuer =
            m_server.createAdminKey(QStringLiteral("issuer"), QStringLiteral("billing-agent"));
        QVERIFY(!issuer.isEmpty());
        // The customers the jobs name, made beforehand by another key (the handler's keys are
        // scoped to one customer and may only create PaymentIntents).
        const QJsonObject setup = issue({{"vendor", "stripe"},
                                         {"daily_usd_cap", 1},
                                         {"allowed_endpoints", QJsonArray {"customers.create"}},
                                         {"agent_run_label", "sdk/lambda-setup"}});
        QStringList customers;
        for (const char *email : {"a@example.com", "b@example.com"}) {
            const HttpResult made =
                m_server.proxy("POST", QStringLiteral("/stripe/v1/customers"),
                               QByteArray("email=") + email, setup.value(u"vault_key").toString());
            QCOMPARE(made.status, 200);
            customers << made.json.value(u"id").toString();
        }
        const QString first = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const QString second = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const QString third = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const auto record = [](const QString &messageId, const QString &customer, int amount) {
            const QJsonObject job {
                {"customer", customer}, {"amount", amount}, {"payment_method", "pm_card_visa"}};
            return QJsonObject {
                {"messageId", messageId},
                {"receiptHandle", QString(u"AQEB" + messageId)},
                {"body", QString::fromUtf8(QJsonDocument(job).toJson(QJsonDocument::Compact))},
                {"attributes", QJsonObject {{"ApproximateReceiveCount", "1"}}},
                {"eventSource", "aws:sqs"},
            };
        };
        const QJsonArray events {
            QJsonObject {{"Records",
                          QJsonArray {record(first, customers[0], 4000),
                                      record(second, customers[1], 20000)}}},
            QJsonObject {{"Records", QJsonArray {record(first, customers[0], 4000)}}},
            // SQS now and then delivers a duplicate in the same batch: two concurrent calls.
            QJsonObject {{"Records",
                          QJsonArray {record(third, customers[0], 2500),
                                      record(third, customers[0], 2500)}}},
        };
        QJsonObject out;
        QString error;
        QVERIFY2(
            runNode(QStringLiteral("lambda.mjs"), {},
                    {{QStringLiteral("KEYBRAKE_API_KEY"), issuer},
                     {QStringLiteral("QUICKSTART"), env("KEYBRAKE_SDK_QUICKSTART")},
                     {QStringLiteral("EVENTS"),
                      QString::fromUtf8(QJsonDocument(events).toJson(QJsonDocument::Compact))}},
                    out, error),
            qPrintable(error));
        const QJsonArray invocations = out.value(u"invocations").toArray();
        QCOMPARE(invocations.size(), 3);
        const auto failures = [&](int i) {
            QStringList ids;
            const QJsonObject invocation = invocations.at(i).toObject();
            for (const QJsonValue &item :
                 at(invocation, "result").value(u"batchItemFailures").toArray())
                ids << item.toObject().value(u"itemIdentifier").toString();
            return ids;
        };
        QVERIFY2(!invocations.at(0).toObject().contains(u"threw"),
                 qPrintable(invocations.at(0).toObject().value(u"threw").toString()));
        QCOMPARE(failures(0), QStringList {second});
        QCOMPARE(failures(1), QStringList {});
        QCOMPARE(invocations.at(0).toObject().value(u"logged").toArray(),
                 QJsonArray {QString(second + u" cap_exhausted")});
        // The concurrent duplicate: one of the two waits for the other (409
        // idempotency_key_in_use, which stripe-node retries) and is then replayed.
        QCOMPARE(failures(2), QStringList {});

        // Three keys, one per message: redeliveries got their key back.
        const HttpResult keys =
            m_server.admin("GET", QStringLiteral("/v1/keys?label_prefix=lambda/billing-agent/"));
        QCOMPARE(keys.json.value(u"data").toArray().size(), 3);

        // The vendor charged the first and third messages once each; the second never left the
        // proxy.
        const QList<QJsonObject> calls = simCalls(QStringLiteral("stripe.payment_intents.create"));
        QCOMPARE(calls.size(), 2);
        const QJsonObject firstCall =
            calls.at(0).value(u"idempotency_key").toString() == first ? calls.at(0) : calls.at(1);
        const QJsonObject thirdCall =
            calls.at(0).value(u"idempotency_key").toString() == first ? calls.at(1) : calls.at(0);
        QCOMPARE(firstCall.value(u"idempotency_key").toString(), first);
        QCOMPARE(thirdCall.value(u"idempotency_key").toString(), third);
        const QString body = firstCall.value(u"body").toString();
        QCOMPARE(formValue(body, QStringLiteral("customer")), customers[0]);
        QCOMPARE(formValue(body, QStringLiteral("amount")), QStringLiteral("4000"));

        const QList<QJsonObject> charged = audit(QStringLiteral("lambda/billing-agent/") + first);
        QCOMPARE(verdicts(charged), (QMap<QString, int> {{"allowed", 1}, {"replayed", 1}}));
        QCOMPARE(costMicros(charged), micros(40));
        const QList<QJsonObject> capped = audit(QStringLiteral("lambda/billing-agent/") + second);
        QCOMPARE(verdicts(capped), (QMap<QString, int> {{"denied_cap", 1}}));
        QCOMPARE(costMicros(capped), 0);
        QMap<QString, int> duplicate =
            verdicts(audit(QStringLiteral("lambda/billing-agent/") + third));
        duplicate.remove(QStringLiteral("denied_idempotency")); // 0 or more, as the race goes
        QCOMPARE(duplicate, (QMap<QString, int> {{"allowed", 1}, {"replayed", 1}}));
        QCOMPARE(costMicros(audit(QStringLiteral("lambda/billing-agent/") + third)), micros(25));

        // What the page says of a handler that issued a fresh key for the redelivery: with the
        // same label and scope it is replayed, not charged; a key of another run is refused.
        const auto freshKey = [&](const QString &label) {
            return issue({{"vendor", "stripe"},
                          {"daily_usd_cap", 150},
                          {"allowed_endpoints", QJsonArray {"payment_intents.create"}},
                          {"scope", QJsonObject {{"stripe_customers", QJsonArray {customers[0]}}}},
                          {"agent_run_label", label}})
                .value(u"vault_key")
                .toString();
        };
        const QMap<QByteArray, QByteArray> sameIdempotencyKey {{"Idempotency-Key", first.toUtf8()}};
        const HttpResult again =
            m_server.proxy("POST", QStringLiteral("/stripe/v1/payment_intents"), body.toUtf8(),
                           freshKey(QStringLiteral("lambda/billing-agent/") + first),
                           "application/x-www-form-urlencoded", sameIdempotencyKey);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.header("Idempotent-Replayed"), QByteArray("true"));
        const HttpResult stranger =
            m_server.proxy("POST", QStringLiteral("/stripe/v1/payment_intents"), body.toUtf8(),
                           freshKey(QStringLiteral("lambda/other-agent/") + first),
                           "application/x-www-form-urlencoded", sameIdempotencyKey);
        QCOMPARE(stranger.status, 422);
        QCOMPARE(stranger.json.value(u"code").toString(), QStringLiteral("idempotency_key_reused"));
        QCOMPARE(simCalls(QStringLiteral("stripe.payment_intents.create")).size(), 2);
    }

    void cleanupTestCase() { m_server.stopServer(); }
};

QTEST_GUILESS_MAIN(TestSdk)
#include "tst_sdk.moc"
