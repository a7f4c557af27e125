#include "models/modelcsvfile.h"

#include "models/csvtext.h"

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QSaveFile>

namespace keybrake {

QString ModelCsvFile::write(const QString &path, const QAbstractItemModel &model, int role,
                            const QStringList &headerLines)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QCoreApplication::translate("ModelCsvFile", "Could not write %1: %2")
            .arg(path, file.errorString());
    QByteArray text;
    for (const QString &line : headerLines)
        text += CsvText::comment(line);
    QList<QByteArray> fields;
    const int columns = model.columnCount();
    for (int column = 0; column < columns; ++column)
        fields.append(model.headerData(column, Qt::Horizontal, role).toString().toUtf8());
    text += CsvText::row(fields, false);
    for (int row = 0; row < model.rowCount(); ++row) {
        fields.clear();
        for (int column = 0; column < columns; ++column)
            fields.append(model.index(row, column).data(role).toString().toUtf8());
        text += CsvText::row(fields, true);
    }
    if (file.write(text) != text.size() || !file.commit())
        return QCoreApplication::translate("ModelCsvFile", "Could not write %1: %2")
            .arg(path, file.errorString());
    return {};
}

} // namespace keybrake
