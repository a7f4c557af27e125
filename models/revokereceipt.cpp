#include "models/revokereceipt.h"

#include "models/csvtext.h"
#include "models/usdtext.h"

#include <QCoreApplication>

namespace keybrake {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("keybrake::RevokeReceipt", text);
}

QString utc(const QDateTime &when)
{
    return when.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace

QDateTime RevokeReceipt::revokedAtOf(const QString &keyId) const
{
    for (const Key &key : keys) {
        if (key.keyId == keyId && key.revokedAt.isValid())
            return key.revokedAt;
    }
    return revokedAt;
}

bool RevokeReceipt::admittedBeforeRevoke(const client::AuditEntry &call) const
{
    if (call.verdict != u"allowed" && call.verdict != u"upstream_error")
        return false;
    const QDateTime until = revokedAtOf(call.keyId);
    return call.ts >= clickedAt && (!until.isValid() || call.ts <= until);
}

QString RevokeReceipt::toText(const TimeFormatter &time) const
{
    QStringList lines;
    lines << tr("Keybrake revoke receipt");
    lines << tr("Server:   %1 · %2").arg(profileName, serverUrl);
    lines << tr("Prefix:   %1 (vendor: %2)").arg(prefix, vendor.isEmpty() ? tr("any") : vendor);
    // Millisecond clock times: the click and the revocation are usually within a second.
    const auto exact = [&time](const QDateTime &when) {
        return time.absolute(when).replace(time.clock(when), time.clock(when, true));
    };
    lines << tr("Clicked:  %1 (this console's clock)").arg(exact(clickedAt));
    lines << tr("Revoked:  %1 (server time), keys: %2, still held: %3")
                 .arg(exact(revokedAt))
                 .arg(keys.size())
                 .arg(UsdText::exact(heldUsd));
    if (heldUsd > Usd())
        lines << tr("          (held: calls admitted before the revocation and still at the vendor "
                    "then; each is added below when it completes)");
    if (!reason.isEmpty())
        lines << tr("Reason:   %1").arg(reason);
    if (block) {
        lines << tr("Blocked:  %1 %2 (%3)")
                     .arg(block->labelPrefix,
                          block->endsAt.isValid() ? tr("until %1").arg(exact(block->endsAt))
                                                  : tr("until lifted"),
                          block->id);
        lines << tr("          new keys and calls under the prefix are refused meanwhile");
        lines << tr("          refused since: %1 call(s), %2 new key(s)")
                     .arg(block->refusedCalls)
                     .arg(block->refusedIssuances)
                + (block->isActive() ? QString() : tr(" (block %1)").arg(block->status));
    } else {
        lines << tr("Blocked:  no — the prefix was not blocked; an agent that issues new keys "
                    "under it is not stopped");
    }
    lines << QString();
    // Columns lined up for a monospace font.
    qsizetype nameWidth = 0;
    qsizetype labelWidth = 0;
    for (const Key &key : keys) {
        nameWidth = std::max(nameWidth, key.name.size());
        labelWidth = std::max(labelWidth, key.label.size());
    }
    for (const Key &key : keys) {
        const int calls = int(std::count_if(admitted.cbegin(), admitted.cend(),
                                            [&](const auto &c) { return c.keyId == key.keyId; }));
        lines << tr("%1  revoked %2  %3  %4  %5 admitted after the click")
                     .arg(key.keyId, time.clock(revokedAtOf(key.keyId), true),
                          key.name.leftJustified(nameWidth), key.label.leftJustified(labelWidth))
                     .arg(calls);
    }
    lines << QString();
    if (!auditRead) {
        lines << tr("Calls admitted between the click and the revocation: unknown, the audit log "
                    "could not be read (%1).")
                     .arg(auditError);
    } else {
        lines << tr("Calls admitted between the click and the revocation (audit log): %1")
                     .arg(admitted.size());
        for (const client::AuditEntry &call : admitted)
            lines << tr("  %1  %2  %3  %4  %5  %6")
                         .arg(time.clock(call.ts, true), call.keyId, call.operation,
                              UsdText::exact(call.costUsd), call.verdict, call.requestId);
    }
    if (streamAdmitted >= 0)
        lines << tr("Seen on the live stream: %1.").arg(streamAdmitted);
    return lines.join(QLatin1Char('\n'));
}

QByteArray RevokeReceipt::toCsv() const
{
    // Labels and names come from agents: formula-looking cells are defused.
    const auto row = [](const QStringList &fields) {
        QList<QByteArray> cells;
        for (const QString &f : fields)
            cells << f.toUtf8();
        return CsvText::row(cells, true);
    };
    QByteArray out = row(
        {QStringLiteral("record"), QStringLiteral("key_id"), QStringLiteral("name"),
         QStringLiteral("agent_run_label"), QStringLiteral("time_utc"), QStringLiteral("operation"),
         QStringLiteral("cost_usd"), QStringLiteral("verdict"), QStringLiteral("request_id")});
    out += row({QStringLiteral("click"), {}, {}, prefix, utc(clickedAt), {}, {}, {}, {}});
    for (const Key &key : keys)
        out += row({QStringLiteral("revoked"),
                    key.keyId,
                    key.name,
                    key.label,
                    utc(revokedAtOf(key.keyId)),
                    {},
                    {},
                    {},
                    {}});
    if (block)
        out += row({QStringLiteral("block"),
                    block->id,
                    reason,
                    block->labelPrefix,
                    block->endsAt.isValid() ? utc(block->endsAt) : QString(),
                    {},
                    {},
                    QStringLiteral("blocked"),
                    {}});
    for (const client::AuditEntry &call : admitted)
        out += row({QStringLiteral("admitted_call"), call.keyId, call.keyName, call.agentRunLabel,
                    utc(call.ts), call.operation, QString::fromStdString(call.costUsd.toDecimal()),
                    call.verdict, call.requestId});
    return out;
}

} // namespace keybrake
