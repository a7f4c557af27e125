// The console against a real keybraked holding 10,000 vault keys, measured the way a user meets
// it: the real Vault Keys page (model, filter proxy, table view and its delegates) in a real main
// window, offscreen. Prints; asserts nothing.
//
//   bench_console [--keys N] [--rounds R]
//
// Reports: time to the first rows on screen; loading every key as the view scrolls; a full
// refresh of the loaded window with nothing changed and with revocations and new keys; UI-thread
// CPU per refresh; resident memory per loaded key; sorting and searching the loaded rows; and the
// worst event-loop stall during refreshes (its own, and as the wall clock saw it on this shared
// machine).
#include "client/keybrakeclient.h"
#include "lagwatchdog.h"
#include "models/connectionmonitor.h"
#include "models/consolesession.h"
#include "models/vaultkeyfilterproxymodel.h"
#include "models/vaultkeytablemodel.h"
#include "resources/keybrakeresources.h"
#include "ui/mainwindow.h"
#include "ui/vaultkeyspage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QProcess>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <sys/resource.h>

using namespace keybrake;
using Model = VaultKeyTableModel;

namespace {

qint64 residentKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    const QRegularExpression rss(QStringLiteral("VmRSS:\\s+(\\d+) kB"));
    const auto match = rss.match(QString::fromLatin1(status.readAll()));
    return match.hasMatch() ? match.captured(1).toLongLong() : 0;
}

double threadCpuMs()
{
    rusage usage {};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_utime.tv_sec * 1e3 + usage.ru_utime.tv_usec / 1e3 + usage.ru_stime.tv_sec * 1e3
        + usage.ru_stime.tv_usec / 1e3;
}

void line(const char *what, const QString &value)
{
    std::printf("  %-52s %s\n", what, qPrintable(value));
    std::fflush(stdout);
}

QString ms(double value)
{
    return QStringLiteral("%1 ms").arg(value, 0, 'f', 1);
}

struct Server
{
    QTemporaryDir dir;
    QProcess process;
    QUrl url;
    QString adminKey;

    bool start()
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("KEYBRAKE_LOG_LEVEL"), QStringLiteral("warn"));
        process.setProcessEnvironment(environment);
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral(KEYBRAKED_PATH),
                      {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                       QStringLiteral("--store"),
                       QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("bench.db"))});
        QByteArray seen;
        const QRegularExpression listening(QStringLiteral("keybraked listening on (http://\\S+)"));
        const QRegularExpression key(QStringLiteral("bootstrap admin key: (kb_[A-Za-z0-9]+)"));
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 15000 && !url.isValid()) {
            process.waitForReadyRead(200);
            seen += process.readAll();
            if (const auto m = listening.match(QString::fromUtf8(seen)); m.hasMatch())
                url = QUrl(m.captured(1));
        }
        if (const auto m = key.match(QString::fromUtf8(seen)); m.hasMatch())
            adminKey = m.captured(1);
        return url.isValid() && !adminKey.isEmpty();
    }

    ~Server()
    {
        process.terminate();
        process.waitForFinished(10000);
    }
};

