#pragma once

#include "client/apierror.h"
#include "client/result.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QPointer>

#include <algorithm>

namespace keybrake::client {
class ApiRequest;
class KeybrakeClient;
} // namespace keybrake::client

namespace keybrake {

class ConnectionMonitor;

// What the Reports page's tables share: one report fetched at a time, an answer to an outdated
// query dropped, a refresh with the same rows in the same order updated in place (selection and
// scroll survive the console's polling) and anything else reset, and the loading, error and
// "as of" state the page shows. A subclass says how to ask for its report in refresh().
class ReportTableModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ReportTableModel)

public:
    ~ReportTableModel() override;

    void setConnectionMonitor(ConnectionMonitor *monitor);

    bool hasReport() const { return m_loaded; }
    bool isLoading() const { return m_inFlight; }
    QString lastError() const { return m_lastError; }
    QDateTime dataAsOf() const { return m_asOf; }

public Q_SLOTS:
    virtual void refresh() = 0;

Q_SIGNALS:
    void loaded();
    void loadFailed(const QString &message);

protected:
    explicit ReportTableModel(client::KeybrakeClient *client, QObject *parent = nullptr);

    client::KeybrakeClient *client() const { return m_client; }
    // The query changed: an answer already on its way is for the old one.
    void forgetPending();
    // Unless a fetch is in flight, `send(done)` starts the request; its answer replaces `stored`
    // (a report with a `data` list), in place when `sameRow(new, old)` holds for every row.
    template<class Report, class Send, class SameRow>
    void fetch(Report &stored, Send send, SameRow sameRow);

private:
    void failed(const client::ApiError &error);
    void succeeded();
    void track(client::ApiRequest *request);

    client::KeybrakeClient *m_client;
    QPointer<ConnectionMonitor> m_monitor;
    bool m_loaded = false;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    QString m_lastError;
    QDateTime m_asOf;
};

template<class Report, class Send, class SameRow>
void ReportTableModel::fetch(Report &stored, Send send, SameRow sameRow)
{
    if (m_inFlight)
        return;
    m_inFlight = true;
    const quint64 generation = m_generation;
    track(send([this, generation, &stored, sameRow](const client::Result<Report> &result) {
        if (generation != m_generation)
            return;
        m_inFlight = false;
        if (!result) {
            failed(result.error());
            return;
        }
        const bool same = std::equal(result->data.cbegin(), result->data.cend(),
                                     stored.data.cbegin(), stored.data.cend(), sameRow);
        if (same) {
            stored = *result;
            if (rowCount() > 0)
                Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        } else {
            beginResetModel();
            stored = *result;
            endResetModel();
        }
        succeeded();
    }));
}

} // namespace keybrake
