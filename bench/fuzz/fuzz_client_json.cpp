// The console's JSON codec: every answer type of the admin API decoded from the same untrusted
// bytes. Checked beyond "no crash": whatever decodes encodes again, and that encoding decodes to
// the same JSON (a value the console shows or sends back is a value it can read).
#include "client/jsoncodec.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace keybrake::client;

namespace {

template<typename T>
void check(const QByteArray &body)
{
    const Result<T> first = JsonCodec::decode<T>(body);
    if (!first.isOk())
        return;
    const QJsonObject encoded = JsonCodec::toJson(*first);
    const Result<T> second =
        JsonCodec::decode<T>(QJsonDocument(encoded).toJson(QJsonDocument::Compact));
    if (!second.isOk() || JsonCodec::toJson(*second) != encoded)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray body =
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    check<VaultKey>(body);
    check<IssuedKey>(body);
    check<IssueKeyRequest>(body);
    check<KeyPage>(body);
    check<RevokeResult>(body);
    check<BulkRevokeRequest>(body);
    check<BulkRevokeResult>(body);
    check<AuditEntry>(body);
    check<AuditPage>(body);
    check<TodayStats>(body);
    check<WhoAmI>(body);
    check<VendorCatalog>(body);
    check<AdminKeyInfo>(body);
    check<CreatedAdminKey>(body);
    check<Health>(body);
    check<RunPage>(body);
    check<RunDetail>(body);
    check<RunTimeline>(body);
    check<AgentReport>(body);
    check<VendorDailyReport>(body);
    check<AnomalyReport>(body);
    (void)JsonCodec::decode<QList<AdminKeyInfo>>(body);
    return 0;
}
