#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

namespace keybrake {

// Monochrome SVG icons from ":/icons/<name>.svg", painted in the current palette's text colour
// at paint time, so they follow light and dark palettes and stay sharp at any scale factor.
class ThemedIcon
{
public:
    static QIcon icon(const QString &name);
    // The same icon in a fixed colour (status shapes, the red "Stop runs" outline).
    static QIcon icon(const QString &name, const QColor &color);
};

} // namespace keybrake
