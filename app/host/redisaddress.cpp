// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "redisaddress_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QHostAddress>

namespace WsPlug::Internal {

namespace {
// Redis's default "databases 16"; a larger number is refused by SELECT anyway.
constexpr int MaxDb = 15;

bool isHostName(const QString &host)
{
    if (host.isEmpty() || host.size() > 253)
        return false;
    for (QChar c : host) {
        const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
                || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-') || c == QLatin1Char('.');
        if (!ok)
            return false;
    }
    return true;
}

bool parseNumber(const QString &text, int max, int *out)
{
    if (text.isEmpty() || text.size() > 5)
        return false;
    int value = 0;
    for (QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
        value = value * 10 + (c.unicode() - '0');
    }
    if (value > max)
        return false;
    *out = value;
    return true;
}
} // namespace

/*!
    Accepts "redis://HOST", "redis://HOST:PORT", either followed by "/DB"; HOST is a
    name, an IPv4 address or an IPv6 address in brackets. No user, password, query or
    fragment: a password would end up in logs and process lists (use a local socket
    or a firewall instead), and silently ignoring one would be worse.
*/
std::optional<RedisAddress> RedisAddress::parse(const QString &url, QString *why)
{
    auto fail = [why](const QString &text) {
        if (why)
            *why = text;
        return std::nullopt;
    };
    const QLatin1String scheme("redis://");
    if (!url.startsWith(scheme))
        return fail(QStringLiteral("expected redis://HOST[:PORT][/DB]"));
    QString rest = url.mid(scheme.size());
    if (rest.contains(QLatin1Char('@')) || rest.contains(QLatin1Char('?')) || rest.contains(QLatin1Char('#')))
        return fail(QStringLiteral("no user, password, query or fragment: expected redis://HOST[:PORT][/DB]"));
    RedisAddress result;
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    if (slash >= 0) {
        if (!parseNumber(rest.mid(slash + 1), MaxDb, &result.db))
            return fail(QStringLiteral("the database must be a number from 0 to %1").arg(MaxDb));
        rest.truncate(slash);
    }
    QString portText;
    if (rest.startsWith(QLatin1Char('['))) {
        const qsizetype close = rest.indexOf(QLatin1Char(']'));
        if (close < 0)
            return fail(QStringLiteral("unterminated [IPv6 address]"));
        result.host = rest.mid(1, close - 1);
        const QString after = rest.mid(close + 1);
        if (!after.isEmpty() && !after.startsWith(QLatin1Char(':')))
            return fail(QStringLiteral("expected :PORT after the [IPv6 address]"));
        portText = after.mid(1);
        if (after.startsWith(QLatin1Char(':')) && portText.isEmpty())
            return fail(QStringLiteral("empty port"));
        QHostAddress ip;
        // No scope (fe80::1%eth0): it would not survive the round trip through hiredis.
        if (result.host.contains(QLatin1Char('%')) || !ip.setAddress(result.host)
            || ip.protocol() != QAbstractSocket::IPv6Protocol)
            return fail(QStringLiteral("\"%1\" is not an IPv6 address").arg(Protocol::oneLine(result.host)));
    } else {
        const qsizetype colon = rest.indexOf(QLatin1Char(':'));
        result.host = colon < 0 ? rest : rest.left(colon);
        if (colon >= 0) {
            portText = rest.mid(colon + 1);
            if (portText.isEmpty())
                return fail(QStringLiteral("empty port"));
        }
        if (!isHostName(result.host))
            return fail(QStringLiteral("\"%1\" is not a host name or address").arg(Protocol::oneLine(result.host)));
    }
    if (!portText.isEmpty()) {
        int port = 0;
        if (!parseNumber(portText, 65535, &port) || port == 0)
            return fail(QStringLiteral("the port must be a number from 1 to 65535"));
        result.port = quint16(port);
    }
    return result;
}

QString RedisAddress::toString() const
{
    const QString h = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QStringLiteral("redis://%1:%2/%3").arg(h).arg(port).arg(db);
}

} // namespace WsPlug::Internal
