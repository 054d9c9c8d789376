// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QStringList>

#include <optional>
#include <utility>

namespace WsPlug::Internal {

// Who the client is behind trusted proxies (`--trusted-proxy CIDR`). Only when the TCP
// peer is inside a trusted range are its X-Forwarded-For and Forwarded (RFC 7239 "for=")
// headers believed; the client is then the rightmost address of the chain that is not a
// trusted proxy itself. Anyone else's forwarding headers are ignored. No I/O.
class WSPLUG_EXPORT ForwardedFor
{
public:
    using Range = std::pair<QHostAddress, int>;

    //! "10.0.0.0/8", "fd00::/8" or one address ("127.0.0.1": a /32); nothing if malformed.
    static std::optional<Range> parseRange(const QString &text);
    //! The proxies of \a ranges, or nothing with \a errorString naming the bad entry.
    static std::optional<ForwardedFor> parse(const QStringList &ranges, QString *errorString);

    bool isEmpty() const { return m_ranges.isEmpty(); }
    //! True if \a address (IPv4-mapped IPv6 counts as IPv4) is inside a trusted range.
    bool trusts(const QHostAddress &address) const;

    /*! The client's address for a connection from \a peer whose request head carried
        \a forwarded (the values of every Forwarded header, in order) and \a xForwardedFor
        (of every X-Forwarded-For). Forwarded wins when both are present. The peer itself
        when it is not trusted or the headers name nobody usable. */
    QHostAddress clientAddress(const QHostAddress &peer, const QList<QByteArray> &forwarded,
                               const QList<QByteArray> &xForwardedFor) const;

    //! The chain of nodes in X-Forwarded-For values, leftmost (the client) first; an
    //! entry that is no address (obfuscated, "unknown") is a null address.
    static QList<QHostAddress> parseXForwardedFor(const QList<QByteArray> &values);
    //! The "for=" nodes of Forwarded values (RFC 7239 section 4), as parseXForwardedFor().
    static QList<QHostAddress> parseForwarded(const QList<QByteArray> &values);

private:
    static QHostAddress parseNode(QByteArray node);
    QList<Range> m_ranges;
};

} // namespace WsPlug::Internal
