// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "busenvelope_p.h"

#include <QList>

namespace WsPlug::Internal {

QByteArray BusEnvelope::originHeader(const QByteArray &node, bool deliveredLocally)
{
    return node + (deliveredLocally ? " L" : " -");
}

bool BusEnvelope::isValidName(const QByteArray &name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                || c == '.' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

std::optional<BusEnvelope> BusEnvelope::decode(const QByteArray &payload)
{
    // The header is short; a missing newline in the first 256 bytes is not ours.
    const qsizetype newline = payload.indexOf('\n');
    if (newline < 0 || newline > 256)
        return std::nullopt;
    const QList<QByteArray> fields = payload.left(newline).split(' ');
    if (fields.size() != 4)
        return std::nullopt;
    BusEnvelope e;
    bool ok = false;
    e.offset = fields.at(0).toULongLong(&ok);
    if (!ok || e.offset == 0 || !isValidName(fields.at(1)) || !isValidName(fields.at(2)))
        return std::nullopt;
    if (fields.at(3) != "L" && fields.at(3) != "-")
        return std::nullopt;
    e.epoch = fields.at(1);
    e.node = fields.at(2);
    e.deliveredLocally = fields.at(3) == "L";
    e.data = payload.mid(newline + 1);
    return e;
}

} // namespace WsPlug::Internal
