#pragma once

#include "client/auditcsvexport.h"
#include "client/auditquery.h"
#include "models/httpstatusclass.h"

#include <QObject>
#include <QPointer>
#include <QSaveFile>

#include <memory>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
} // namespace keybrake::client

namespace keybrake {

// Writes the audit log of one filter to a CSV file as GET /v1/audit.csv streams it: chunk by
// chunk, never the whole body in memory.
//
// The file starts with "# " lines that say what it holds (the server's normalised filter, the
// console's own Status filter when one is set, the spend time zone, that times are UTC, the
// server and when it was exported), then the server's header row and rows. Each row is parsed as
// it arrives (libcsv), kept or dropped by the Status filter, and written again with formula cells
// defused (see CsvText). The file appears only complete: it is written through QSaveFile and
// committed when the server's body ended properly; a failure midway leaves no file.
class AuditExportFile : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditExportFile)

public:
    struct Options
    {
        QString path;
        client::AuditQuery query;
        HttpStatusClass::Value status = HttpStatusClass::Any;
        bool defuseFormulas = true;
        QString source; // "acme-prod (https://keybrake.acme.internal)", for the header lines
    };

    explicit AuditExportFile(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~AuditExportFile() override;

    void start(const Options &options);
    void cancel();
    bool isRunning() const { return m_running; }
    qint64 rowsWritten() const { return m_rowsWritten; }
    qint64 rowsRead() const { return m_rowsRead; }
    client::AuditCsvExport serverInfo() const { return m_info; }
    QString path() const { return m_options.path; }

Q_SIGNALS:
    void progress(qint64 rowsWritten);
    // `message`: why it failed, or empty.
    void finished(bool ok, const QString &message);

private:
    struct Parser;

    void onHeaders(const client::AuditCsvExport &info);
    bool onChunk(const QByteArray &chunk);
    void endRow();
    bool flush();
    void fail(const QString &message);

    client::KeybrakeClient *m_client;
    Options m_options;
    QSaveFile m_file;
    std::unique_ptr<Parser> m_parser;
    QPointer<client::ApiRequest> m_request;
    client::AuditCsvExport m_info;
    QList<QByteArray> m_fields;
    QByteArray m_pending;
    int m_statusColumn = -1;
    bool m_headerSeen = false; // the server's column names
    bool m_preambleWritten = false;
    bool m_running = false;
    QString m_failure;
    qint64 m_rowsRead = 0;
    qint64 m_rowsWritten = 0;
};

} // namespace keybrake
