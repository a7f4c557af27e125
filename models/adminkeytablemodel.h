#pragma once

#include "client/adminkeyinfo.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>
#include <QPointer>

namespace keybrake::client {
class KeybrakeClient;
struct ApiError;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// Every admin key of GET /v1/admin-keys, one row per key, updated in place by id on refresh.
// Creating and revoking go through the model, so a row shows its new state from the server's
// answer.
class AdminKeyTableModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminKeyTableModel)

public:
    enum Column {
        NameColumn,
        RoleColumn,
        KeyHintColumn,
        StatusColumn,
        CreatedColumn,
        CreatedByColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        IdRole = Qt::UserRole + 1,
        RevokedRole,
        RawValueRole,
    };

    explicit AdminKeyTableModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~AdminKeyTableModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool isLoading() const { return m_loading; }
    bool hasLoaded() const { return m_loaded; }
    QString lastError() const { return m_lastError; }
    const client::AdminKeyInfo *findKey(const QString &id) const;
    int rowOfKey(const QString &id) const;
    // "on-call (…a1b2)" for an admin key id this list knows, else the id as the server gave it.
    QString describeCreator(const QString &createdBy) const;

public Q_SLOTS:
    void refresh();
    void revoke(const QString &id);

Q_SIGNALS:
    void loadingChanged(bool loading);
    void refreshed();
    void loadFailed(const QString &message);
    void revokeSucceeded(const QString &id);
    void revokeFailed(const QString &id, const QString &message);

private:
    void apply(const QList<client::AdminKeyInfo> &keys);
    void updateRow(const client::AdminKeyInfo &key);

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    QList<client::AdminKeyInfo> m_keys;
    bool m_loading = false;
    bool m_loaded = false;
    bool m_refreshing = false;
    QString m_lastError;
};

} // namespace keybrake
