#pragma once

#include "client/keyquery.h"
#include "client/vaultkey.h"
#include "models/timeformatter.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QPointer>

#include <optional>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
struct ApiError;
struct KeyPage;
} // namespace keybrake::client

namespace keybrake {

class BlockListModel;
class ConnectionMonitor;
class RunawayDetector;
class RunwayTracker;

// The vault keys of GET /v1/keys, one row per key, newest first as the server lists them.
//
// Rows are loaded a page at a time as the view scrolls (canFetchMore/fetchMore), and refresh()
// re-reads the loaded window and diffs it by key id: rows that changed get dataChanged with the
// roles that depend on the data, new keys are inserted, keys gone from the list are removed. A
// refresh never resets the model, so selection, scroll position and sort survive it.
//
// Revoking goes through the model so the row can show it: "revoking…", then the server's
// revocation time, or the old state again with the reason.
class VaultKeyTableModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VaultKeyTableModel)

public:
    enum Column {
        NameColumn,
        KeyHintColumn,
        StatusColumn,
        VendorColumn,
        RunLabelColumn,
        CapColumn,
        SpentTodayColumn,
        UtilisationColumn,
        CallsColumn,
        BlockedColumn,
        AllowedOperationsColumn,
        RunwayColumn, // "cap in ~12 min" at the trailing spend rate (RunwayTracker)
        ExpiresColumn,
        ActionColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        // The value to sort by: numbers, micro-dollars, UTC instants, plain strings.
        RawValueRole = Qt::UserRole + 1,
        KeyIdRole,
        DisplayStatusRole, // DisplayStatus as int
        SettledMicrosRole, // spent today, settled
        HeldMicrosRole, // open holds
        CapMicrosRole,
        RevokeStateRole, // RevokeState as int
        RowActionRole, // RowAction as int
        VendorRole, // "stripe"
        SearchTextRole, // name, label, id and hint, for the search filter
        MonospaceRole, // true where the value is an id, key or label
        RunawayRole, // why the key's run is flagged as a runaway; empty when it is not
    };
    Q_ENUM(Role)

    // What the Status column shows: the server's status refined by utilisation and by a revoke
    // this console has in flight.
    enum class DisplayStatus {
        Active,
        NearCap, // active at 80 % of the cap or more
        Capped,
        Revoking,
        Revoked,
        Expired,
        Unknown,
        Blocked, // active or capped, but its run label is under an active prefix block
    };
    Q_ENUM(DisplayStatus)

    enum class RevokeState {
        Idle,
        Revoking,
        Revoked, // confirmed by this console's request, with the server's time
        Failed, // the last attempt failed; the row keeps its state and says why
    };
    Q_ENUM(RevokeState)

    // What the last column offers for the row.
    enum class RowAction {
        None,
        Revoke,
        Revoking,
        IssueSimilar, // revoked or expired keys
    };
    Q_ENUM(RowAction)

    static constexpr double NearCapFraction = 0.8;

    explicit VaultKeyTableModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~VaultKeyTableModel() override;

    // Outcomes of every request feed the monitor (live / reconnecting / offline).
    void setConnectionMonitor(ConnectionMonitor *monitor);
    // What the live stream adds to the rows: the runway column and the runaway mark (a "⚠" and
    // the reason beside the name, a tinted row). The model re-reads them when they change.
    void setLiveAnnotations(RunwayTracker *runway, RunawayDetector *runaway);
    void setTimeFormatter(const TimeFormatter &formatter);
    // The active prefix blocks: a key under one shows "Blocked" with the block in its tooltip.
    void setBlockList(BlockListModel *blocks);
    BlockListModel *blockList() const { return m_blocks; }
    TimeFormatter timeFormatter() const { return m_time; }
    // Rows per page as the view scrolls (at most 1000, the server's limit).
    void setPageSize(int rows);
    int pageSize() const { return m_pageSize; }

    // Server-side filters (status, vendor, q, label prefix). A new query is a new list: the model
    // resets and loads its first page.
    void setQuery(const client::KeyQuery &query);
    client::KeyQuery query() const { return m_query; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    bool isLoading() const { return m_loading; } // first page not there yet
    bool hasLoaded() const { return m_loaded; }
    bool isRefreshing() const { return m_refreshing; }
    bool hasMore() const { return !m_nextCursor.isEmpty(); }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }

    int rowOfKey(const QString &keyId) const;
    const client::VaultKey *keyAt(int row) const;
    const client::VaultKey *findKey(const QString &keyId) const;
    RevokeState revokeState(const QString &keyId) const;

    // While held (the pointer is over the table, a button in it is pressed, a row menu is open),
    // a refresh still updates the numbers of existing rows in place, but keys it brings and keys
    // gone from the list wait, so no row moves under the pointer. They are counted here and
    // applied by applyHeldChanges() or when the hold ends. Pages loaded by scrolling
    // (fetchMore) are not held: the user asked for them, and they go below the last row.
    void setHoldingChanges(bool hold);
    bool isHoldingChanges() const { return m_holding; }
    int heldNewKeys() const { return m_heldNew; }
    int heldGoneKeys() const { return m_heldGone; }
    void applyHeldChanges();

    static DisplayStatus displayStatusOf(const client::VaultKey &key);
    static QString statusText(DisplayStatus status);

