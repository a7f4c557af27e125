#include "resources/keybrakeresources.h"

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

} // namespace keybrake