// Issues `count` keys through the admin API, `parallel` at a time.
bool seed(client::KeybrakeClient &client, int count, int parallel)
{
    int issued = 0;
    int started = 0;
    int failed = 0;
    QObject context;
    std::function<void()> next = [&] {
        if (started >= count)
            return;
        const int n = started++;
        client::IssueKeyRequest request;
        request.vendor = n % 5 == 0 ? QStringLiteral("resend") : QStringLiteral("stripe");
        request.dailyUsdCap = Usd::fromDollars(10 + n % 190);
        request.allowedEndpoints = {n % 5 == 0 ? QStringLiteral("emails.send")
                                               : QStringLiteral("charges.create")};
        request.expiresIn = std::chrono::hours(24);
        request.agentRunLabel = QStringLiteral("bench/run-%1/msg-%2").arg(n / 100).arg(n);
        request.name = QStringLiteral("bench key %1").arg(n);
        client.issueKey(request, &context, [&](const client::Result<client::IssuedKey> &r) {
            ++issued;
            if (!r)
                ++failed;
            next();
        });
    };
    for (int i = 0; i < parallel; ++i)
        next();
    if (!QTest::qWaitFor([&] { return issued >= count; }, 600000))
        return false;
    return failed == 0;
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM",
            qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        qputenv("QT_LOGGING_RULES", "qt.qpa.*=false;keybrake.*.info=false");
    QApplication app(argc, argv);
    installTranslations();
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("keys"), QStringLiteral("Keys to load (10000)."),
                      QStringLiteral("N"), QStringLiteral("10000")});
    parser.addOption({QStringLiteral("rounds"), QStringLiteral("Refreshes to measure (5)."),
                      QStringLiteral("R"), QStringLiteral("5")});
    parser.process(app);
    const int keys = parser.value(QStringLiteral("keys")).toInt();
    const int rounds = parser.value(QStringLiteral("rounds")).toInt();

    Server server;
    if (!server.start()) {
        std::fprintf(stderr, "keybraked did not start\n");
        return 1;
    }
    std::printf("Keybrake Console with %d vault keys (keybraked %s, SQLite)\n", keys,
                qPrintable(server.url.toString()));

    client::KeybrakeClient seeder;
    seeder.setBaseUrl(server.url);
    seeder.setAdminKey(server.adminKey);
    QElapsedTimer clock;
    clock.start();
    if (!seed(seeder, keys, 12)) {
        std::fprintf(stderr, "seeding failed\n");
        return 1;
    }
    std::printf("\nseeding\n");
    line("issued through POST /v1/keys (12 in flight)",
         QStringLiteral("%1 s, %2 keys/s")
             .arg(clock.elapsed() / 1000.0, 0, 'f', 1)
             .arg(keys * 1000.0 / std::max<qint64>(1, clock.elapsed()), 0, 'f', 0));

    const qint64 rssBefore = residentKiB();
    ConsoleSession session(
        ServerProfile::create(QStringLiteral("bench"), server.url, ServerEnvironment::Development),
        server.adminKey);
    // Refreshes are started by the benchmark, not by the heartbeat.
    session.monitor()->setPollInterval(std::chrono::hours(1));
    clock.restart();
    MainWindow window(&session);
    VaultKeysPage *page = window.vaultKeysPage();
    Model *model = page->model();
    QTableView *table = page->table();
    session.start();
    window.show();
    std::optional<qint64> firstPaint;
    QObject paintWatch;
    struct PaintFilter : QObject
    {
        std::function<void()> onPaint;
        bool eventFilter(QObject *, QEvent *event) override
        {
            if (event->type() == QEvent::Paint && onPaint)
                onPaint();
            return false;
        }
    } filter;
    filter.onPaint = [&] {
        if (!firstPaint && model->rowCount() > 0)
            firstPaint = clock.elapsed();
    };
    table->viewport()->installEventFilter(&filter);
    (void)QTest::qWaitFor([&] { return model->rowCount() > 0; }, 60000);
    const qint64 firstRows = clock.elapsed();
    (void)QTest::qWaitFor([&] { return firstPaint.has_value(); }, 10000);
    std::printf("\nfirst sight\n");
    line("window shown to first rows in the model", ms(firstRows));
    line("window shown to first rows painted", ms(firstPaint.value_or(-1)));
    line("rows in the first page", QString::number(model->rowCount()));
    const qint64 rssFirstPage = residentKiB();

    // Scroll to the bottom until everything is loaded, as a user holding End would.
    LagWatchdog loadWatch;
    loadWatch.start();
    clock.restart();
    int pages = 1;
    while (model->rowCount() < keys) {
        const int before = model->rowCount();
        table->scrollToBottom();
        QCoreApplication::processEvents();
        if (model->canFetchMore({}))
            model->fetchMore({});
        if (!QTest::qWaitFor([&] { return model->rowCount() > before; }, 30000))
            break;
        ++pages;
    }
    const qint64 loadAll = clock.elapsed();
    loadWatch.pause();
    const qint64 rssAll = residentKiB();
    std::printf("\nscrolling through everything (pages of %d)\n", model->pageSize());
    line("keys loaded", QString::number(model->rowCount()));
    line("time to load them all", QStringLiteral("%1 in %2 pages").arg(ms(loadAll)).arg(pages));
    line("worst event-loop stall while loading (own / wall)",
         QStringLiteral("%1 ms / %2 ms")
             .arg(loadWatch.worstLagMs())
             .arg(loadWatch.worstWallLagMs()));
    std::printf("\nmemory (resident)\n");
    line("before the window", QStringLiteral("%1 MiB").arg(rssBefore / 1024.0, 0, 'f', 1));
    line("with the first page", QStringLiteral("%1 MiB").arg(rssFirstPage / 1024.0, 0, 'f', 1));
    line("with every key loaded", QStringLiteral("%1 MiB").arg(rssAll / 1024.0, 0, 'f', 1));
    line("per loaded key",
         QStringLiteral("%1 bytes")
             .arg((rssAll - rssFirstPage) * 1024.0 / std::max(1, model->rowCount() - 200), 0, 'f',
                  0));

    const auto refresh = [&](const char *label, LagWatchdog &watch) {
        QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(model, &QAbstractItemModel::modelReset);
        QSignalSpy refreshed(model, &Model::refreshed);
        const double cpu0 = threadCpuMs();
        QElapsedTimer wall;
        wall.start();
        watch.resume();
        model->refresh();
        (void)refreshed.wait(120000);
        watch.pause();
        const double elapsed = wall.nsecsElapsed() / 1e6;
        const double cpu = threadCpuMs() - cpu0;
        line(label,
             QStringLiteral("%1 wall, %2 UI-thread CPU; signals: %3 dataChanged, %4 "
                            "inserts, %5 removes, %6 resets")
                 .arg(ms(elapsed), ms(cpu))
                 .arg(changed.size())
                 .arg(inserted.size())
                 .arg(removed.size())
                 .arg(reset.size()));
        return elapsed;
    };

    // Select a row in the middle and scroll there: both must survive every refresh.
    const QModelIndex middle = page->proxy()->index(keys / 2, 0);
    table->selectionModel()->select(
        middle, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    table->scrollTo(middle, QAbstractItemView::PositionAtCenter);
    const QString selectedKey = middle.data(Model::KeyIdRole).toString();
    const int scroll = table->verticalScrollBar()->value();

    std::printf("\nfull refresh of the loaded window (%d keys, pages of up to 1000)\n",
                model->rowCount());
    LagWatchdog refreshWatch;
    refreshWatch.start();
    refreshWatch.pause();
    QList<double> quiet;
    for (int round = 0; round < rounds; ++round)
        quiet.append(refresh("nothing changed", refreshWatch));
    // Changes: 100 keys revoked and 50 new ones since the last refresh.
    QStringList toRevoke;
    for (int row = 100; row < 200; ++row)
        toRevoke.append(model->keyAt(row)->keyId);
    bool revokedAll = false;
    seeder.revokeKeys(client::BulkRevokeRequest::byIds(toRevoke), &window,
                      [&](const client::Result<client::BulkRevokeResult> &) { revokedAll = true; });
    (void)QTest::qWaitFor([&] { return revokedAll; }, 30000);
    (void)seed(seeder, 50, 6);
    refresh("100 revoked, 50 issued since the last one", refreshWatch);
    for (int round = 0; round < rounds; ++round)
        quiet.append(refresh("nothing changed", refreshWatch));
    std::sort(quiet.begin(), quiet.end());
    line("median of the unchanged refreshes", ms(quiet.at(quiet.size() / 2)));
    line("worst event-loop stall during refreshes (own / wall)",
         QStringLiteral("%1 ms / %2 ms (p99 %3 ms over %4 samples)")
             .arg(refreshWatch.worstLagMs())
             .arg(refreshWatch.worstWallLagMs())
             .arg(refreshWatch.percentileLagMs(0.99))
             .arg(refreshWatch.samples()));
    const QModelIndexList selected = table->selectionModel()->selectedRows();
    line("selection after the refreshes",
         selected.size() == 1 && selected.first().data(Model::KeyIdRole).toString() == selectedKey
             ? QStringLiteral("kept")
             : QStringLiteral("LOST"));
    line(
        "scroll position after the refreshes",
        table->verticalScrollBar()->value() == scroll
            ? QStringLiteral("kept")
            : QStringLiteral("moved %1 → %2").arg(scroll).arg(table->verticalScrollBar()->value()));

    std::printf("\nworking with %d loaded rows\n", model->rowCount());
    LagWatchdog interactWatch;
    interactWatch.start();
    clock.restart();
    table->sortByColumn(Model::SpentTodayColumn, Qt::DescendingOrder);
    QCoreApplication::processEvents();
    line("sort by spend (raw micro-dollars)", ms(clock.nsecsElapsed() / 1e6));
    clock.restart();
    table->sortByColumn(Model::NameColumn, Qt::AscendingOrder);
    QCoreApplication::processEvents();
    line("sort by name (locale collation)", ms(clock.nsecsElapsed() / 1e6));
    clock.restart();
    page->proxy()->setSearchText(QStringLiteral("run-7/"));
    QCoreApplication::processEvents();
    line("search over the loaded rows",
         QStringLiteral("%1, %2 matches")
             .arg(ms(clock.nsecsElapsed() / 1e6))
             .arg(page->proxy()->rowCount()));
    page->proxy()->setSearchText({});
    interactWatch.pause();
    return 0;
}
