// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The forwarding headers as the host reads them from a trusted proxy: the input is split
// at its first newline into a Forwarded and an X-Forwarded-For value. Besides memory
// errors it checks that the client found is the peer or an address the headers named,
// never one a trusted range covers unless the whole chain was trusted.

#include "forwardedfor_p.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::ForwardedFor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype newline = input.indexOf('\n');
    const QByteArray forwarded = newline < 0 ? input : input.left(newline);
    const QByteArray xff = newline < 0 ? input : input.mid(newline + 1);
    static const ForwardedFor proxies = *ForwardedFor::parse({QStringLiteral("127.0.0.0/8"), QStringLiteral("::1"),
                                                               QStringLiteral("10.0.0.0/8")}, nullptr);
    const QHostAddress peer(QStringLiteral("127.0.0.1"));
    for (const auto &[f, x] : {std::pair{QList<QByteArray>{forwarded}, QList<QByteArray>()},
                               std::pair{QList<QByteArray>(), QList<QByteArray>{xff}}}) {
        const QList<QHostAddress> chain = f.isEmpty() ? ForwardedFor::parseXForwardedFor(x) : ForwardedFor::parseForwarded(f);
        if (chain.size() > 64)
            std::abort();
        const QHostAddress client = proxies.clientAddress(peer, f, x);
        if (client.isNull() || (client != peer && !chain.contains(client)))
            std::abort();
    }
    // An untrusted peer's headers are never read.
    const QHostAddress stranger(QStringLiteral("192.0.2.7"));
    if (proxies.clientAddress(stranger, {forwarded}, {xff}) != stranger)
        std::abort();
    (void)ForwardedFor::parseRange(QString::fromUtf8(forwarded));
    return 0;
}
