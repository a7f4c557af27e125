#pragma once

class QDateTimeEdit;

namespace keybrake {

// Whether a date-time edit shows and returns UTC or this machine's local time. Qt 6.4 has only
// QDateTimeEdit::setTimeSpec(); Qt 6.7 added setTimeZone() and Qt 6.8 warns on setTimeSpec()
// (deprecated for 6.10), so these two are the only place that asks which Qt it is built with.
void setDateTimeEditUtc(QDateTimeEdit *edit, bool utc);
bool dateTimeEditIsUtc(const QDateTimeEdit *edit);

} // namespace keybrake
