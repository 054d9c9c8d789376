// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Request-head inspection as the host does it before any upgrade: find the end of
// the head, parse it, check the handshake fields, and build the refusal. Besides
// memory errors it checks that a refusal never carries a header the client wrote.

#include "requesthead_p.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using WsPlug::Internal::RequestHead;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const qsizetype length = RequestHead::headLength(input);
    if (length >= 0 && (length < 4 || length > input.size() || !input.left(length).endsWith("\r\n\r\n")))
        std::abort();
    // A complete head as the host would cut it, or the whole input made into one.
    const QByteArray head = length >= 0 ? input.left(length) : input + "\r\n\r\n";

    RequestHead request;
    QByteArray why;
    if (!request.parse(head, &why)) {
        if (why.isEmpty())
            std::abort();
        (void)WsPlug::Internal::refusalResponse(400, why);
        return 0;
    }
    // HTTP/1.1 needs a Host header; HTTP/1.0 does not.
    if (!request.path().startsWith('/') || request.method().isEmpty() || (!request.isHttp10() && !request.hasHeader("host")))
        std::abort();
    (void)request.header("Sec-WebSocket-Key");
    (void)request.headerHasToken("Connection", "upgrade");
    (void)request.isWebSocketUpgrade();
    QByteArray reason;
    const int status = request.checkWebSocketHandshake(&reason);
    if (status != 0 && status != 400 && status != 405 && status != 426)
        std::abort();
    if ((status == 405) != (request.method() != "GET"))
        std::abort();
    if (status == 0 && (request.method() != "GET" || !request.isWebSocketUpgrade() || request.isHttp10()))
        std::abort();
    // A HEAD request is answered with the head alone.
    const QByteArray refusal = WsPlug::Internal::refusalResponse(405, "x");
    if (WsPlug::Internal::withoutBody(refusal) != refusal.left(refusal.indexOf("\r\n\r\n") + 4))
        std::abort();
    // The 404 the host sends names the path: the path must not be able to end the
    // response head or add a header line.
    const QByteArray response = WsPlug::Internal::refusalResponse(404, "no handler serves " + request.path());
    const qsizetype headEnd = response.indexOf("\r\n\r\n");
    if (headEnd < 0 || response.left(headEnd).count("\r\n") != 3
        || response.mid(headEnd + 4) != "no handler serves " + request.path() + '\n')
        std::abort();
    return 0;
}
