#include "models/auditexportfile.h"

#include "client/jsoncodec.h"
#include "client/keybrakeclient.h"
#include "models/csvtext.h"

#include <QCoreApplication>
#include <QDateTime>

#include <csv.h>

namespace keybrake {

namespace {

// Rows are written in blocks of about this size, not one write per row.
constexpr qsizetype FlushBytes = 64 * 1024;

} // namespace

struct AuditExportFile::Parser
{
    Parser()
    {
        csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL);
        // libcsv trims spaces and tabs around unquoted fields by default; the server's fields are
        // exact, and a leading tab is what a formula attack may hide behind.
        csv_set_space_func(&parser, [](unsigned char) { return 0; });
    }
    ~Parser() { csv_free(&parser); }
    Parser(const Parser &) = delete;
    Parser &operator=(const Parser &) = delete;

    csv_parser parser {};
};

AuditExportFile::AuditExportFile(client::KeybrakeClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

AuditExportFile::~AuditExportFile()
{
    if (m_request)
        m_request->cancel();
    if (m_file.isOpen())
        m_file.cancelWriting();
}

void AuditExportFile::start(const Options &options)
{
    if (m_running)
        cancel();
    m_options = options;
    m_info = {};
    m_fields.clear();
    m_pending.clear();
    m_statusColumn = -1;
    m_headerSeen = false;
    m_preambleWritten = false;
    m_failure.clear();
    m_rowsRead = 0;
    m_rowsWritten = 0;
    m_parser = std::make_unique<Parser>();
    m_file.setFileName(options.path);
    if (!m_file.open(QIODevice::WriteOnly)) {
        const QString message =
            tr("Could not write %1: %2").arg(options.path, m_file.errorString());
        QMetaObject::invokeMethod(
            this, [this, message] { Q_EMIT finished(false, message); }, Qt::QueuedConnection);
        return;
    }
    m_running = true;
    m_request = m_client->auditCsv(
        options.query, this, [this](const client::AuditCsvExport &info) { onHeaders(info); },
        [this](const QByteArray &chunk) { return onChunk(chunk); },
        [this](const client::Result<client::AuditCsvExport> &result) {
            m_request = nullptr;
            if (!result) {
                fail(m_failure.isEmpty() ? result.error().message : m_failure);
                return;
            }
            m_info.bytes = result->bytes;
            if (!m_preambleWritten)
                onHeaders(*result);
            csv_fini(
                &m_parser->parser,
                [](void *field, size_t length, void *self) {
                    static_cast<AuditExportFile *>(self)->m_fields.append(
                        QByteArray(static_cast<const char *>(field), qsizetype(length)));
                },
                [](int, void *self) { static_cast<AuditExportFile *>(self)->endRow(); }, this);
            if (!m_fields.isEmpty())
                endRow();
            if (!flush())
                return;
            if (!m_file.commit()) {
                fail(tr("Could not save %1: %2").arg(m_options.path, m_file.errorString()));
                return;
            }
            m_running = false;
            Q_EMIT progress(m_rowsWritten);
            Q_EMIT finished(true, QString());
        });
}

void AuditExportFile::cancel()
{
    if (!m_running)
        return;
    m_failure = tr("The export was cancelled.");
    if (m_request)
        m_request->cancel();
}

void AuditExportFile::onHeaders(const client::AuditCsvExport &info)
{
    m_info = info;
    if (m_preambleWritten)
        return;
    m_preambleWritten = true;
    QString filter = info.filter.isEmpty() ? QStringLiteral("(none)") : info.filter;
    const QString status = HttpStatusClass::filterText(m_options.status);
    if (!status.isEmpty())
        filter += tr("; then %1, applied by the console").arg(status);
    QByteArray head;
    head += CsvText::comment(tr("Keybrake audit log export"));
    if (!m_options.source.isEmpty())
        head += CsvText::comment(tr("Server: %1").arg(m_options.source));
    head += CsvText::comment(tr("Filter: %1").arg(filter));
    head += CsvText::comment(
        tr("Times: UTC (RFC 3339); spend days: %1")
            .arg(info.spendTimezone.isEmpty() ? QStringLiteral("UTC") : info.spendTimezone));
    head += CsvText::comment(
        tr("Exported: %1 by Keybrake Console %2")
            .arg(client::JsonCodec::timeToJson(QDateTime::currentDateTimeUtc()).toString(),
                 QCoreApplication::applicationVersion()));
    if (m_options.defuseFormulas)
        head += CsvText::comment(tr("Text cells a spreadsheet would run as a formula (starting "
                                    "with = + - @) begin with an apostrophe"));
    m_pending += head;
}

bool AuditExportFile::onChunk(const QByteArray &chunk)
{
    if (!m_running)
        return false;
    if (!m_preambleWritten)
        onHeaders(m_info);
    const size_t parsed = csv_parse(
        &m_parser->parser, chunk.constData(), size_t(chunk.size()),
        [](void *field, size_t length, void *self) {
            static_cast<AuditExportFile *>(self)->m_fields.append(
                QByteArray(static_cast<const char *>(field), qsizetype(length)));
        },
        [](int, void *self) { static_cast<AuditExportFile *>(self)->endRow(); }, this);
    if (parsed != size_t(chunk.size())) {
        m_failure = tr("The server's CSV could not be read: %1")
                        .arg(QString::fromLatin1(csv_strerror(csv_error(&m_parser->parser))));
        return false;
    }
    if (m_pending.size() >= FlushBytes && !flush())
        return false;
    return true;
}

void AuditExportFile::endRow()
{
    QList<QByteArray> fields = std::exchange(m_fields, {});
    if (!m_headerSeen) {
        m_headerSeen = true;
        m_statusColumn = int(fields.indexOf(QByteArrayLiteral("http_status")));
        m_pending += CsvText::row(fields, false);
        return;
    }
    ++m_rowsRead;
    if (m_options.status != HttpStatusClass::Any && m_statusColumn >= 0
        && m_statusColumn < fields.size()
        && !HttpStatusClass::matches(m_options.status, fields.at(m_statusColumn).toInt()))
        return;
    m_pending += CsvText::row(fields, m_options.defuseFormulas);
    ++m_rowsWritten;
    if (m_rowsWritten % 1000 == 0)
        Q_EMIT progress(m_rowsWritten);
}

bool AuditExportFile::flush()
{
    if (m_pending.isEmpty())
        return true;
    if (m_file.write(m_pending) != m_pending.size()) {
        m_failure = tr("Could not write %1: %2").arg(m_options.path, m_file.errorString());
        if (!m_request)
            fail(m_failure);
        return false;
    }
    m_pending.clear();
    return true;
}

void AuditExportFile::fail(const QString &message)
{
    m_running = false;
    m_pending.clear();
    if (m_file.isOpen())
        m_file.cancelWriting();
    m_file.commit(); // after cancelWriting: removes the temporary file, writes nothing
    Q_EMIT finished(false, message);
}

} // namespace keybrake
