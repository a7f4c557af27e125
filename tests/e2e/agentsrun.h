#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace keybrake::test {

class TestServer;

// `keybrake-sim agents ...` as a child process of a test, against a TestServer, with the
// server's bootstrap admin key in KEYBRAKE_API_KEY (or another key) and --summary-json pointed at
// a temporary file. The binary is $KEYBRAKE_SIM.
class AgentsRun
{
public:
    AgentsRun(TestServer &server, const QStringList &args, const QString &adminKey = {});
    ~AgentsRun();
    AgentsRun(const AgentsRun &) = delete;
    AgentsRun &operator=(const AgentsRun &) = delete;

    bool start();
    // Waits for the process to exit by itself (tests only: it blocks).
    bool waitForExit(int timeoutMs = 90'000);
    // SIGTERM, as the console does when it quits.
    void terminate();

    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    // The JSON summary written at exit; empty when there is none.
    QJsonObject summary() const;
    QByteArray standardOutput() const { return m_stdout; }
    QByteArray standardError() const { return m_stderr; }
    QString describe() const; // exit status and output, for failure messages

private:
    QProcess m_process;
    QTemporaryDir m_dir;
    QString m_summaryPath;
    QByteArray m_stdout;
    QByteArray m_stderr;
};

} // namespace keybrake::test
