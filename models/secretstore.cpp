#include "models/secretstore.h"

namespace keybrake {

QString SecretStore::explain(const Result &result)
{
    switch (result.status) {
    case Status::Ok:
        return {};
    case Status::NotFound:
        return tr("No admin key is saved for this profile yet. Enter it to continue.");
    case Status::AccessDenied:
        return tr("The system keychain refused access (it may be locked). Unlock it and try "
                  "again, or use the key for this session only.");
    case Status::NoBackend:
        return tr("No system keychain is available (no Secret Service is running). The key "
                  "can be used for this session only; it will not be saved.");
    case Status::Failed:
        break;
    }
    if (result.message.isEmpty())
        return tr("The system keychain failed. Try again, or use the key for this session only.");
    return tr("The system keychain failed: %1. Try again, or use the key for this session only.")
        .arg(result.message);
}

} // namespace keybrake
