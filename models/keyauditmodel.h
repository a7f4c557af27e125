#pragma once

#include "client/auditentry.h"
#include "models/timeformatter.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSet>

namespace keybrake::client {
class KeybrakeClient;
struct AuditPage;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// The recent calls of one vault key (GET /v1/audit?key_id=...), newest first, for the key
// details panel. refresh() puts newer calls on top without resetting; older ones load as the
// view scrolls.
class KeyAuditModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyAuditModel)

public:
    enum Column {
        TimeColumn,
        OperationColumn,
        VerdictColumn,
        CostColumn,
        StatusColumn,
        LatencyColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = Qt::UserRole + 1,
        DeniedRole, // true for denied_* verdicts
    };
    Q_ENUM(Role)

    explicit KeyAuditModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~KeyAuditModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);
    void setPageSize(int rows) { m_pageSize = rows; }

    // A different key is a different list: resets and loads its first page.
    void setKeyId(const QString &keyId);
    QString keyId() const { return m_keyId; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    bool isLoading() const { return m_loading; }
    QString lastError() const { return m_lastError; }
    const client::AuditEntry *entryAt(int row) const;

    static QString verdictText(const QString &verdict);

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void loadingChanged(bool loading);
    void loadFailed(const QString &message);
    void refreshed();

private:
    void fetch(const QString &cursor, bool append);
    void setLoading(bool loading);

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    QString m_keyId;
    int m_pageSize = 50;
    QList<client::AuditEntry> m_entries;
    QSet<QString> m_ids;
    QString m_nextCursor;
    bool m_loading = false;
    bool m_inFlight = false;
    bool m_loaded = false;
    quint64 m_generation = 0;
    QString m_lastError;
};

} // namespace keybrake
