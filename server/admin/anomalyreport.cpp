#include "admin/anomalyreport.h"

#include "admin/wirejson.h"

#include <algorithm>
#include <deque>
#include <map>

namespace keybrake {

namespace json = boost::json;

namespace {

// The median of integer values (micro-dollars or call counts); the lower middle's and upper
// middle's mean, rounded down, for an even count.
std::int64_t median(std::vector<std::int64_t> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// "26.0×" from integers, for the sentence; the exact numbers travel beside it.
std::string times(std::int64_t value, std::int64_t base)
{
    if (base <= 0)
        return "infinitely many times";
    const std::int64_t tenths = value * 10 / base;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "×";
}

std::string periodText(std::string_view period)
{
    return period == "today" ? "today" : "in the last " + std::string(period);
}

struct Subject
{
    std::string label;
    std::string keyId; // empty for a run
    std::string vendor; // keys only
    std::int64_t spent = 0; // micro-dollars
    std::int64_t calls = 0;
};

} // namespace

json::object AnomalyThresholds::toJson() const
{
    json::object object;
    object["peer_ratio"] = ratio;
    object["min_peers"] = static_cast<std::int64_t>(minPeers);
    object["min_calls"] = minCalls;
    object["recent_window_minutes"] = recentWindow.count();
    object["recent_spend_floor_usd"] = usdJson(recentSpendFloor);
    object["recent_calls_floor"] = recentCallFloor;
    object["today_spend_floor_usd"] = usdJson(todaySpendFloor);
    object["today_calls_floor"] = todayCallFloor;
    object["cap_utilisation"] = static_cast<double>(capPermille) / 1000.0;
    object["burst_denials"] = burstDenials;
    object["burst_window_minutes"] = burstWindow.count();
    object["burst_lookback_minutes"] = burstLookback.count();
    return object;
}

json::array AnomalyReport::rows(const AnomalyInputs &inputs) const
{
    json::array out;
    caps(inputs.today, out);
    bursts(inputs.denials, out);
    rates(inputs.recent, std::to_string(m_thresholds.recentWindow.count()) + "m",
          m_thresholds.recentSpendFloor, m_thresholds.recentCallFloor, out);
    rates(inputs.today, "today", m_thresholds.todaySpendFloor, m_thresholds.todayCallFloor, out);
    return out;
}

void AnomalyReport::rates(const std::vector<KeyActivity> &keys, std::string_view period,
                          Usd spendFloor, std::int64_t callFloor, json::array &out) const
{
    // Runs are compared with the runs of their prefix; keys with the keys of their prefix and
    // vendor, since one Stripe charge costs what thousands of emails do.
    std::map<std::string, Subject> runs;
    std::map<std::string, std::vector<Subject>> keyGroups;
    for (const KeyActivity &key : keys) {
        Subject &run = runs[key.label];
        run.label = key.label;
        run.spent += key.totals.spent.micros();
        run.calls += key.totals.calls;
        keyGroups[labelPrefixOf(key.label) + '\n' + key.vendor].push_back(
            {key.label, key.keyId, key.vendor, key.totals.spent.micros(), key.totals.calls});
    }
    std::map<std::string, std::vector<Subject>> runGroups;
    for (auto &[label, run] : runs)
        runGroups[labelPrefixOf(label)].push_back(run);

    const auto check = [&](const std::vector<Subject> &group, bool isKey) {
        if (group.size() < m_thresholds.minPeers + 1)
            return;
        for (std::size_t i = 0; i < group.size(); ++i) {
            const Subject &subject = group[i];
            if (subject.calls < m_thresholds.minCalls)
                continue;
            for (const bool spend : {true, false}) {
                const std::int64_t value = spend ? subject.spent : subject.calls;
                if (spend ? value < spendFloor.micros() : value < callFloor)
                    continue;
                std::vector<std::int64_t> peers;
                for (std::size_t j = 0; j < group.size(); ++j) {
                    if (j != i)
                        peers.push_back(spend ? group[j].spent : group[j].calls);
                }
                const std::int64_t typical = median(std::move(peers));
                if (value <= typical * m_thresholds.ratio)
                    continue;
                const std::string prefix = labelPrefixOf(subject.label);
                const std::string what = isKey ? "Key " + subject.keyId + " of run " + subject.label
                                               : "Run " + subject.label;
                const std::string amount =
                    spend ? Usd::fromMicros(value).toDisplay() : std::to_string(value) + " calls";
                const std::string typicalText = spend ? Usd::fromMicros(typical).toDisplay()
                                                      : std::to_string(typical) + " calls";
                json::object row;
                row["kind"] =
                    std::string(isKey ? "key_" : "run_") + (spend ? "spend" : "call") + "_rate";
                row["reason"] = what + (spend ? " spent " : " made ") + amount + " "
                    + periodText(period) + ", " + times(value, typical) + " the median of its "
                    + std::to_string(group.size() - 1) + " peers under \"" + prefix + "\" ("
                    + typicalText + ").";
                row["label"] = subject.label;
                row["label_prefix"] = prefix;
                if (isKey) {
                    row["key_id"] = subject.keyId;
                    row["vendor"] = subject.vendor;
                }
                row["period"] = period;
                row["metric"] = spend ? "spend_usd" : "calls";
                if (spend) {
                    row["value_usd"] = usdJson(Usd::fromMicros(value));
                    row["peer_median_usd"] = usdJson(Usd::fromMicros(typical));
                } else {
                    row["value"] = value;
                    row["peer_median"] = typical;
                }
                row["peers"] = static_cast<std::int64_t>(group.size() - 1);
                row["calls"] = subject.calls;
                row["ratio"] = typical > 0 ? json::value(static_cast<double>(value) / typical)
                                           : json::value(nullptr);
                out.push_back(std::move(row));
            }
        }
    };
    for (const auto &[prefix, group] : runGroups)
        check(group, false);
    for (const auto &[prefixAndVendor, group] : keyGroups)
        check(group, true);
}

void AnomalyReport::caps(const std::vector<KeyActivity> &today, json::array &out) const
{
    std::vector<const KeyActivity *> found;
    for (const KeyActivity &key : today) {
        // A revoked or expired key can spend nothing more; its day is history, not a warning.
        const Usd used = key.totals.spent + key.totals.held;
        if (key.live && key.cap.micros() > 0
            && used.micros() * 1000 >= key.cap.micros() * m_thresholds.capPermille)
            found.push_back(&key);
    }
    // Fullest first.
    std::sort(found.begin(), found.end(), [](const KeyActivity *a, const KeyActivity *b) {
        const auto share = [](const KeyActivity *k) {
            return static_cast<long double>((k->totals.spent + k->totals.held).micros())
                / k->cap.micros();
        };
        return share(a) > share(b);
    });
    for (const KeyActivity *key : found) {
        const Usd used = key->totals.spent + key->totals.held;
        const bool capped = used >= key->cap;
        const std::int64_t percent = used.micros() * 100 / key->cap.micros();
        json::object row;
        row["kind"] = capped ? "key_capped" : "key_near_cap";
        row["reason"] = "Key " + key->keyId + " of run " + key->label + " has used "
            + used.toDisplay() + " of its " + key->cap.toDisplay() + " daily cap today ("
            + std::to_string(percent) + " %"
            + (key->totals.held.micros() > 0 ? ", " + key->totals.held.toDisplay() + " of it held"
                                             : std::string())
            + ")" + (capped ? "; further calls are refused until the window resets." : ".");
        row["label"] = key->label;
        row["label_prefix"] = labelPrefixOf(key->label);
        row["key_id"] = key->keyId;
        row["key_name"] = key->keyName;
        row["vendor"] = key->vendor;
        row["period"] = "today";
        row["spent_today_usd"] = usdJson(key->totals.spent);
        row["held_usd"] = usdJson(key->totals.held);
        row["daily_usd_cap"] = usdJson(key->cap);
        row["utilisation"] = static_cast<double>(used.micros()) / key->cap.micros();
        out.push_back(std::move(row));
    }
}

void AnomalyReport::bursts(const std::vector<DenialRow> &denials, json::array &out) const
{
    // Denials arrive oldest first; per run and reason, the busiest stretch of burstWindow.
    struct Burst
    {
        std::deque<TimePoint> window;
        std::int64_t total = 0;
        std::size_t most = 0;
        TimePoint mostFrom;
        TimePoint mostTo;
    };
    std::map<std::pair<std::string, std::string>, Burst> runs;
    for (const DenialRow &denial : denials) {
        Burst &burst = runs[{denial.label, denial.reason}];
        ++burst.total;
        burst.window.push_back(denial.ts);
        while (denial.ts - burst.window.front() >= m_thresholds.burstWindow)
            burst.window.pop_front();
        if (burst.window.size() > burst.most) {
            burst.most = burst.window.size();
            burst.mostFrom = burst.window.front();
            burst.mostTo = denial.ts;
        }
    }
    for (const auto &[key, burst] : runs) {
        if (static_cast<std::int64_t>(burst.most) < m_thresholds.burstDenials)
            continue;
        const auto &[label, reason] = key;
        json::object row;
        row["kind"] = "denial_burst";
        row["reason"] = "Run " + label + " was refused " + std::to_string(burst.most)
            + " times with " + reason + " within "
            + std::to_string(m_thresholds.burstWindow.count()) + " minutes ("
            + std::to_string(burst.total) + " in the last "
            + std::to_string(m_thresholds.burstLookback.count()) + " minutes).";
        row["label"] = label;
        row["label_prefix"] = labelPrefixOf(label);
        row["denial_reason"] = reason;
        row["period"] = std::to_string(m_thresholds.burstLookback.count()) + "m";
        row["count"] = static_cast<std::int64_t>(burst.most);
        row["total"] = burst.total;
        row["first_at"] = timeJson(burst.mostFrom);
        row["last_at"] = timeJson(burst.mostTo);
        out.push_back(std::move(row));
    }
}

} // namespace keybrake
