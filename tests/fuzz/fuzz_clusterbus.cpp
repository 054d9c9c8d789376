// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// What the cluster bus reads from outside: the --redis URL (a config file, a flag) and
// every pub/sub payload (anyone who can PUBLISH on the Redis). Besides memory errors it
// checks that what parses survives a round trip unchanged.

#include "busenvelope_p.h"
#include "redisaddress_p.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::BusEnvelope;
using WsPlug::Internal::RedisAddress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    QString why;
    if (const std::optional<RedisAddress> a = RedisAddress::parse(QString::fromUtf8(input), &why)) {
        const std::optional<RedisAddress> again = RedisAddress::parse(a->toString(), nullptr);
        if (!again || again->host != a->host || again->port != a->port || again->db != a->db || a->port == 0)
            std::abort();
    } else if (why.isEmpty() || why.contains(QLatin1Char('\n'))) {
        std::abort();   // a refusal is one line that says why
    }

    if (const std::optional<BusEnvelope> e = BusEnvelope::decode(input)) {
        const QByteArray encoded = QByteArray::number(e->offset) + ' ' + e->epoch + ' '
                + BusEnvelope::originHeader(e->node, e->deliveredLocally) + '\n' + e->data;
        const std::optional<BusEnvelope> again = BusEnvelope::decode(encoded);
        if (!again || again->offset != e->offset || again->epoch != e->epoch || again->node != e->node
            || again->deliveredLocally != e->deliveredLocally || again->data != e->data || e->offset == 0
            || !BusEnvelope::isValidName(e->node) || !BusEnvelope::isValidName(e->epoch))
            std::abort();
    }
    return 0;
}
