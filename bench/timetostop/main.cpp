// bench_timetostop: time to stop a runaway whose issuer keeps minting keys, measured with the real
// console, keybraked, keybrake-sim vendors and keybrake-sim agents (tests/e2e/stopdrill.h), for
//   block     Stop runs with the block on, clicked through the kill switch (3 clicks);
//   velocity  a velocity default on the agent's prefix set beforehand (no click).
// Each run starts everything afresh; the medians are printed at the end, every run as JSON.
//
//   bench_timetostop [--runs N] [--watch S] [--brake block|velocity|both] [--limit CALLS/MIN]
//                    [--click-delay MS]
// --click-delay waits that long before each of the kill switch's clicks (a person's pace);
// without it the clicks follow each other as fast as the dialog answers.
#include "resources/keybrakeresources.h"
#include "stopdrill.h"

#include <QApplication>
#include <QJsonDocument>
#include <QStandardPaths>

#include <algorithm>
#include <cstdio>

using keybrake::test::StopDrill;

namespace {

double median(QList<double> values)
{
    if (values.isEmpty())
        return -1;
    std::sort(values.begin(), values.end());
    const qsizetype n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void print(const QString &line)
{
    std::fputs(qPrintable(line + u'\n'), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("KEYBRAKED"))
        qputenv("KEYBRAKED", KEYBRAKED_PATH);
    if (qEnvironmentVariableIsEmpty("KEYBRAKE_SIM"))
        qputenv("KEYBRAKE_SIM", KEYBRAKE_SIM_PATH);
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    keybrake::installTranslations();

    int runs = 5;
    int watch = 60;
    int limit = 6;
    int clickDelay = 0;
    QString brakes = QStringLiteral("both");
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == u"--runs")
            runs = args[i + 1].toInt();
        else if (args[i] == u"--watch")
            watch = args[i + 1].toInt();
        else if (args[i] == u"--brake")
            brakes = args[i + 1];
        else if (args[i] == u"--limit")
            limit = args[i + 1].toInt();
        else if (args[i] == u"--click-delay")
            clickDelay = args[i + 1].toInt();
        else {
            print(QStringLiteral("unknown option %1").arg(args[i]));
            return 2;
        }
    }

    QList<StopDrill::Brake> which;
    if (brakes != u"velocity")
        which << StopDrill::Brake::Block;
    if (brakes != u"block")
        which << StopDrill::Brake::Velocity;
    for (const StopDrill::Brake brake : std::as_const(which)) {
        const QString name = brake == StopDrill::Brake::Block
            ? QStringLiteral("Stop runs with a block, %1 ms before each click").arg(clickDelay)
            : QStringLiteral("velocity default %1 calls/min, no click").arg(limit);
        QList<double> toStop, admittedAfter, spentAfter, admittedWatch, flagAfter, brakeAfter;
        int clicks = 0;
        int stopped = 0;
        for (int run = 1; run <= runs; ++run) {
            StopDrill::Options options;
            options.brake = brake;
            options.watchSeconds = watch;
            options.velocityCallsPerMinute = limit;
            options.clickDelayMs = clickDelay;
            options.seed = quint64(run);
            const StopDrill::Result r = StopDrill::run(options);
            print(QStringLiteral("%1 run %2: %3")
                      .arg(name)
                      .arg(run)
                      .arg(QString::fromUtf8(
                          QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact))));
            if (!r.ok())
                continue;
            clicks = r.clicks;
            flagAfter << r.toJson().value(u"flag_after_start_ms").toDouble();
            brakeAfter << double(r.flaggedAt.msecsTo(r.brakeAt));
            admittedAfter << double(r.admittedAfterFlag);
            spentAfter << double(r.spentAfterFlagMicros) / 1e6;
            admittedWatch << double(r.admittedDuringWatch);
            // Stopped: nothing admitted in the watch's second half.
            const bool quiet = !r.lastAdmittedAt.isValid()
                || r.lastAdmittedAt
                    < r.watchStartedAt.addMSecs(r.watchStartedAt.msecsTo(r.watchEndedAt) / 2);
            if (quiet) {
                ++stopped;
                toStop << double(std::max<qint64>(r.timeToStopMs(), 0));
            }
        }
        QStringList each;
        for (double v : std::as_const(toStop))
            each << QString::number(v);
        print(QStringLiteral("== %1: %2 runs, %3 clicks; flagged %4 ms after the agent's start; "
                             "last click %5 ms after the flag; stopped in %6 of %2 runs; time to "
                             "stop (flag to last admitted call) %7 ms [%8]; admitted after the "
                             "flag %9 calls, $%10; admitted during the %11 s watch %12 (medians)")
                  .arg(name)
                  .arg(admittedAfter.size())
                  .arg(clicks)
                  .arg(median(flagAfter))
                  .arg(median(brakeAfter))
                  .arg(stopped)
                  .arg(toStop.isEmpty() ? QStringLiteral("never") : QString::number(median(toStop)))
                  .arg(each.join(QStringLiteral(", ")))
                  .arg(median(admittedAfter))
                  .arg(median(spentAfter), 0, 'f', 2)
                  .arg(watch)
                  .arg(median(admittedWatch)));
    }
    return 0;
}
