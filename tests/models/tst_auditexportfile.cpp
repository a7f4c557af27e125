// The audit log's CSV export against a real keybraked: the file holds exactly the rows GET
// /v1/audit lists for the same filter (ids in order, every column as the server streamed it),
// the console's Status filter removes exactly the other rows, the header lines state the filter
// and the spend time zone, and agent-controlled text that a spreadsheet would run as a formula is
// defused.
#include "client/keybrakeclient.h"
#include "models/auditexportfile.h"
#include "testserver.h"

#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace keybrake;

namespace {

struct CsvFile
{
    QStringList comments; // the "# " lines, without the "# "
    QList<QByteArray> header;
    QList<QList<QByteArray>> rows;
    int column(const char *name) const { return int(header.indexOf(QByteArray(name))); }
};

// RFC 4180 as the export writes it (quoted fields may hold commas, quotes and line breaks).
CsvFile readCsv(const QString &path)
{
    CsvFile csv;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return csv;
    const QByteArray text = file.readAll();
    qsizetype i = 0;
    while (i < text.size() && text.at(i) == '#') {
        const qsizetype end = text.indexOf("\r\n", i);
        csv.comments.append(QString::fromUtf8(text.mid(i + 2, end - i - 2)));
        i = end + 2;
    }
    QList<QByteArray> fields;
    QByteArray field;
    bool quoted = false;
    for (; i < text.size(); ++i) {
        const char c = text.at(i);
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text.at(i + 1) == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.append(std::exchange(field, {}));
        } else if (c == '\r' && i + 1 < text.size() && text.at(i + 1) == '\n') {
            fields.append(std::exchange(field, {}));
            if (csv.header.isEmpty())
                csv.header = std::exchange(fields, {});
            else
                csv.rows.append(std::exchange(fields, {}));
            ++i;
        } else {
            field += c;
        }
    }
    return csv;
}

} // namespace

class TestAuditExportFile : public QObject
{
    Q_OBJECT

private:
    test::TestServer m_server {[] {
        test::TestServer::Options options;
        options.serverEnv.insert(QStringLiteral("KEYBRAKE_SPEND_TIMEZONE"),
                                 QStringLiteral("America/New_York"));
        return options;
    }()};
    client::KeybrakeClient m_client;
    QTemporaryDir m_dir;

    QList<QJsonObject> serverRows(const QString &filter)
    {
        const test::HttpResult result =
            m_server.admin("GET", QStringLiteral("/v1/audit?limit=1000&") + filter);
        QList<QJsonObject> rows;
        for (const QJsonValue &row : result.json.value(QStringLiteral("data")).toArray())
            rows.append(row.toObject());
        return rows;
    }

