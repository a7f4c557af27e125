#include "models/usdtext.h"

#include <QCoreApplication>

namespace keybrake {

QString UsdText::display(Usd amount)
{
    // Two decimals; more only for an amount below a cent (a Resend email is $0.0004), where
    // rounding would show $0.00. Larger amounts round half away from zero to the cent; exact()
    // gives every digit.
    const std::int64_t micros = amount.micros();
    const std::int64_t magnitude = micros < 0 ? -micros : micros;
    if (magnitude < 10'000)
        return exact(amount);
    const std::int64_t cents = (magnitude + 5'000) / 10'000;
    return exact(Usd::fromCents(micros < 0 ? -cents : cents));
}

QString UsdText::exact(Usd amount)
{
    QString text = QString::fromStdString(amount.toDisplay()); // "-$12345.50", "$0.0004"
    const qsizetype dollar = text.indexOf(QLatin1Char('$'));
    const qsizetype dot = text.indexOf(QLatin1Char('.'));
    if (dollar < 0 || dot < 0)
        return text;
    for (qsizetype i = dot - 3; i > dollar + 1; i -= 3)
        text.insert(i, QLatin1Char(','));
    return text;
}

QString UsdText::ofCap(Usd committed, Usd cap)
{
    return QCoreApplication::translate("UsdText", "%1 / %2 · %3 %")
        .arg(display(committed), display(cap))
        .arg(percentOf(committed, cap));
}

int UsdText::percentOf(Usd part, Usd whole)
{
    if (whole.micros() <= 0)
        return 0;
    return int((part.micros() * 100) / whole.micros());
}

double UsdText::fractionOf(Usd part, Usd whole)
{
    if (whole.micros() <= 0)
        return 0.0;
    return double(part.micros()) / double(whole.micros());
}

} // namespace keybrake
