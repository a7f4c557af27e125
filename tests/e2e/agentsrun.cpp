#include "agentsrun.h"

#include "testserver.h"

#include <QFile>
#include <QJsonDocument>
#include <QProcessEnvironment>

namespace keybrake::test {

AgentsRun::AgentsRun(TestServer &server, const QStringList &args, const QString &adminKey)
{
    m_summaryPath = m_dir.filePath(QStringLiteral("summary.json"));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("KEYBRAKE_API_KEY"),
                       adminKey.isEmpty() ? server.adminKey() : adminKey);
    m_process.setProcessEnvironment(environment);
    m_process.setProgram(qEnvironmentVariable("KEYBRAKE_SIM"));
    m_process.setArguments(QStringList {QStringLiteral("agents")} + args
                           + QStringList {QStringLiteral("--server"), server.baseUrl().toString(),
                                          QStringLiteral("--summary-json"), m_summaryPath});
}

AgentsRun::~AgentsRun()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool AgentsRun::start()
{
    m_process.start();
    return m_process.waitForStarted(10'000);
}

bool AgentsRun::waitForExit(int timeoutMs)
{
    const bool exited = m_process.waitForFinished(timeoutMs);
    m_stdout += m_process.readAllStandardOutput();
    m_stderr += m_process.readAllStandardError();
    return exited;
}

void AgentsRun::terminate()
{
    m_process.terminate();
}

QJsonObject AgentsRun::summary() const
{
    QFile file(m_summaryPath);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

QString AgentsRun::describe() const
{
    return QStringLiteral("exit %1 (%2)\n--- stdout\n%3\n--- stderr\n%4")
        .arg(m_process.exitCode())
        .arg(m_process.exitStatus() == QProcess::NormalExit ? QStringLiteral("normal")
                                                            : QStringLiteral("crashed"))
        .arg(QString::fromUtf8(m_stdout.right(4000)), QString::fromUtf8(m_stderr.right(4000)));
}

} // namespace keybrake::test
