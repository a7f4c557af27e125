#include "ui/datetimeeditzone.h"

#include <QDateTimeEdit>
#include <QTimeZone>

namespace keybrake {

void setDateTimeEditUtc(QDateTimeEdit *edit, bool utc)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 7, 0)
    edit->setTimeZone(QTimeZone(utc ? QTimeZone::UTC : QTimeZone::LocalTime));
#else
    edit->setTimeSpec(utc ? Qt::UTC : Qt::LocalTime);
#endif
}

bool dateTimeEditIsUtc(const QDateTimeEdit *edit)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 7, 0)
    return edit->timeZone().timeSpec() == Qt::UTC;
#else
    return edit->timeSpec() == Qt::UTC;
#endif
}

} // namespace keybrake
