#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace keybrake::client {

// One event of GET /v1/events (contract: "Live events"; docs/api.md says what each type's data
// holds): "key.issued", "key.revoked", "key.expired", "key.capped", "call" (an audit row),
// "cap.threshold", or "reset" (the server no longer has the events after the id the stream
// resumed from: reload everything, then carry on with the stream).
struct EventMessage
{
    QString type;
    qint64 id = -1; // the event id as a number (-1 if the server sent none)
    QJsonObject data;
};

// What a stream asks the server for; empty members mean "everything".
struct EventFilter
{
    QStringList types;
    QString keyId;
    QString labelPrefix;
};

} // namespace keybrake::client

Q_DECLARE_METATYPE(keybrake::client::EventMessage)
