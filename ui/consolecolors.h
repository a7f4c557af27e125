#pragma once

#include "models/serverprofile.h"

#include <QColor>
#include <QIcon>
#include <QPalette>

namespace keybrake {

// The few colours the console adds to the palette: status (always paired with a shape and a
// word, never alone), the environment bands, and the accent. Each has a light and a dark variant
// chosen from the palette's window lightness, so both palettes keep their contrast.
class ConsoleColors
{
public:
    static bool isDark(const QPalette &palette);

    static QColor good(const QPalette &palette); // active: green
    static QColor warning(const QPalette &palette); // near cap, 80 %: amber
    static QColor danger(const QPalette &palette); // capped, 100 %, failures: red
    static QColor muted(const QPalette &palette); // revoked, expired: grey
    static QColor accent(const QPalette &palette);

    // Band background and the text on it.
    static QColor environment(ServerEnvironment environment, const QPalette &palette);
    static QColor onEnvironment(ServerEnvironment environment);
    // A small rounded square in the environment's colour, for lists of profiles.
    static QIcon environmentIcon(ServerEnvironment environment, const QPalette &palette);
};

} // namespace keybrake
