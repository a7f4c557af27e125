#pragma once

#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QUrl>

namespace keybrake {

// One child process of the demo (keybrake-sim vendors, keybraked, keybrake-sim agents, or a
// one-shot `keybraked admin-keys create`), run without the UI thread ever waiting on it: its
// output is drained as it arrives (a full pipe would stall the child), the URL of its
// "... listening on http://HOST:PORT" line is announced, and the last lines of its standard error
// are kept for the message when it fails.
//
// On Linux the child is tied to this process with PR_SET_PDEATHSIG, so it is signalled even when
// the console dies without a chance to stop it (SIGKILL, a crash). The signal is sent when the
// thread that started the child ends, so start() must run on a thread that lives as long as the
// process: the GUI thread.
class DemoProcess : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoProcess)

public:
    // `displayName` names the child in messages: "keybraked", "keybrake-sim vendors".
    explicit DemoProcess(const QString &displayName, QObject *parent = nullptr);
    ~DemoProcess() override;

    // What the child gets when the console dies: SIGTERM for one that has something to finish
    // (keybraked closes its store), SIGKILL for one that has not. 0: nothing (other platforms).
    void setParentDeathSignal(int signalNumber) { m_deathSignal = signalNumber; }
    // Standard-output lines starting with `prefix` carry the listening URL after it.
    void setListeningPrefix(const QByteArray &prefix) { m_listeningPrefix = prefix; }
    // A one-shot child: ending with exit code 0 is success, not a failure, and its standard
    // output is kept (up to 64 KiB) for standardOutput() instead of being dropped.
    void setOneShot(bool oneShot) { m_oneShot = oneShot; }

    void start(const QString &program, const QStringList &arguments,
               const QProcessEnvironment &environment);
    // SIGTERM now, SIGKILL after `killAfterMs` if it is still running; finished() follows.
    void stop(int killAfterMs);

    QString displayName() const { return m_displayName; }
    qint64 processId() const;
    bool isRunning() const;
    QUrl listeningUrl() const { return m_listeningUrl; }
    QByteArray standardOutput() const { return m_standardOutput; }
    // The last lines the child wrote to standard error, oldest first.
    QStringList lastErrorLines() const { return m_errorLines; }

Q_SIGNALS:
    void listening(const QUrl &url);
    // It could not start, or it ended without being asked to (a one-shot child: with an error).
    // `why` is a sentence for people; the details are in lastErrorLines().
    void failed(const QString &why);
    // It ended, for whatever reason (after failed() when that is why). Emitted once.
    void finished();

private:
    void readStandardOutput();
    void readStandardError();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void finish();

    QString m_displayName;
    QProcess *m_process;
    int m_deathSignal = 0;
    QByteArray m_listeningPrefix;
    bool m_oneShot = false;
    bool m_stopRequested = false;
    bool m_finished = false;
    QByteArray m_outputLine;
    QByteArray m_errorLine;
    QByteArray m_standardOutput;
    QStringList m_errorLines;
    QUrl m_listeningUrl;
};

} // namespace keybrake
