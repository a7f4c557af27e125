#include "resources/keybrakeresources.h"

#include <QCoreApplication>
#include <QTranslator>
#include <QtGlobal>

#include <mutex>

// Q_INIT_RESOURCE must be used outside any namespace; a static library's resources are not
// registered until someone calls it, because the linker drops its unreferenced initialiser.
static void initKeybrakeQrc()
{
    Q_INIT_RESOURCE(keybrake);
}

namespace keybrake {

void initResources()
{
    static std::once_flag once;
    std::call_once(once, initKeybrakeQrc);
}

void installTranslations()
{
    initResources();
    static QTranslator *translator = nullptr;
    if (translator)
        return;
    translator = new QTranslator(QCoreApplication::instance());
    // Until other languages ship, English: it supplies "1 key" / "3 keys" for tr("%n key(s)").
    if (translator->load(QStringLiteral(":/i18n/keybrake_en.qm")))
        QCoreApplication::installTranslator(translator);
}

} // namespace keybrake
