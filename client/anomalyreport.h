#pragma once

#include "usd.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace keybrake::client {

// One row of GET /v1/reports/anomalies. `kind` says which members are filled:
// - run_spend_rate, run_call_rate, key_spend_rate, key_call_rate: a run's or key's spend
//   (valueUsd, peerMedianUsd) or calls (value, peerMedian) far above its peers' median;
// - key_near_cap, key_capped: a key at 80 % / 100 % of its cap today;
// - denial_burst: a run refused many times for one reason within minutes.
// `reason` is the server's own sentence; the numbers behind it travel beside it.
struct Anomaly
{
    QString kind;
    QString reason;
    QString label;
    QString labelPrefix;
    QString period; // "15m", "today", "60m"
    QString keyId; // key rows
    QString keyName;
    QString vendor;
    QString metric; // rate rows: "spend_usd" or "calls"
    std::optional<Usd> valueUsd;
    std::optional<Usd> peerMedianUsd;
    std::optional<qint64> value;
    std::optional<qint64> peerMedian;
    std::optional<qint64> peers;
    std::optional<double> ratio; // a ratio, not money; null when the median is 0
    std::optional<Usd> spentTodayUsd; // cap rows
    std::optional<Usd> heldUsd;
    std::optional<Usd> dailyUsdCap;
    std::optional<double> utilisation; // 0.9 = 90 %
    QString denialReason; // burst rows
    std::optional<qint64> count; // the most denials in any burst window
    std::optional<qint64> total; // in the whole lookback
    QDateTime firstAt;
    QDateTime lastAt;

    bool isKeyRow() const { return !keyId.isEmpty(); }
    friend bool operator==(const Anomaly &, const Anomaly &) = default;
};

// The numbers the server used to flag anomalies.
struct AnomalyThresholds
{
    double peerRatio = 0;
    qint64 minPeers = 0;
    qint64 recentWindowMinutes = 0;
    Usd recentSpendFloorUsd;
    qint64 recentCallsFloor = 0;
    Usd todaySpendFloorUsd;
    qint64 todayCallsFloor = 0;
    double capUtilisation = 0;
    qint64 burstDenials = 0;
    qint64 burstWindowMinutes = 0;
    qint64 burstLookbackMinutes = 0;
    friend bool operator==(const AnomalyThresholds &, const AnomalyThresholds &) = default;
};

// GET /v1/reports/anomalies (report 4): caps (fullest first), bursts, then rates.
struct AnomalyReport
{
    QList<Anomaly> data;
    AnomalyThresholds thresholds;
    QDateTime asOf;
    QDateTime since;
    QDateTime until;
    QDateTime windowStart;
    QDateTime resetsAt;
    QString spendTimezone;
    friend bool operator==(const AnomalyReport &, const AnomalyReport &) = default;
};

} // namespace keybrake::client
