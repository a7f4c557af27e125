#include "ui/vendorpalette.h"

#include "ui/consolecolors.h"

namespace keybrake {

QColor VendorPalette::color(const QString &vendor, const QPalette &palette)
{
    const bool dark = ConsoleColors::isDark(palette);
    if (vendor == u"stripe")
        return dark ? QColor(0x8f, 0x8a, 0xff) : QColor(0x53, 0x4b, 0xe0);
    if (vendor == u"twilio")
        return dark ? QColor(0x4f, 0xc3, 0xb8) : QColor(0x0f, 0x80, 0x78);
    if (vendor == u"resend")
        return dark ? QColor(0xe0, 0xb0, 0x50) : QColor(0xa8, 0x6a, 0x00);
    return dark ? QColor(0xb0, 0xb0, 0xb0) : QColor(0x60, 0x60, 0x60); // a vendor added later
}

} // namespace keybrake
