// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QTcpSocket>

// Raw HTTP for Engine.IO tests (docs/fallback.md): exact requests, whole responses.
namespace WsPlug::Test {

struct HttpResponse
{
    int status = -1;
    QByteArray head;
    QByteArray body;
};

//! Reads one whole response (head and Content-Length body) off \a socket; a pipelined
//! response after it stays for the next call.
HttpResponse readResponse(QTcpSocket &socket, int timeoutMs = 5000);

//! A GET of \a target with \a extra header lines ("Name: value\r\n"...).
QByteArray httpGet(const QByteArray &target, const QByteArray &extra = {});
//! A POST of \a body (text/plain, with Content-Length) to \a target.
QByteArray httpPost(const QByteArray &target, const QByteArray &body, const QByteArray &extra = {});

//! The sid of an open packet ('0{"sid":"...",...}'), or empty.
QByteArray sidOf(const QByteArray &openPayload);

//! A polling handshake on \a route on a fresh connection \a socket; the sid, or empty.
QByteArray rawEngineIoHandshake(QTcpSocket &socket, quint16 port, const QByteArray &route = "/echo");

} // namespace WsPlug::Test
