#include "models/reporttablemodel.h"

#include "models/connectionmonitor.h"

namespace keybrake {

ReportTableModel::ReportTableModel(client::KeybrakeClient *client, QObject *parent)
    : QAbstractTableModel(parent)
    , m_client(client)
{
}

ReportTableModel::~ReportTableModel() = default;

void ReportTableModel::setConnectionMonitor(ConnectionMonitor *monitor)
{
    m_monitor = monitor;
}

void ReportTableModel::forgetPending()
{
    ++m_generation;
    m_inFlight = false;
}

void ReportTableModel::failed(const client::ApiError &error)
{
    m_lastError = error.message;
    if (m_monitor)
        m_monitor->reportFailure(error);
    Q_EMIT loadFailed(m_lastError);
}

void ReportTableModel::succeeded()
{
    m_loaded = true;
    m_lastError.clear();
    m_asOf = QDateTime::currentDateTimeUtc();
    if (m_monitor)
        m_monitor->reportSuccess();
    Q_EMIT loaded();
}

void ReportTableModel::track(client::ApiRequest *request)
{
    if (m_monitor)
        m_monitor->track(request);
}

} // namespace keybrake
