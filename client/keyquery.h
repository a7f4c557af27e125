#pragma once

#include "client/vaultkey.h"

#include <QString>
#include <QUrlQuery>

#include <optional>

namespace keybrake::client {

// Filters and paging of GET /v1/keys (newest first). Empty members are not sent.
struct KeyQuery
{
    std::optional<KeyStatus> status;
    QString vendor;
    QString labelPrefix; // agent_run_label starts with this
    QString q; // substring of the name or the label
    int limit = 0; // 0: the server's default (100); at most 1000
    QString cursor; // KeyPage::nextCursor of the previous page
    // Beyond the contract (docs/api.md): the server ranks every matching key, not a page of
    // them. "spend" or "utilisation" (highest first); empty: newest first.
    QString sort;
    // Keys at or above this share of their cap today, spent + held: a plain decimal the
    // server reads exactly ("0.8"); empty: no floor.
    QString minUtilisation;

    QUrlQuery toUrlQuery() const;

    friend bool operator==(const KeyQuery &, const KeyQuery &) = default;
};

} // namespace keybrake::client
