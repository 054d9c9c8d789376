// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QList>
#include <QPair>

namespace WsPlug::Internal {

/*
 * An HTTP/1.1 request head, parsed without any I/O so that it can be unit-tested
 * and fuzzed. The host peeks at the socket until it holds a whole head, parses it
 * here, and only then decides whether Qt may upgrade the connection.
 */
class WSPLUG_EXPORT RequestHead
{
public:
    //! Offset just past the "\r\n\r\n" ending the head in \a data, or -1 if not there yet.
    static qsizetype headLength(const QByteArray &data);

    //! Parses a complete head (with its final empty line). False with a reason if malformed.
    bool parse(const QByteArray &head, QByteArray *errorReason);

    QByteArray method() const { return m_method; }
    //! An HTTP/1.0 request: read for plain endpoints, never upgraded.
    bool isHttp10() const { return m_http10; }
    QByteArray target() const { return m_target; }
    QByteArray path() const { return m_path; }
    QByteArray query() const { return m_query; }
    //! The first value of \a name (case-insensitive), trimmed; empty if absent.
    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
    //! The items of a comma-separated header over all its occurrences, trimmed, empty ones left out.
    QList<QByteArray> headerList(const QByteArray &name) const;
    //! True if a comma-separated header has \a token (case-insensitive), e.g. Connection: keep-alive, Upgrade.
    bool headerHasToken(const QByteArray &name, const QByteArray &token) const;
    const QList<QPair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    //! The credential this request carries: "Authorization: Bearer <it>", else the value
    //! of a "token" query parameter; empty if neither. (The admin channel and token
    //! routes read it alike.)
    QByteArray bearerCredential() const;

    //! True if this asks for a WebSocket upgrade at all (Upgrade: websocket).
    bool isWebSocketUpgrade() const;
    /*! Checks the RFC 6455 4.2.1 handshake fields. Returns 0 when Qt may upgrade,
        else the HTTP status to refuse with (405 for a method other than GET, 426 for a
        version other than 13, else 400) and a one-line reason. */
    int checkWebSocketHandshake(QByteArray *reason) const;

    static constexpr int MaxHeaders = 100;

    //! True if \a text is an HTTP token (RFC 9110 5.6.2), as methods, header names and
    //! subprotocol names are.
    static bool isToken(QByteArrayView text);
    //! Masks with '*' the value of every \a key parameter of the query string in
    //! \a text[from, to) (keys compared percent-decoded, as QUrlQuery reads them, so a
    //! value accepted under "%74oken" is masked too).
    static void maskQueryParameter(QByteArray &text, qsizetype from, qsizetype to, QByteArrayView key);

private:
    QByteArray m_method;
    QByteArray m_target;
    QByteArray m_path;
    QByteArray m_query;
    bool m_http10 = false;
    QList<QPair<QByteArray, QByteArray>> m_headers;
};

//! A complete HTTP/1.1 response refusing the request: status line, headers and a short
//! body. A 405 names the methods in \a allow (default GET).
WSPLUG_EXPORT QByteArray refusalResponse(int status, const QByteArray &reason, const QByteArray &allow = {});
//! The 101 that upgrades a WebSocket handshake (RFC 6455 4.2.2) with the key \a key,
//! naming \a subprotocol and \a extensions when not empty.
WSPLUG_EXPORT QByteArray upgradeResponse(const QByteArray &key, const QByteArray &subprotocol,
                                         const QByteArray &extensions);
//! \a response with its body cut off: the answer to a HEAD request (RFC 9110 9.3.2).
WSPLUG_EXPORT QByteArray withoutBody(const QByteArray &response);
WSPLUG_EXPORT QByteArray httpReasonPhrase(int status);

} // namespace WsPlug::Internal
