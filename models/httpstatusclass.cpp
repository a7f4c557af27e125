#include "models/httpstatusclass.h"

namespace keybrake {

bool HttpStatusClass::matches(Value value, int httpStatus)
{
    switch (value) {
    case Any:
        return true;
    case Success:
        return httpStatus >= 200 && httpStatus < 300;
    case ClientError:
        return httpStatus >= 400 && httpStatus < 500;
    case ServerError:
        return httpStatus >= 500 && httpStatus < 600;
    }
    return true;
}

QString HttpStatusClass::displayName(Value value)
{
    switch (value) {
    case Any:
        return tr("Any status");
    case Success:
        return tr("2xx answered");
    case ClientError:
        return tr("4xx refused");
    case ServerError:
        return tr("5xx failed");
    }
    return {};
}

QString HttpStatusClass::filterText(Value value)
{
    switch (value) {
    case Any:
        return {};
    case Success:
        return QStringLiteral("http_status=2xx");
    case ClientError:
        return QStringLiteral("http_status=4xx");
    case ServerError:
        return QStringLiteral("http_status=5xx");
    }
    return {};
}

} // namespace keybrake
