#include "app/demoprocess.h"

#include <QTimer>

#if defined(Q_OS_LINUX)
#include <sys/prctl.h>
#include <unistd.h>
#endif

namespace keybrake {

namespace {

constexpr int kKeptErrorLines = 12;
constexpr int kMaxLineLength = 400;
constexpr qsizetype kMaxStandardOutput = 64 * 1024;

} // namespace

DemoProcess::DemoProcess(const QString &displayName, QObject *parent)
    : QObject(parent)
    , m_displayName(displayName)
    , m_process(new QProcess(this))
{
    connect(m_process, &QProcess::readyReadStandardOutput, this, &DemoProcess::readStandardOutput);
    connect(m_process, &QProcess::readyReadStandardError, this, &DemoProcess::readStandardError);
    connect(m_process, &QProcess::finished, this, &DemoProcess::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &DemoProcess::onErrorOccurred);
}

DemoProcess::~DemoProcess()
{
    // QProcess's destructor kills and reaps a child still running; disconnect first so that
    // does not call back into a half-destroyed object.
    m_process->disconnect(this);
}

void DemoProcess::start(const QString &program, const QStringList &arguments,
                        const QProcessEnvironment &environment)
{
    m_process->setProgram(program);
    m_process->setArguments(arguments);
    m_process->setProcessEnvironment(environment);
    m_process->setStandardInputFile(QProcess::nullDevice());
#if defined(Q_OS_LINUX)
    if (m_deathSignal != 0) {
        const int deathSignal = m_deathSignal;
        const pid_t parent = ::getpid();
        // Runs in the child between fork and exec: only async-signal-safe calls. If the console
        // died before prctl took effect, the child has already been handed to another parent
        // and would never get the signal, so it leaves at once.
        m_process->setChildProcessModifier([deathSignal, parent] {
            ::prctl(PR_SET_PDEATHSIG, deathSignal);
            if (::getppid() != parent)
                ::_exit(1);
        });
    }
#endif
    m_process->start(QIODevice::ReadOnly);
}

void DemoProcess::stop(int killAfterMs)
{
    if (m_finished || m_process->state() == QProcess::NotRunning)
        return;
    m_stopRequested = true;
    m_process->terminate();
    QTimer::singleShot(killAfterMs, this, [this] {
        if (m_process->state() != QProcess::NotRunning)
            m_process->kill();
    });
}

qint64 DemoProcess::processId() const
{
    return m_process->processId();
}

bool DemoProcess::isRunning() const
{
    return m_process->state() != QProcess::NotRunning;
}

void DemoProcess::readStandardOutput()
{
    const QByteArray bytes = m_process->readAllStandardOutput();
    if (m_oneShot && m_standardOutput.size() < kMaxStandardOutput)
        m_standardOutput.append(bytes.left(kMaxStandardOutput - m_standardOutput.size()));
    if (m_listeningPrefix.isEmpty() || m_listeningUrl.isValid())
        return;
    m_outputLine.append(bytes);
    qsizetype end;
    while ((end = m_outputLine.indexOf('\n')) >= 0) {
        const QByteArray line = m_outputLine.left(end).trimmed();
        m_outputLine.remove(0, end + 1);
        if (!line.startsWith(m_listeningPrefix))
            continue;
        const QUrl url(QString::fromUtf8(line.mid(m_listeningPrefix.size()).trimmed()));
        if (url.isValid() && url.port() > 0) {
            m_listeningUrl = url;
            m_outputLine.clear();
            Q_EMIT listening(url);
            return;
        }
    }
    // Nothing but a listening line is wanted from a long-lived child: keep memory bounded.
    if (m_outputLine.size() > kMaxLineLength * 4)
        m_outputLine.clear();
}

void DemoProcess::readStandardError()
{
    m_errorLine.append(m_process->readAllStandardError());
    qsizetype end;
    while ((end = m_errorLine.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_errorLine.left(end)).trimmed();
        m_errorLine.remove(0, end + 1);
        if (line.isEmpty())
            continue;
        m_errorLines.append(line.left(kMaxLineLength));
        while (m_errorLines.size() > kKeptErrorLines)
            m_errorLines.removeFirst();
    }
    if (m_errorLine.size() > kMaxLineLength)
        m_errorLine = m_errorLine.right(kMaxLineLength);
}

void DemoProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    readStandardOutput();
    readStandardError();
    if (const QString rest = QString::fromUtf8(m_errorLine).trimmed(); !rest.isEmpty()) {
        m_errorLines.append(rest.left(kMaxLineLength));
        m_errorLine.clear();
    }
    if (!m_stopRequested) {
        if (status == QProcess::CrashExit)
            Q_EMIT failed(tr("%1 stopped unexpectedly (killed by a signal).").arg(m_displayName));
        else if (exitCode != 0)
            Q_EMIT failed(
                tr("%1 stopped unexpectedly (exit code %2).").arg(m_displayName).arg(exitCode));
        else if (!m_oneShot)
            Q_EMIT failed(tr("%1 stopped unexpectedly.").arg(m_displayName));
    }
    finish();
}

void DemoProcess::onErrorOccurred(QProcess::ProcessError error)
{
    // Every other error is followed by finished(); a child that never started is not.
    if (error != QProcess::FailedToStart)
        return;
    Q_EMIT failed(tr("%1 could not be started (%2): %3")
                      .arg(m_displayName, m_process->program(), m_process->errorString()));
    finish();
}

void DemoProcess::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished();
}

} // namespace keybrake
