#include "ui/consolecolors.h"

#include <QPainter>
#include <QPixmap>

namespace keybrake {

bool ConsoleColors::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor ConsoleColors::good(const QPalette &palette)
{
    return isDark(palette) ? QColor(0x3f, 0xb9, 0x50) : QColor(0x1a, 0x7f, 0x37);
}

QColor ConsoleColors::warning(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xe3, 0xa0, 0x08) : QColor(0xb2, 0x6b, 0x00);
}

QColor ConsoleColors::danger(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xf8, 0x51, 0x49) : QColor(0xcf, 0x22, 0x2e);
}

QColor ConsoleColors::muted(const QPalette &palette)
{
    return isDark(palette) ? QColor(0x8b, 0x94, 0x9e) : QColor(0x6e, 0x77, 0x81);
}

QColor ConsoleColors::accent(const QPalette &palette)
{
    return palette.color(QPalette::Highlight);
}

QColor ConsoleColors::environment(ServerEnvironment environment, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (environment) {
    case ServerEnvironment::Production:
        return dark ? QColor(0xb6, 0x23, 0x24) : QColor(0xc6, 0x28, 0x28);
    case ServerEnvironment::Staging:
        return dark ? QColor(0xc7, 0x84, 0x00) : QColor(0xf0, 0xa2, 0x02);
    case ServerEnvironment::Development:
        return dark ? QColor(0x1f, 0x5f, 0xbf) : QColor(0x1f, 0x6f, 0xeb);
    case ServerEnvironment::Demo:
        return dark ? QColor(0x6e, 0x40, 0xc9) : QColor(0x82, 0x50, 0xdf);
    }
    return palette.color(QPalette::Window);
}

QColor ConsoleColors::onEnvironment(ServerEnvironment environment)
{
    // Amber needs dark text for contrast; the others carry white.
    return environment == ServerEnvironment::Staging ? QColor(0x1b, 0x1f, 0x24) : QColor(Qt::white);
}

QIcon ConsoleColors::environmentIcon(ServerEnvironment environment, const QPalette &palette)
{
    QIcon icon;
    for (const qreal scale : {1.0, 2.0}) {
        QPixmap pixmap(QSize(14, 14) * scale);
        pixmap.setDevicePixelRatio(scale);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(ConsoleColors::environment(environment, palette));
        painter.drawRoundedRect(QRectF(1, 1, 12, 12), 3, 3);
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace keybrake
