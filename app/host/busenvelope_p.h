// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>

#include <optional>

namespace WsPlug::Internal {

/*
 * A bus message as it travels through Redis pub/sub: one header line
 * "OFFSET EPOCH NODE FLAGS\n" and the data. The publish script writes the offset and
 * epoch (only it knows them); the publishing node writes "NODE FLAGS". No I/O: the
 * payload comes from the network, so this is fuzzed.
 */
struct WSPLUG_EXPORT BusEnvelope
{
    quint64 offset = 0;
    QByteArray epoch;
    QByteArray node;
    //! Published from the queue kept while Redis was away: its node delivered it
    //! to its own subscribers then, so it skips it now.
    bool deliveredLocally = false;
    QByteArray data;

    //! The "NODE FLAGS" part the publishing node passes to the script.
    static QByteArray originHeader(const QByteArray &node, bool deliveredLocally);
    static std::optional<BusEnvelope> decode(const QByteArray &payload);
    //! Node ids and epochs: 1-64 of [A-Za-z0-9_.:-], so they never hold a separator.
    static bool isValidName(const QByteArray &name);
};

} // namespace WsPlug::Internal