    bool exportTo(AuditExportFile::Options options)
    {
        AuditExportFile exporter(&m_client);
        QSignalSpy finished(&exporter, &AuditExportFile::finished);
        exporter.start(options);
        if (!finished.wait(30000))
            return false;
        if (!finished.first().at(0).toBool()) {
            qWarning() << finished.first().at(1).toString();
            return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_client.setBaseUrl(m_server.baseUrl());
        m_client.setAdminKey(m_server.adminKey());
        // A key name an agent's operator chose, which a spreadsheet would run as a formula.
        const QJsonObject key = m_server.issueKey(QJsonObject {
            {QStringLiteral("name"), QStringLiteral("=HYPERLINK(\"http://evil.example/\",\"x\")")},
            {QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), 5},
            {QStringLiteral("allowed_endpoints"), QJsonArray {QStringLiteral("charges.create")}},
            {QStringLiteral("expires_in"), QStringLiteral("30m")},
            {QStringLiteral("agent_run_label"), QStringLiteral("export/billing/run-1")},
        });
        const QString secret = key.value(QStringLiteral("vault_key")).toString();
        QVERIFY(!secret.isEmpty());
        for (int cents : {150, 175, 200, 100})
            m_server.proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(cents),
                           secret);
        m_server.proxy("POST", QStringLiteral("/stripe/v1/payouts"), "amount=1&currency=usd",
                       secret);
        const QJsonObject other = m_server.issueKey(QJsonObject {
            {QStringLiteral("vendor"), QStringLiteral("stripe")},
            {QStringLiteral("daily_usd_cap"), 5},
            {QStringLiteral("expires_in"), QStringLiteral("30m")},
            {QStringLiteral("agent_run_label"), QStringLiteral("export/other/run-2")},
        });
        m_server.proxy("POST", QStringLiteral("/stripe/v1/charges"), test::stripeCharge(50),
                       other.value(QStringLiteral("vault_key")).toString());
    }

    void fileHoldsExactlyTheFiltersRows()
    {
        AuditExportFile::Options options;
        options.path = m_dir.filePath(QStringLiteral("billing.csv"));
        options.query.labelPrefix = QStringLiteral("export/billing/");
        options.source = QStringLiteral("test (local)");
        QVERIFY(exportTo(options));
        const CsvFile csv = readCsv(options.path);
        const QList<QJsonObject> expected =
            serverRows(QStringLiteral("label_prefix=export/billing/"));
        QCOMPARE(csv.rows.size(), expected.size());
        QCOMPARE(expected.size(), 5);
        const int id = csv.column("id");
        const int cost = csv.column("cost_usd");
        const int verdict = csv.column("verdict");
        const int status = csv.column("http_status");
        const int name = csv.column("key_name");
        QVERIFY(id >= 0 && cost >= 0 && verdict >= 0 && status >= 0 && name >= 0);
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const QJsonObject &row = expected.at(i);
            QCOMPARE(QString::fromUtf8(csv.rows.at(i).at(id)),
                     row[QStringLiteral("id")].toString());
            QCOMPARE(QString::fromUtf8(csv.rows.at(i).at(verdict)),
                     row[QStringLiteral("verdict")].toString());
            QCOMPARE(csv.rows.at(i).at(status).toInt(), row[QStringLiteral("http_status")].toInt());
            // Money to the micro-dollar, as the server wrote it.
            QCOMPARE(qRound64(csv.rows.at(i).at(cost).toDouble() * 1e6),
                     qRound64(row[QStringLiteral("cost_usd")].toDouble() * 1e6));
            // The formula is text now: a leading apostrophe, the rest unchanged.
            QCOMPARE(QString::fromUtf8(csv.rows.at(i).at(name)),
                     QStringLiteral("'") + row[QStringLiteral("key_name")].toString());
        }
        QVERIFY(csv.comments.contains(
            QStringLiteral("Filter: kind=call&label_prefix=export/billing/")));
        QVERIFY(csv.comments.contains(QStringLiteral("Server: test (local)")));
        bool zone = false;
        for (const QString &line : csv.comments)
            zone = zone || line.contains(QStringLiteral("spend days: America/New_York"));
        QVERIFY2(zone, qPrintable(csv.comments.join(u'\n')));
    }

    void statusClassLeavesOnlyItsRows()
    {
        AuditExportFile::Options options;
        options.path = m_dir.filePath(QStringLiteral("refused.csv"));
        options.query.labelPrefix = QStringLiteral("export/");
        options.status = HttpStatusClass::ClientError;
        QVERIFY(exportTo(options));
        const CsvFile csv = readCsv(options.path);
        QStringList expected;
        for (const QJsonObject &row : serverRows(QStringLiteral("label_prefix=export/"))) {
            const int status = row[QStringLiteral("http_status")].toInt();
            if (status >= 400 && status < 500)
                expected.append(row[QStringLiteral("id")].toString());
        }
        QStringList ids;
        for (const QList<QByteArray> &row : csv.rows)
            ids.append(QString::fromUtf8(row.at(csv.column("id"))));
        QCOMPARE(ids, expected);
        QVERIFY(expected.size() >= 2); // the cap refusal and the payout
        QVERIFY(csv.comments.contains(QStringLiteral(
            "Filter: kind=call&label_prefix=export/; then http_status=4xx, applied by the "
            "console")));
    }

    void failureLeavesNoFile()
    {
        AuditExportFile::Options options;
        options.path = m_dir.filePath(QStringLiteral("refused-filter.csv"));
        options.query.verdict = QStringLiteral("not_a_verdict");
        AuditExportFile exporter(&m_client);
        QSignalSpy finished(&exporter, &AuditExportFile::finished);
        exporter.start(options);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY(!finished.first().at(1).toString().isEmpty());
        QVERIFY(!QFile::exists(options.path));
    }
};

QTEST_GUILESS_MAIN(TestAuditExportFile)
#include "tst_auditexportfile.moc"
