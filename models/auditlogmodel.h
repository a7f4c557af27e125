#pragma once

#include "client/auditentry.h"
#include "client/auditquery.h"
#include "models/httpstatusclass.h"
#include "models/timeformatter.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>
#include <QPointer>
#include <QSet>

#include <deque>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
struct ApiError;
struct AuditPage;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// The audit log of GET /v1/audit for one filter, newest first: the Audit Log page, and a run's
// calls below its chart.
//
// Older rows load page by page through the server's cursors as the view scrolls (canFetchMore/
// fetchMore); a page is appended with one rowsInserted, so scrolling through 100,000 rows stays
// cheap. refresh() puts newer rows on top without a reset, reading on until it meets the rows it
// has (or starts over when more arrived than it will read); addEntry() does the same for one row
// that arrived another way (the live event stream).
//
// The Status filter (the class of the HTTP status the proxy answered) is not a server filter:
// the model drops the rows it excludes as pages arrive, and reads on by itself while a page
// leaves nothing to show, so a rare status never looks like the end of the log.
class AuditLogModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditLogModel)

public:
    enum Column {
        TimeColumn,
        VerdictColumn,
        KeyColumn,
        RunLabelColumn,
        VendorColumn,
        OperationColumn,
        CostColumn,
        HttpStatusColumn,
        LatencyColumn,
        RequestIdColumn,
        ActorColumn, // admin rows: who (the admin key's name)
        ReasonColumn, // the operator's reason (admin rows) or the refusal code (calls)
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = Qt::UserRole + 1,
        VerdictRole = Qt::UserRole + 50, // the wire verdict, "denied_cap"
        DeniedRole, // true for denied_* verdicts
        EntryIdRole,
        KeyIdRole,
        LabelRole,
    };
    Q_ENUM(Role)

    static constexpr int DefaultPageSize = 250;

    explicit AuditLogModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~AuditLogModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);
    void setPageSize(int rows);
    int pageSize() const { return m_pageSize; }

    // A new filter is a new list: the model resets and loads its first page. `autoLoad` false
    // only stores it (a page not shown yet).
    void setQuery(const client::AuditQuery &query, bool autoLoad = true);
    client::AuditQuery query() const { return m_query; }
    // Applied by the console (see HttpStatusClass); a change reloads like a new filter.
    void setStatusClass(HttpStatusClass::Value status, bool autoLoad = true);
    HttpStatusClass::Value statusClass() const { return m_status; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    bool isLoading() const { return m_loading; }
    bool hasLoaded() const { return m_loaded; }
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    bool isFetching() const { return m_fetching; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }
    const client::AuditEntry *entryAt(int row) const;
    QList<client::AuditEntry> entries() const;

    // A row as the server wrote it: on top when it matches the filter and is newer than every
    // row here; ignored otherwise (a refresh would list it where it belongs).
    bool addEntry(const client::AuditEntry &entry);
    // Whether GET /v1/audit with `query` lists `entry` (limit and cursor aside).
    // "Revoked key", "Blocked prefix": an admin row's action in words.
    static QString actionText(const QString &action);
    static bool matches(const client::AuditQuery &query, const client::AuditEntry &entry);
    // The server's filter and the console's Status filter together.
    bool accepts(const client::AuditEntry &entry) const;

public Q_SLOTS:
    void refresh();
    void reload();

Q_SIGNALS:
    void loadingChanged(bool loading);
    void loadFailed(const QString &message);
    void refreshed(const QDateTime &asOf);
    // A page of older rows was appended (or the first page arrived).
    void pageLoaded(int rows);

private:
    void fetchPage();
    void clearRows();
    void catchUp(const QString &cursor, QList<client::AuditEntry> newer, int pagesLeft);
    void insertOnTop(const QList<client::AuditEntry> &rows);
    // Newest first: by call time to the millisecond, then by id (the order of writing).
    static bool isNewer(const client::AuditEntry &a, const client::AuditEntry &b);
    void onFailure(const client::ApiError &error);
    void setLoading(bool loading);
    void track(client::ApiRequest *request);
    qint64 topId() const;

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    client::AuditQuery m_query;
    HttpStatusClass::Value m_status = HttpStatusClass::Any;
    int m_pageSize = DefaultPageSize;
    // A deque, not a QList: growing it never moves the rows already loaded (an AuditEntry has 30
    // members).
    std::deque<client::AuditEntry> m_entries;
    // Numbers, not the id strings: rehashing 65,536 QStrings as the set grew stalled the window
    // for 40-150 ms on this machine; integers rehash in a few.
    QSet<qint64> m_ids;
    // The newest id the server listed to this model (rows the Status filter dropped included).
    qint64 m_readTop = 0;
    QString m_nextCursor;
    bool m_loading = false;
    bool m_loaded = false;
    bool m_fetching = false;
    bool m_refreshing = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
