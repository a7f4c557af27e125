#pragma once

#include "client/vaultkey.h"

#include <QList>
#include <QString>

namespace keybrake::client {

// One page of GET /v1/keys.
struct KeyPage
{
    QList<VaultKey> data;
    QString nextCursor; // empty on the last page; pass it as KeyQuery::cursor for the next

    bool hasMore() const { return !nextCursor.isEmpty(); }
    friend bool operator==(const KeyPage &, const KeyPage &) = default;
};

} // namespace keybrake::client
