#pragma once

#include <QString>
#include <QStringList>

class QAbstractItemModel;

namespace keybrake {

// Writes a table model to a CSV file: "# " header lines first (what the file holds, the range,
// the time zone), then one column per model column named by its header's `role` data, and one
// row per model row from each cell's `role` data (exact values: money as plain decimals, times
// as RFC 3339 UTC). Text cells are defused against spreadsheet formulas (see CsvText). Written
// through QSaveFile: the file appears complete or not at all.
class ModelCsvFile
{
public:
    // Empty on success, else why it failed (translated).
    static QString write(const QString &path, const QAbstractItemModel &model, int role,
                         const QStringList &headerLines);
};

} // namespace keybrake