public Q_SLOTS:
    // Re-read the loaded window and update rows in place.
    void refresh();
    // Start over: drop the rows and load the first page again.
    void reload();
    // One click, no dialog: revoking is the safe direction.
    void revoke(const QString &keyId);
    // The reason of a revoke made without one ("Add reason" after a one-click revoke): the
    // server keeps it on the key and audits it. revokeReasonFinished tells how it went.
    void addRevokeReason(const QString &keyId, const QString &reason);
    // The Delete key on a multi-selection, after the page's one confirmation.
    void revokeMany(const QStringList &keyIds);

Q_SIGNALS:
    void loadingChanged(bool loading);
    // A load or refresh failed; the old rows stay and the page shows why.
    void loadFailed(const QString &message);
    void refreshed(const QDateTime &asOf);
    void revokeSucceeded(const QString &keyId, const QDateTime &revokedAt);
    void revokeFailed(const QString &keyId, const QString &message);
    void bulkRevokeFinished(int revoked, int failed, const QString &message);
    void revokeReasonFinished(const QString &keyId, const QString &error);
    // The counts of heldNewKeys() and heldGoneKeys() changed.
    void heldChangesChanged();

private:
    struct Row
    {
        client::VaultKey key;
        RevokeState revoke = RevokeState::Idle;
        QString revokeMessage;
    };

    QVariant displayData(const Row &row, int column) const;
    QVariant toolTipData(const Row &row, int column) const;
    QVariant rawData(const Row &row, int column) const;
    DisplayStatus displayStatusOf(const Row &row) const;

    client::KeyQuery pageQuery(const QString &cursor, int limit) const;
    void fetchPage();
    void onPage(const client::KeyPage &page);
    void refreshStep(const QString &cursor);
    void applyWindow(const QList<client::VaultKey> &fetched, bool reachedEnd,
                     const QString &nextCursor);
    void holdWindow(const QList<client::VaultKey> &fetched, bool reachedEnd,
                    const QString &nextCursor);
    int windowEndFor(const QList<client::VaultKey> &fetched, bool reachedEnd,
                     const QHash<QString, int> &fetchedIndex) const;
    void onFailure(const client::ApiError &error);
    void setLoading(bool loading);
    void emitRowChanged(int row);
    void rebuildIndex();
    void track(client::ApiRequest *request);

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    QPointer<RunwayTracker> m_runway;
    QPointer<RunawayDetector> m_runaway;
    BlockListModel *m_blocks = nullptr; // the session's, which outlives the pages
    TimeFormatter m_time;
    client::KeyQuery m_query;
    int m_pageSize = 200;

    QList<Row> m_rows;
    QHash<QString, int> m_rowOfKey;
    QString m_nextCursor;
    bool m_loading = false;
    bool m_loaded = false;
    bool m_fetching = false;
    bool m_refreshing = false;
    bool m_refreshPending = false;
    quint64 m_generation = 0;
    QList<client::VaultKey> m_refreshBuffer;
    int m_refreshTarget = 0;
    QString m_lastError;
    QDateTime m_asOf;

    struct HeldWindow
    {
        QList<client::VaultKey> fetched;
        bool reachedEnd = false;
        QString nextCursor;
    };
    bool m_holding = false;
    std::optional<HeldWindow> m_heldWindow;
    int m_heldNew = 0;
    int m_heldGone = 0;
};

} // namespace keybrake
