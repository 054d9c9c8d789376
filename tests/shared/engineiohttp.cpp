// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineiohttp.h"

#include "testsupport.h"

#include <QDeadlineTimer>
#include <QTest>

namespace WsPlug::Test {

HttpResponse readResponse(QTcpSocket &socket, int timeoutMs)
{
    HttpResponse r;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        // Peeked: a pipelined second response stays for the next call.
        const QByteArray buffer = socket.peek(socket.bytesAvailable());
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end >= 0) {
            const QByteArray head = buffer.left(end + 4);
            qint64 length = 0;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer.size() >= end + 4 + length) {
                r.head = head;
                r.status = statusCode(head);
                r.body = buffer.mid(end + 4, length);
                socket.skip(end + 4 + length);
                return r;
            }
        }
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            break;
        QTest::qWait(2);
    }
    r.head = socket.readAll();
    return r;
}

QByteArray httpGet(const QByteArray &target, const QByteArray &extra)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

QByteArray httpPost(const QByteArray &target, const QByteArray &body, const QByteArray &extra)
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n"
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n" + extra + "\r\n" + body;
}

QByteArray sidOf(const QByteArray &openPayload)
{
    const qsizetype at = openPayload.indexOf("\"sid\":\"");
    return at < 0 ? QByteArray() : openPayload.mid(at + 7, 20);
}

QByteArray rawEngineIoHandshake(QTcpSocket &socket, quint16 port, const QByteArray &route)
{
    if (!connectRaw(socket, port))
        return {};
    socket.write(httpGet(route + "/engine.io/?EIO=4&transport=polling&t=abc"));
    const HttpResponse r = readResponse(socket);
    if (r.status != 200 || !r.body.startsWith("0{"))
        return {};
    return sidOf(r.body);
}

} // namespace WsPlug::Test
