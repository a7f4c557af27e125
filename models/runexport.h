#pragma once

#include "client/auditentry.h"
#include "client/rundetail.h"
#include "client/runtimeline.h"
#include "client/timelinequery.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

namespace keybrake::client {
class KeybrakeClient;
}

namespace keybrake {

class AuditExportFile;

// "Export run…": everything an incident review needs about one run, in three files in a chosen
// folder, named after the run and the export time:
//   run-<label>-<time>.json           the run (totals per vendor, day and key, denials by
//                                     reason), its timeline (buckets, caps, denials) and every
//                                     call (the audit rows), as the API returns them;
//   run-<label>-<time>-timeline.csv   one row per bucket;
//   run-<label>-<time>-calls.csv      every call, as GET /v1/audit.csv streams it.
// Both call lists stop at the run's last call when the export started, so they hold the same
// rows even while the run goes on.
class RunExport : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunExport)

public:
    struct Options
    {
        QString directory;
        QString label;
        client::TimelineQuery timeline; // the chart's bucket and range
        QString source; // "acme-prod (https://...)"
    };

    explicit RunExport(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~RunExport() override;

    void start(const Options &options);
    bool isRunning() const { return m_running; }
    QStringList files() const { return m_files; }
    // "run-lambda_billing_msg-1-20261128T140305Z"
    static QString baseName(const QString &label, const QDateTime &at);

Q_SIGNALS:
    void progress(const QString &step);
    void finished(bool ok, const QString &message);

private:
    void fetchCalls(const QString &cursor);
    void writeFiles();
    void fail(const QString &message);

    client::KeybrakeClient *m_client;
    Options m_options;
    QString m_base;
    QDateTime m_startedAt;
    client::RunDetail m_detail;
    client::RunTimeline m_timeline;
    QList<client::AuditEntry> m_calls;
    QDateTime m_until;
    QStringList m_files;
    QPointer<AuditExportFile> m_callsCsv;
    bool m_running = false;
    quint64 m_generation = 0;
};

} // namespace keybrake
