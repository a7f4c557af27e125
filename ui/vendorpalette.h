#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

namespace keybrake {

// One colour per vendor wherever vendors are drawn (Overview's spend chart, the Reports bars), in
// a light and a dark variant chosen from the palette; distinct from each other and from the
// status colours. Issue 13: Twilio and Resend had different colours on Overview and Reports.
class VendorPalette
{
public:
    static QColor color(const QString &vendor, const QPalette &palette);
};

} // namespace keybrake
