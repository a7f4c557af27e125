#pragma once

namespace keybrake {

// Registers the console's icons under ":/icons"; safe to call more than once.
void initResources();
// Loads the console's translations (for now the English plural forms) into the application.
void installTranslations();

} // namespace keybrake
