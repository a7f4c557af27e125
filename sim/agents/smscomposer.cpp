#include "agents/smscomposer.h"

#include <array>

namespace keybrake::agents {

namespace {

constexpr std::array kNames = {u"Ana",  u"Ben",  u"Chloé", u"Dmitri", u"Emma", u"Farid", u"Grace",
                               u"Hiro", u"Isla", u"Jonas", u"Keira",  u"Luis", u"Maya",  u"Noah"};
constexpr std::array kAreaCodes = {u"212", u"312", u"415", u"512", u"617",
                                   u"646", u"702", u"718", u"801", u"917"};
constexpr std::array kClinics = {u"Northside Dental", u"Harbor Physio", u"Maple Street Vet",
                                 u"Downtown Eye Care"};
constexpr std::array kCarriers = {u"UPS", u"FedEx", u"USPS", u"DHL"};

} // namespace

SmsComposer::SmsComposer(TrafficRandom &random)
    : m_random(random)
{
}

QString SmsComposer::name()
{
    // "Chloé" is GSM-7 (é is in the basic set); the accents that are not come below.
    return QString::fromUtf16(m_random.pick(kNames));
}

QString SmsComposer::phoneNumber()
{
    return QStringLiteral("+1%1555%2")
        .arg(QString::fromUtf16(m_random.pick(kAreaCodes)))
        .arg(m_random.between(100, 199), 4, 10, QLatin1Char('0'));
}

QString SmsComposer::message()
{
    const double kind = m_random.uniform();
    if (kind < 0.30) {
        return QStringLiteral("Your Acme verification code is %1. It expires in 10 minutes. "
                              "Never share this code.")
            .arg(m_random.digits(6));
    }
    if (kind < 0.55) {
        return QStringLiteral("Hi %1, this is a reminder of your appointment at %2 tomorrow at "
                              "%3:%4. Reply C to confirm or R to reschedule.")
            .arg(name(), QString::fromUtf16(m_random.pick(kClinics)))
            .arg(m_random.between(8, 17))
            .arg(m_random.between(0, 3) * 15, 2, 10, QLatin1Char('0'));
    }
    if (kind < 0.80) {
        // Two to four GSM-7 segments: the agent pastes in order details.
        QString text =
            QStringLiteral("Hi %1, your order #%2 has shipped with %3 (tracking %4). ")
                .arg(name(), m_random.digits(7), QString::fromUtf16(m_random.pick(kCarriers)),
                     QStringLiteral("1Z") + m_random.base62(16).toUpper());
        const int items = static_cast<int>(m_random.between(1, 6));
        for (int i = 0; i < items; ++i) {
            text += QStringLiteral("Item %1: %2 x SKU-%3 ($%4.%5). ")
                        .arg(i + 1)
                        .arg(m_random.between(1, 3))
                        .arg(m_random.digits(5))
                        .arg(m_random.between(5, 120))
                        .arg(m_random.digits(2));
        }
        text += QStringLiteral("Estimated delivery in %1 business days. Manage delivery "
                               "preferences at https://acme.example/track or reply STOP to opt "
                               "out.")
                    .arg(m_random.between(2, 5));
        return text;
    }
    if (kind < 0.92) {
        return QStringLiteral("🎉 %1, your order #%2 is on its way! 📦 Track it at "
                              "https://acme.example/t/%3 🚚")
            .arg(name(), m_random.digits(7), m_random.base62(8));
    }
    // Spanish with "á" and "ñ"... ñ is GSM-7 but á is not, so the message goes out as UCS-2.
    return QStringLiteral("Hola %1, tu cita en %2 está confirmada para mañana a las %3:00. "
                          "Responde C para confirmar o R para cambiarla. ¡Gracias!")
        .arg(name(), QString::fromUtf16(m_random.pick(kClinics)))
        .arg(m_random.between(8, 17));
}

} // namespace keybrake::agents
