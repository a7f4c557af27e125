#include "simprocess.h"

#include <QProcessEnvironment>
#include <QRegularExpression>

namespace keybrake::test {

SimProcess::SimProcess(QStringList flags)
    : m_flags(std::move(flags))
{
}

SimProcess::~SimProcess()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool SimProcess::start()
{
    const QString program = qEnvironmentVariable("KEYBRAKE_SIM");
    if (program.isEmpty()) {
        m_error = QStringLiteral("KEYBRAKE_SIM is not set (run the test through ctest)");
        return false;
    }
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("KEYBRAKE_STRIPE_SECRET_KEY"),
                       QString::fromLatin1(kStripeKey));
    environment.insert(QStringLiteral("KEYBRAKE_TWILIO_ACCOUNT_SID"),
                       QString::fromLatin1(kTwilioSid));
    environment.insert(QStringLiteral("KEYBRAKE_TWILIO_AUTH_TOKEN"),
                       QString::fromLatin1(kTwilioToken));
    environment.insert(QStringLiteral("KEYBRAKE_RESEND_API_KEY"), QString::fromLatin1(kResendKey));
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(program,
                    QStringList {QStringLiteral("vendors"), QStringLiteral("--listen"),
                                 QStringLiteral("127.0.0.1:0")}
                        + m_flags);
    if (!m_process.waitForStarted(10000)) {
        m_error = QStringLiteral("cannot start %1: %2").arg(program, m_process.errorString());
        return false;
    }
    static const QRegularExpression listening(
        QStringLiteral("^keybrake-sim vendors listening on (http://\\S+)$"));
    while (m_process.state() == QProcess::Running) {
        while (m_process.canReadLine()) {
            const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
            if (const auto match = listening.match(line); match.hasMatch()) {
                m_baseUrl = QUrl(match.captured(1));
                return true;
            }
        }
        if (!m_process.waitForReadyRead(10000))
            break;
    }
    m_error = QStringLiteral("keybrake-sim did not report its address (exit code %1)")
                  .arg(m_process.exitCode());
    return false;
}

QUrl SimProcess::url(const QString &pathAndQuery) const
{
    return QUrl(m_baseUrl.toString() + pathAndQuery);
}

} // namespace keybrake::test
