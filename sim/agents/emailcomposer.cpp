#include "agents/emailcomposer.h"

#include <QJsonArray>

#include <array>

namespace keybrake::agents {

namespace {

constexpr std::array kFirst = {u"alex",    u"blair",  u"casey",  u"dana",   u"eli", u"frankie",
                               u"gabriel", u"harper", u"indigo", u"jordan", u"kai", u"logan"};
constexpr std::array kLast = {u"nguyen", u"smith",  u"garcia", u"kowalski", u"okafor",
                              u"tanaka", u"muller", u"rossi",  u"silva",    u"haddad"};
constexpr std::array kDomains = {u"example.com", u"example.org", u"example.net"};
constexpr std::array kProducts = {
    u"Ergonomic chair", u"Standing desk", u"Monitor arm", u"USB-C dock",
    u"Desk lamp",       u"Cable tray",    u"Footrest",    u"Noise-cancelling headset"};

QJsonArray addresses(const QStringList &list)
{
    QJsonArray array;
    for (const QString &address : list)
        array.append(address);
    return array;
}

} // namespace

EmailComposer::EmailComposer(TrafficRandom &random)
    : m_random(random)
{
}

QString EmailComposer::recipient()
{
    return QString::fromUtf16(m_random.pick(kFirst)) + u'.'
        + QString::fromUtf16(m_random.pick(kLast)) + u'@'
        + QString::fromUtf16(m_random.pick(kDomains));
}

int EmailComposer::recipientsOf(const QJsonObject &email)
{
    int count = 0;
    for (const char *field : {"to", "cc", "bcc"}) {
        const QJsonValue value = email.value(QLatin1String(field));
        count +=
            value.isArray() ? static_cast<int>(value.toArray().size()) : (value.isString() ? 1 : 0);
    }
    return count;
}

QString EmailComposer::html(const QString &heading, int targetBytes)
{
    // Table layout with inline styles, as email builders produce; line items until the size of
    // a real message is reached.
    QString body =
        QStringLiteral("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                       "content=\"width=device-width\"><title>%1</title></head><body "
                       "style=\"margin:0;padding:0;background:#f4f5f7;font-family:Helvetica,Arial,"
                       "sans-serif\"><table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                       "cellspacing=\"0\"><tr><td align=\"center\" style=\"padding:24px\"><table "
                       "role=\"presentation\" width=\"600\" style=\"background:#ffffff;border-"
                       "radius:8px\"><tr><td style=\"padding:32px 40px;font-size:22px;font-weight:"
                       "600;color:#111827\">%1</td></tr>")
            .arg(heading);
    int line = 0;
    while (body.size() < targetBytes) {
        ++line;
        body += QStringLiteral(
                    "<tr><td style=\"padding:12px 40px;border-top:1px solid #e5e7eb;font-size:"
                    "15px;line-height:22px;color:#374151\"><table role=\"presentation\" width="
                    "\"100%\"><tr><td style=\"width:70%\">%1 &middot; qty %2<br><span style=\""
                    "color:#6b7280;font-size:13px\">SKU %3 &middot; ships from warehouse %4</span>"
                    "</td><td align=\"right\" style=\"font-weight:600\">$%5.%6</td></tr></table>"
                    "</td></tr>")
                    .arg(QString::fromUtf16(m_random.pick(kProducts)))
                    .arg(m_random.between(1, 4))
                    .arg(m_random.digits(8))
                    .arg(m_random.between(1, 9))
                    .arg(m_random.between(9, 480))
                    .arg(m_random.digits(2));
    }
    body += QStringLiteral(
        "<tr><td style=\"padding:24px 40px;font-size:12px;color:#9ca3af\">Acme Office Supply, "
        "100 Example Street, Springfield. You receive this email because of your account with "
        "us. <a href=\"https://acme.example/preferences\">Email preferences</a></td></tr>"
        "</table></td></tr></table></body></html>");
    return body;
}

QString EmailComposer::plainText(const QString &heading)
{
    return heading
        + QStringLiteral("\n\nView this message in your browser: https://acme.example/m/%1\n\n"
                         "Acme Office Supply, 100 Example Street, Springfield.")
              .arg(m_random.base62(12));
}

QJsonObject EmailComposer::transactional(const QString &from)
{
    static constexpr std::array kHeadings = {u"Your receipt from Acme", u"Your order has shipped",
                                             u"Reset your password", u"Your invoice is ready"};
    const QString heading = QString::fromUtf16(m_random.pick(kHeadings));
    const QString to = recipient();
    QJsonObject email {
        {QStringLiteral("from"), from},
        {QStringLiteral("to"), QJsonArray {to}},
        {QStringLiteral("subject"),
         QString(heading + QStringLiteral(" (#%1)").arg(m_random.digits(6)))},
        {QStringLiteral("html"),
         html(heading, static_cast<int>(m_random.between(6 * 1024, 40 * 1024)))},
        {QStringLiteral("text"), plainText(heading)},
        {QStringLiteral("tags"),
         QJsonArray {QJsonObject {{QStringLiteral("name"), QStringLiteral("category")},
                                  {QStringLiteral("value"), QStringLiteral("transactional")}}}},
    };
    if (m_random.chance(0.2))
        email.insert(QStringLiteral("cc"), addresses({recipient()}));
    if (m_random.chance(0.1))
        email.insert(QStringLiteral("bcc"), addresses({QStringLiteral("archive@example.com")}));
    return email;
}

QJsonObject EmailComposer::digest(const QString &from, const QString &to, const QString &subject)
{
    return QJsonObject {
        {QStringLiteral("from"), from},
        {QStringLiteral("to"), QJsonArray {to}},
        {QStringLiteral("subject"), subject},
        {QStringLiteral("html"),
         html(subject, static_cast<int>(m_random.between(3 * 1024, 8 * 1024)))},
        {QStringLiteral("tags"),
         QJsonArray {QJsonObject {{QStringLiteral("name"), QStringLiteral("category")},
                                  {QStringLiteral("value"), QStringLiteral("digest")}}}},
    };
}

} // namespace keybrake::agents
