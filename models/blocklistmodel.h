#pragma once

#include "client/apirequest.h"
#include "client/prefixblock.h"
#include "models/timeformatter.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace keybrake::client {
class KeybrakeClient;
struct EventMessage;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// The active prefix blocks (GET /v1/blocks), one row each, newest first. Re-read on every
// block.created / block.lifted event and on the monitor's refresh; a block whose end has passed
// leaves the list at once (the server sends no event for an expiry). The keys table and key
// details ask it which block covers a key.
class BlockListModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BlockListModel)

public:
    enum Column {
        PrefixColumn,
        VendorColumn,
        CreatedByColumn,
        ReasonColumn,
        SinceColumn,
        EndsColumn,
        RefusedColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        IdRole = Qt::UserRole + 1,
        MonospaceRole,
    };

    explicit BlockListModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~BlockListModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool hasLoaded() const { return m_loaded; }
    bool isLoading() const { return m_request != nullptr; }
    QString lastError() const { return m_lastError; }
    const QList<client::PrefixBlock> &blocks() const { return m_blocks; }
    const client::PrefixBlock *findBlock(const QString &id) const;
    // The block that refuses a key of this label and vendor now: the oldest active one whose
    // prefix starts the label (and whose vendor, if any, is the key's), as the server names it.
    const client::PrefixBlock *
    blockFor(const QString &label, const QString &vendor,
             const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    // "Blocked by prefix `lambda/x/` until 12:40 UTC — by on-call: runaway".
    static QString describe(const client::PrefixBlock &block, const TimeFormatter &time);

public Q_SLOTS:
    void refresh();
    // A block.created / block.lifted event (others are ignored).
    void addEvent(const keybrake::client::EventMessage &message);
    // DELETE /v1/blocks/{id}; liftFinished tells how it went.
    void lift(const QString &blockId, const QString &reason);

Q_SIGNALS:
    void blocksChanged();
    void loadFailed(const QString &message);
    void liftFinished(const QString &blockId, const QString &error);

private:
    void apply(QList<client::PrefixBlock> blocks);
    void dropEnded();

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    QList<client::PrefixBlock> m_blocks;
    QPointer<client::ApiRequest> m_request;
    bool m_loaded = false;
    bool m_again = false;
    QString m_lastError;
};

} // namespace keybrake
