// The private PostgreSQL server the postgres suites run against: it starts as an unprivileged
// user in a temporary directory, listens on loopback only with its socket in that directory,
// asks for the password over TCP, keeps its data across a restart, and leaves nothing behind.

#include "postgrescluster.h"

#include <QTest>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace keybrake::testing;
namespace fs = std::filesystem;

class TestPostgresCluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startsAsAnUnprivilegedUserOnLoopbackOnly();
    void tcpNeedsThePassword();
    void restartKeepsTheData();
    void databasesAreSeparate();
    void stopsAndLeavesNothingBehind();
    void diesWithItsTest();
};

void TestPostgresCluster::startsAsAnUnprivilegedUserOnLoopbackOnly()
{
    PostgresCluster cluster;
    QCOMPARE(cluster.query("SELECT 1"), std::string("1"));
    QCOMPARE(cluster.query("SHOW listen_addresses"), std::string("127.0.0.1"));
    QCOMPARE(cluster.query("SHOW port"), std::to_string(cluster.port()));
    QCOMPARE(cluster.query("SHOW unix_socket_directories"), cluster.directory());
    QVERIFY(fs::exists(cluster.directory() + "/.s.PGSQL." + std::to_string(cluster.port())));

    // The server's files (and so the server) belong to an unprivileged user, never root.
    struct stat data
    {
    };
    QCOMPARE(::stat((cluster.directory() + "/data").c_str(), &data), 0);
    QVERIFY(data.st_uid != 0);
    QCOMPARE(data.st_mode & 0777, mode_t(0700));
    const std::string dataDirectory = cluster.query("SHOW data_directory");
    QCOMPARE(fs::canonical(dataDirectory), fs::canonical(cluster.directory() + "/data"));
}

void TestPostgresCluster::tcpNeedsThePassword()
{
    PostgresCluster cluster;
    // Over TCP, as a client of the server would connect, with and without the password.
    const auto psql = [&](const std::string &url) {
        const std::string command = cluster.tool("psql")
            + " --no-psqlrc --no-align --tuples-only --command='SELECT 42' '" + url + "' 2>&1";
        std::string output;
        FILE *pipe = ::popen(command.c_str(), "r");
        if (!pipe)
            throw std::runtime_error("popen failed");
        char buffer[512];
        while (std::fgets(buffer, sizeof buffer, pipe))
            output += buffer;
        const int status = ::pclose(pipe);
        return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, output);
    };
    const auto good = psql(cluster.url());
    QCOMPARE(good.first, 0);
    QCOMPARE(good.second, std::string("42\n"));

    std::string wrong = cluster.url();
    wrong.replace(wrong.find(cluster.password()), cluster.password().size(), "not-the-password");
    const auto refused = psql(wrong);
    QVERIFY(refused.first != 0);
    QVERIFY2(refused.second.find("password authentication failed") != std::string::npos,
             refused.second.c_str());
}

void TestPostgresCluster::restartKeepsTheData()
{
    PostgresCluster cluster;
    cluster.query("CREATE TABLE t (x int); INSERT INTO t VALUES (7)");
    const pid_t before = cluster.pid();
    cluster.stop();
    QVERIFY(!cluster.running());
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, cluster.query("SELECT 1"));
    cluster.start();
    QVERIFY(cluster.pid() != before);
    QCOMPARE(cluster.query("SELECT x FROM t"), std::string("7"));
}

void TestPostgresCluster::databasesAreSeparate()
{
    PostgresCluster cluster;
    const std::string url = cluster.createDatabase("contract_a");
    QCOMPARE(url, cluster.url("contract_a"));
    cluster.createDatabase("contract_b");
    cluster.query("CREATE TABLE only_in_a (x int)", "contract_a");
    QCOMPARE(
        cluster.query("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'", "contract_b"),
        std::string("0"));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, cluster.query("SELECT bad syntax here"));
}

void TestPostgresCluster::stopsAndLeavesNothingBehind()
{
    std::string directory;
    pid_t pid = 0;
    {
        PostgresCluster cluster;
        directory = cluster.directory();
        pid = cluster.pid();
        QVERIFY(fs::exists(directory));
        QCOMPARE(::kill(pid, 0), 0);
    }
    QVERIFY(!fs::exists(directory));
    QCOMPARE(::kill(pid, 0), -1); // reaped, gone
}

namespace {

// Exited and reaped, or a zombie that only waits for its new parent to reap it.
bool processGone(pid_t pid)
{
    if (::kill(pid, 0) != 0)
        return true;
    std::FILE *stat = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!stat)
        return true;
    char state = '?';
    const int read = std::fscanf(stat, "%*d %*s %c", &state);
    std::fclose(stat);
    return read == 1 && state == 'Z';
}

} // namespace

void TestPostgresCluster::diesWithItsTest()
{
    // A test process that dies without its destructors (a crash, a timeout's kill): the server
    // must not outlive it.
    int pipeFds[2];
    QCOMPARE(::pipe(pipeFds), 0);
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        ::close(pipeFds[0]);
        try {
            auto *cluster = new PostgresCluster; // never deleted: the process is killed
            const pid_t server = cluster->pid();
            char directory[256] = {};
            cluster->directory().copy(directory, sizeof directory - 1);
            if (::write(pipeFds[1], &server, sizeof server) != sizeof server
                || ::write(pipeFds[1], directory, sizeof directory) != sizeof directory)
                ::_exit(2);
        } catch (...) {
            ::_exit(3);
        }
        ::pause();
        ::_exit(0);
    }
    ::close(pipeFds[1]);
    pid_t server = 0;
    char directory[256] = {};
    const ssize_t n = ::read(pipeFds[0], &server, sizeof server);
    const ssize_t m = ::read(pipeFds[0], directory, sizeof directory);
    ::close(pipeFds[0]);
    QCOMPARE(n, ssize_t(sizeof server));
    QCOMPARE(m, ssize_t(sizeof directory));
    QVERIFY(!processGone(server));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    // The server was the dead test's child; it shuts down fast on its own.
    bool gone = false;
    for (int i = 0; i < 300 && !gone; ++i) {
        gone = processGone(server);
        if (!gone)
            QTest::qSleep(100);
    }
    std::error_code ignored;
    fs::remove_all(directory, ignored);
    QVERIFY2(gone, "the server outlived its test by 30 s");
}

QTEST_APPLESS_MAIN(TestPostgresCluster)
#include "tst_postgrescluster.moc"
