#include "models/runexport.h"

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/auditexportfile.h"
#include "models/csvtext.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace keybrake {

using client::JsonCodec;
using client::Result;

RunExport::RunExport(client::KeybrakeClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

RunExport::~RunExport() = default;

QString RunExport::baseName(const QString &label, const QDateTime &at)
{
    QString safe;
    for (const QChar c : label) {
        const bool plain = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z')
            || (c >= u'0' && c <= u'9') || c == u'-' || c == u'.';
        safe += plain ? c : u'_';
    }
    if (safe.size() > 80)
        safe = safe.left(40) + u'~' + safe.right(39);
    return QStringLiteral("run-%1-%2")
        .arg(safe, at.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")));
}

void RunExport::start(const Options &options)
{
    ++m_generation;
    m_options = options;
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_base = QDir(options.directory).filePath(baseName(options.label, m_startedAt));
    m_detail = {};
    m_timeline = {};
    m_calls.clear();
    m_files.clear();
    m_running = true;
    const quint64 generation = m_generation;
    Q_EMIT progress(tr("Reading the run…"));
    m_client->run(
        options.label, {}, {}, this, [this, generation](const Result<client::RunDetail> &detail) {
            if (generation != m_generation)
                return;
            if (!detail) {
                fail(detail.error().message);
                return;
            }
            m_detail = *detail;
            // Both call lists end at the last call the run had now.
            m_until = m_detail.totals.lastCallAt.isValid() ? m_detail.totals.lastCallAt.addMSecs(1)
                                                           : m_startedAt;
            // The timeline ends there too (widened by the server to its bucket),
            // unless the chart asked for a range of its own.
            client::TimelineQuery timelineQuery = m_options.timeline;
            if (!timelineQuery.until.isValid() && !timelineQuery.since.isValid())
                timelineQuery.until = m_until;
            m_client->runTimeline(m_options.label, timelineQuery, this,
                                  [this, generation](const Result<client::RunTimeline> &timeline) {
                                      if (generation != m_generation)
                                          return;
                                      if (!timeline) {
                                          fail(timeline.error().message);
                                          return;
                                      }
                                      m_timeline = *timeline;
                                      Q_EMIT progress(tr("Reading the run's calls…"));
                                      fetchCalls(QString());
                                  });
        });
}

void RunExport::fetchCalls(const QString &cursor)
{
    client::AuditQuery query;
    query.label = m_options.label;
    query.until = m_until;
    query.limit = 1000;
    query.cursor = cursor;
    const quint64 generation = m_generation;
    m_client->audit(query, this, [this, generation](const Result<client::AuditPage> &page) {
        if (generation != m_generation)
            return;
        if (!page) {
            fail(page.error().message);
            return;
        }
        m_calls.append(page->data);
        Q_EMIT progress(tr("Reading the run's calls… %n read", nullptr, int(m_calls.size())));
        if (page->hasMore()) {
            fetchCalls(page->nextCursor);
            return;
        }
        writeFiles();
    });
}

void RunExport::writeFiles()
{
    // 1. The JSON document.
    QJsonArray calls;
    for (const client::AuditEntry &entry : std::as_const(m_calls))
        calls.append(JsonCodec::toJson(entry));
    const QJsonObject document {
        {QStringLiteral("exported_at"), JsonCodec::timeToJson(m_startedAt)},
        {QStringLiteral("source"), m_options.source},
        {QStringLiteral("exported_by"),
         QStringLiteral("Keybrake Console %1").arg(QCoreApplication::applicationVersion())},
        {QStringLiteral("calls_until"), JsonCodec::timeToJson(m_until)},
        {QStringLiteral("run"), JsonCodec::toJson(m_detail)},
        {QStringLiteral("timeline"), JsonCodec::toJson(m_timeline)},
        {QStringLiteral("calls"), calls},
    };
    const QString jsonPath = m_base + QStringLiteral(".json");
    {
        QSaveFile file(jsonPath);
        const QByteArray bytes = QJsonDocument(document).toJson(QJsonDocument::Indented);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()
            || !file.commit()) {
            fail(tr("Could not write %1: %2").arg(jsonPath, file.errorString()));
            return;
        }
    }
    m_files.append(jsonPath);

    // 2. The timeline, one row per bucket.
    const QString timelinePath = m_base + QStringLiteral("-timeline.csv");
    {
        QByteArray text;
        text += CsvText::comment(tr("Keybrake run timeline: %1").arg(m_timeline.label));
        if (!m_options.source.isEmpty())
            text += CsvText::comment(tr("Server: %1").arg(m_options.source));
        text += CsvText::comment(
            tr("Buckets of %1 from %2 to %3; times UTC (RFC 3339); spend "
               "days: %4")
                .arg(m_timeline.bucket, JsonCodec::timeToJson(m_timeline.since).toString(),
                     JsonCodec::timeToJson(m_timeline.until).toString(), m_timeline.spendTimezone));
        text += CsvText::comment(
            tr("Spend before the first bucket: %1 USD")
                .arg(QString::fromStdString(m_timeline.spendBeforeUsd.toDecimal())));
        QStringList caps;
        for (const client::TimelineKey &key : std::as_const(m_timeline.keys))
            caps.append(
                tr("%1 (%2) %3 USD/day")
                    .arg(key.name, key.keyId, QString::fromStdString(key.dailyUsdCap.toDecimal())));
        text += CsvText::comment(tr("Daily caps: %1").arg(caps.join(QStringLiteral("; "))));
        text += CsvText::comment(tr("Denials: %n (each with its time in the JSON file)", nullptr,
                                    int(m_timeline.denials.size())));
        text += CsvText::row(
            {"start", "end", "calls", "allowed", "denied", "spend_usd", "cumulative_spend_usd"},
            false);
        for (const client::TimelineBucket &bucket : std::as_const(m_timeline.buckets)) {
            text +=
                CsvText::row({JsonCodec::timeToJson(bucket.start).toString().toUtf8(),
                              JsonCodec::timeToJson(bucket.start.addSecs(m_timeline.bucketSeconds))
                                  .toString()
                                  .toUtf8(),
                              QByteArray::number(bucket.calls), QByteArray::number(bucket.allowed),
                              QByteArray::number(bucket.denied),
                              QByteArray::fromStdString(bucket.spendUsd.toDecimal()),
                              QByteArray::fromStdString(bucket.cumulativeSpendUsd.toDecimal())},
                             false);
        }
        QSaveFile file(timelinePath);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit()) {
            fail(tr("Could not write %1: %2").arg(timelinePath, file.errorString()));
            return;
        }
    }
    m_files.append(timelinePath);

    // 3. The calls, streamed from the server's CSV export.
    Q_EMIT progress(tr("Writing the run's calls…"));
    auto *csv = new AuditExportFile(m_client, this);
    m_callsCsv = csv;
    AuditExportFile::Options options;
    options.path = m_base + QStringLiteral("-calls.csv");
    options.query.label = m_options.label;
    options.query.until = m_until;
    options.source = m_options.source;
    const quint64 generation = m_generation;
    connect(csv, &AuditExportFile::finished, this,
            [this, csv, generation, path = options.path](bool ok, const QString &message) {
                csv->deleteLater();
                if (generation != m_generation)
                    return;
                if (!ok) {
                    fail(message);
                    return;
                }
                m_files.append(path);
                m_running = false;
                Q_EMIT finished(true, QString());
            });
    csv->start(options);
}

void RunExport::fail(const QString &message)
{
    m_running = false;
    Q_EMIT finished(false, message);
}

} // namespace keybrake
