#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <string>

namespace keybrake::test {

// The credentials every simulator in these tests accepts.
inline constexpr const char *kStripeKey = "sk_test_suite_4eC39HqLyjWDarjtT1zdp7dc";
inline constexpr const char *kTwilioSid = "AC5f1d2c3b4a59687766554433221100ff";
inline constexpr const char *kTwilioToken = "suite_twilio_auth_token_0123456789";
inline constexpr const char *kResendKey = "re_suite_123456789abcdef";

// The real keybrake-sim binary (path in $KEYBRAKE_SIM) running `vendors` on 127.0.0.1:0.
class SimProcess
{
public:
    explicit SimProcess(QStringList flags = {});
    ~SimProcess();
    SimProcess(const SimProcess &) = delete;
    SimProcess &operator=(const SimProcess &) = delete;

    // Starts it and waits for its "listening on" line; false with error() on failure.
    bool start();
    QString error() const { return m_error; }
    QUrl baseUrl() const { return m_baseUrl; }
    std::string baseUrlString() const { return m_baseUrl.toString().toStdString(); }
    QUrl url(const QString &pathAndQuery) const;
    quint16 port() const { return static_cast<quint16>(m_baseUrl.port()); }

private:
    QStringList m_flags;
    QProcess m_process;
    QUrl m_baseUrl;
    QString m_error;
};

} // namespace keybrake::test
