#include "models/usdtext.h"

#include <QCoreApplication>

namespace keybrake {

QString UsdText::display(Usd amount)
{
    QString text = QString::fromStdString(amount.toDisplay()); // "-$12345.50"
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
