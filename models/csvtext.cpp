#include "models/csvtext.h"

#include <QString>

namespace keybrake {

namespace {

// A plain decimal number ("-12", "0.0004"): spreadsheets read it as a number, never a formula.
bool isNumber(QByteArrayView value)
{
    qsizetype i = 0;
    if (i < value.size() && (value[i] == '-' || value[i] == '+'))
        ++i;
    bool digits = false;
    bool dot = false;
    for (; i < value.size(); ++i) {
        const char c = value[i];
        if (c >= '0' && c <= '9') {
            digits = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    return digits;
}

} // namespace

bool CsvText::looksLikeFormula(QByteArrayView value)
{
    if (value.isEmpty())
        return false;
    switch (value.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return !isNumber(value);
    default:
        return false;
    }
}

QByteArray CsvText::defused(const QByteArray &value)
{
    return looksLikeFormula(value) ? QByteArray("'") + value : value;
}

QByteArray CsvText::field(const QByteArray &value)
{
    const bool plain = !value.contains(',') && !value.contains('"') && !value.contains('\r')
        && !value.contains('\n')
        && (value.isEmpty() || (value.front() != ' ' && value.back() != ' '));
    if (plain)
        return value;
    QByteArray quoted;
    quoted.reserve(value.size() + 2);
    quoted += '"';
    for (const char c : value) {
        if (c == '"')
            quoted += '"';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

QByteArray CsvText::row(const QList<QByteArray> &fields, bool defuse)
{
    QByteArray line;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            line += ',';
        line += field(defuse ? defused(fields.at(i)) : fields.at(i));
    }
    line += "\r\n";
    return line;
}

QByteArray CsvText::comment(const QString &text)
{
    QString line = text;
    // One header line stays one line.
    line.replace(u'\r', u' ');
    line.replace(u'\n', u' ');
    return QByteArray("# ") + line.toUtf8() + "\r\n";
}

} // namespace keybrake
