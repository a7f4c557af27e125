#pragma once

#include "client/runtimeline.h"
#include "client/timelinequery.h"
#include "models/timeformatter.h"
#include "models/timelineseries.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QPointer>

namespace keybrake::client {
class KeybrakeClient;
struct ApiError;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// One run's spend timeline (GET /v1/runs/{label}/timeline): one row per bucket, the table a
// reader can use instead of the chart, and the prepared series the chart draws.
//
// A range too long for the chosen bucket (the server answers 422 with the bucket that fits) is
// asked again with that bucket, and bucketAdjusted() says so.
class RunTimelineModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunTimelineModel)

public:
    enum Column {
        StartColumn,
        EndColumn,
        CallsColumn,
        AllowedColumn,
        DeniedColumn,
        SpendColumn,
        CumulativeColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        RawValueRole = Qt::UserRole + 1,
        ExportRole = Qt::UserRole + 41, // exact values for a file
    };
    Q_ENUM(Role)

    explicit RunTimelineModel(client::KeybrakeClient *client, QObject *parent = nullptr);
    ~RunTimelineModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);
    void setTimeFormatter(const TimeFormatter &formatter);

    // A different run or query loads at once; the same one again is a refresh.
    void load(const QString &label, const client::TimelineQuery &query);
    void clear();
    QString label() const { return m_label; }
    client::TimelineQuery query() const { return m_query; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool hasTimeline() const { return m_loaded; }
    bool isLoading() const { return m_loading; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }
    const client::RunTimeline &timeline() const { return m_timeline; }
    const TimelineSeries &series() const { return m_series; }
    // The bucket holding the instant `msSinceEpoch`, or -1.
    int bucketAt(qint64 msSinceEpoch) const;
    // Denials within bucket `row`.
    QList<client::TimelineDenial> denialsIn(int row) const;

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void loadingChanged(bool loading);
    void loaded();
    void loadFailed(const QString &message);
    // The asked bucket gave too many buckets; `bucket` was used instead.
    void bucketAdjusted(const QString &bucket);

private:
    void fetch(bool fitted);
    void setLoading(bool loading);

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    TimeFormatter m_time;
    QString m_label;
    client::TimelineQuery m_query;
    client::RunTimeline m_timeline;
    TimelineSeries m_series;
    bool m_loaded = false;
    bool m_loading = false;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

} // namespace keybrake
