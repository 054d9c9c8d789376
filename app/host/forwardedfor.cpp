// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "forwardedfor_p.h"

namespace WsPlug::Internal {

namespace {

// A chain longer than this is not from a real deployment; its left part is ignored
// (the client is found from the right anyway).
constexpr qsizetype MaxChain = 64;

QHostAddress normalized(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

} // namespace

std::optional<ForwardedFor::Range> ForwardedFor::parseRange(const QString &text)
{
    const QString t = text.trimmed();
    if (t.isEmpty())
        return std::nullopt;
    if (!t.contains(QLatin1Char('/'))) {
        QHostAddress address;
        if (!address.setAddress(t))
            return std::nullopt;
        address = normalized(address);
        return Range{address, address.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128};
    }
    const Range range = QHostAddress::parseSubnet(t);
    if (range.first.isNull() || range.second < 0)
        return std::nullopt;
    return range;
}

std::optional<ForwardedFor> ForwardedFor::parse(const QStringList &ranges, QString *errorString)
{
    ForwardedFor f;
    for (const QString &text : ranges) {
        const std::optional<Range> range = parseRange(text);
        if (!range) {
            if (errorString)
                *errorString = QStringLiteral("\"%1\" is not an address or CIDR range").arg(text);
            return std::nullopt;
        }
        f.m_ranges.append(*range);
    }
    return f;
}

bool ForwardedFor::trusts(const QHostAddress &address) const
{
    const QHostAddress a = normalized(address);
    for (const Range &r : m_ranges) {
        if (a.isInSubnet(r))
            return true;
    }
    return false;
}

QHostAddress ForwardedFor::clientAddress(const QHostAddress &peer, const QList<QByteArray> &forwarded,
                                         const QList<QByteArray> &xForwardedFor) const
{
    if (!trusts(peer))
        return peer;
    const QList<QHostAddress> chain = !forwarded.isEmpty() ? parseForwarded(forwarded)
                                                           : parseXForwardedFor(xForwardedFor);
    // From the right: each trusted hop vouches for the one to its left. The first hop
    // that is not a trusted proxy is the client; one that names nobody usable stops the
    // walk at the last hop that could be believed.
    QHostAddress client = normalized(peer);
    for (qsizetype i = chain.size() - 1; i >= 0; --i) {
        const QHostAddress &hop = chain.at(i);
        if (hop.isNull())
            break;
        client = hop;
        if (!trusts(hop))
            break;
    }
    return client;
}

QHostAddress ForwardedFor::parseNode(QByteArray node)
{
    node = node.trimmed();
    if (node.startsWith('[')) {
        // "[2001:db8::1]" or "[2001:db8::1]:4711"
        const qsizetype close = node.indexOf(']');
        if (close < 0)
            return {};
        const QByteArray rest = node.mid(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(':'))
            return {};
        node = node.mid(1, close - 1);
    } else if (node.count(':') == 1) {
        node.truncate(node.indexOf(':'));   // "192.0.2.43:47011"
    }
    QHostAddress address;
    if (node.isEmpty() || !address.setAddress(QString::fromLatin1(node)))
        return {};
    return normalized(address);
}

QList<QHostAddress> ForwardedFor::parseXForwardedFor(const QList<QByteArray> &values)
{
    QList<QByteArray> entries;
    for (const QByteArray &value : values)
        entries += value.split(',');
    if (entries.size() > MaxChain)
        entries = entries.mid(entries.size() - MaxChain);
    QList<QHostAddress> chain;
    chain.reserve(entries.size());
    for (const QByteArray &entry : entries)
        chain.append(parseNode(entry));
    return chain;
}

QList<QHostAddress> ForwardedFor::parseForwarded(const QList<QByteArray> &values)
{
    // forwarded-element *( "," forwarded-element ), each element pairs joined by ";",
    // a value a token or a quoted-string (in which "," and ";" are literal).
    QList<QHostAddress> chain;
    for (const QByteArray &value : values) {
        QByteArray key;
        QByteArray current;
        bool inKey = true;
        bool quoted = false;
        bool haveFor = false;
        QHostAddress forNode;
        auto endPair = [&] {
            if (!inKey && key.trimmed().compare("for", Qt::CaseInsensitive) == 0) {
                haveFor = true;
                forNode = parseNode(current);
            }
            key.clear();
            current.clear();
            inKey = true;
        };
        auto endElement = [&] {
            endPair();
            chain.append(haveFor ? forNode : QHostAddress());
            haveFor = false;
            forNode = QHostAddress();
        };
        for (qsizetype i = 0; i < value.size(); ++i) {
            const char c = value.at(i);
            if (quoted) {
                if (c == '\\' && i + 1 < value.size())
                    current += value.at(++i);
                else if (c == '"')
                    quoted = false;
                else
                    current += c;
            } else if (c == '"' && !inKey) {
                quoted = true;
            } else if (c == '=' && inKey) {
                inKey = false;
            } else if (c == ';') {
                endPair();
            } else if (c == ',') {
                endElement();
            } else if (inKey) {
                key += c;
            } else {
                current += c;
            }
        }
        endElement();
    }
    if (chain.size() > MaxChain)
        chain = chain.mid(chain.size() - MaxChain);
    return chain;
}

} // namespace WsPlug::Internal
