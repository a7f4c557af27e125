#pragma once

#include "client/prefixblock.h"
#include "client/runquery.h"
#include "client/runsummary.h"
#include "models/timeformatter.h"
#include "models/vaultkeytablemodel.h"

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
struct RunPage;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;
class RunawayDetector;

// The runs of GET /v1/runs (report 1, the per-run cost summary), one row per run label.
//
// Pages load as the view scrolls (canFetchMore/fetchMore). The server lists runs by latest
// activity, which changes with every call, so the model keeps its rows where they were first
// loaded and views sort them (RawValueRole of LastCallColumn, descending, is the server's order).
// refresh() re-reads the loaded window and updates rows in place, inserting runs it had not seen;
// upsertRun() does the same for one run that arrived another way (the live event stream). A
// refresh never resets the model, so selection and scroll survive.
class RunTableModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunTableModel)

public:
    enum Column {
        LabelColumn,
        StatusColumn,
        VendorsColumn,
        KeysColumn,
        SpendColumn,
        UtilisationColumn, // settled + held against the sum of the keys' daily caps
        CallsColumn,
        BlockedColumn,
        FirstCallColumn,
        LastCallColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    // The roles the key table's delegates read have the same numbers here, so the status and
    // cap delegates paint runs too.
    enum Role {
        RawValueRole = VaultKeyTableModel::RawValueRole,
        DisplayStatusRole = VaultKeyTableModel::DisplayStatusRole,
        SettledMicrosRole = VaultKeyTableModel::SettledMicrosRole,
        HeldMicrosRole = VaultKeyTableModel::HeldMicrosRole,
        CapMicrosRole = VaultKeyTableModel::CapMicrosRole,
        MonospaceRole = VaultKeyTableModel::MonospaceRole,
        LabelRole = Qt::UserRole + 40,
        // The exact value for a file: money as a plain decimal, times as RFC 3339 UTC.
        ExportRole,
        RunStateRole, // RunState as int
        RunawayRole, // why the run is flagged as a runaway; empty when it is not
    };
    Q_ENUM(Role)

    // What the Status column says, from the run's keys, so a run reads as its keys do on Vault
    // Keys: capped when every live key is capped today, blocked while a prefix block covers its
    // label, revoked or expired once no key can call.
    enum class RunState {
        Active,
        Capped,
        Blocked,
        Revoked, // no live key, at least one revoked
        Expired, // no live key, none revoked
        Unknown,
    };
    Q_ENUM(RunState)

    explicit RunTableModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~RunTableModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    // The runaway mark ("⚠" before the label, the reason in the tooltip, a tinted row).
    void setRunawayDetector(RunawayDetector *detector);
    // The prefix blocks in force (GET /v1/blocks): a live run under one reads "Blocked".
    void setBlocks(const QList<client::PrefixBlock> &blocks);
    // The active block covering a run, if any.
    std::optional<client::PrefixBlock> blockOf(const client::RunSummary &run) const;
    RunState runState(const client::RunSummary &run) const;
    static QString runStateText(RunState state);

    // While held (LiveTableHold: the pointer is over the table), numbers of existing rows still
    // update in place, but runs that appear wait, so no row moves under the pointer; they are
    // counted (heldNewRuns()) and inserted by applyHeldChanges() or when the hold ends.
    void setHoldingChanges(bool hold);
    bool isHoldingChanges() const { return m_holding; }
    int heldNewRuns() const { return int(m_heldRuns.size()); }
    void applyHeldChanges();
    void setTimeFormatter(const TimeFormatter &formatter);
    void setPageSize(int rows);
    int pageSize() const { return m_pageSize; }
    // Filters and range (since/until bound the calls counted). A new query is a new list: the
    // model resets and loads its first page.
    void setQuery(const client::RunQuery &query);
    client::RunQuery query() const { return m_query; }

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
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }
    QString spendTimezone() const { return m_spendTimezone; }

    int rowOfRun(const QString &label) const { return m_rowOfLabel.value(label, -1); }
    const client::RunSummary *runAt(int row) const;
    QList<client::RunSummary> runs() const { return m_rows; }

    // A run as the server describes it now: updates its row in place, or inserts it.
    void upsertRun(const client::RunSummary &run);

    static QString statusText(client::RunStatus status);

public Q_SLOTS:
    void refresh();
    void reload();

Q_SIGNALS:
    void loadingChanged(bool loading);
    void loadFailed(const QString &message);
    void refreshed(const QDateTime &asOf);
    void heldChangesChanged();

private:
    QVariant displayData(const client::RunSummary &run, int column) const;
    QVariant toolTipData(const client::RunSummary &run, int column) const;
    QVariant rawData(const client::RunSummary &run, int column) const;
    QVariant exportData(const client::RunSummary &run, int column) const;
    client::RunQuery pageQuery(const QString &cursor, int limit) const;
    void fetchPage();
    void refreshStep(const QString &cursor, int remaining);
    void onFailure(const client::ApiError &error);
    void setLoading(bool loading);
    void track(client::ApiRequest *request);
    void apply(const QList<client::RunSummary> &runs, bool append);

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    QPointer<RunawayDetector> m_runaway;
    QList<client::PrefixBlock> m_blocks;
    bool m_holding = false;
    QList<client::RunSummary> m_heldRuns;
    TimeFormatter m_time;
    client::RunQuery m_query;
    int m_pageSize = 200;
    QList<client::RunSummary> m_rows;
    QHash<QString, int> m_rowOfLabel;
    QString m_nextCursor;
    QString m_spendTimezone;
    bool m_loading = false;
    bool m_loaded = false;
    bool m_fetching = false;
    bool m_refreshing = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
