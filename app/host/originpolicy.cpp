// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "originpolicy_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QRegularExpression>

namespace WsPlug::Internal {

namespace {

//! scheme://host[:port], the host possibly "*.domain"; what a browser's Origin looks like.
bool isOriginPattern(const QString &pattern)
{
    static const QRegularExpression shape(QStringLiteral(
            R"(^[a-z][a-z0-9+.-]*://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$)"));
    return pattern == QLatin1String("*") || shape.match(pattern).hasMatch();
}

} // namespace

std::optional<OriginPolicy> OriginPolicy::parse(const QStringList &entries, QString *errorString)
{
    OriginPolicy policy;
    for (const QString &entry : entries) {
        Rule rule;
        QString list = entry;
        const qsizetype equals = entry.indexOf(QLatin1Char('='));
        if (equals >= 0) {
            rule.route = entry.left(equals).trimmed();
            list = entry.mid(equals + 1);
            if (!rule.route.startsWith(QLatin1Char('/'))) {
                *errorString = QStringLiteral("allowed-origins: \"%1\" is not a route starting with /")
                                   .arg(Protocol::oneLine(rule.route));
                return std::nullopt;
            }
        }
        for (const QString &part : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString origin = part.trimmed().toLower();
            if (!isOriginPattern(origin)) {
                *errorString = QStringLiteral("allowed-origins: \"%1\" is not an origin (*, scheme://host[:port] or "
                                              "scheme://*.domain[:port])").arg(Protocol::oneLine(part.trimmed()));
                return std::nullopt;
            }
            rule.origins.append(origin);
        }
        if (rule.origins.isEmpty()) {
            *errorString = QStringLiteral("allowed-origins: \"%1\" names no origin").arg(Protocol::oneLine(entry));
            return std::nullopt;
        }
        policy.m_rules.append(rule);
    }
    return policy;
}

bool OriginPolicy::matches(const QString &pattern, const QString &origin)
{
    if (pattern == QLatin1String("*") || pattern == origin)
        return true;
    const qsizetype star = pattern.indexOf(QLatin1String("://*."));
    if (star < 0)
        return false;
    // "https://*.example.org" takes "https://a.example.org", "https://b.a.example.org":
    // the same scheme, a non-empty label, and the rest exactly (the port included).
    const QString scheme = pattern.left(star + 3);
    const QString suffix = pattern.mid(star + 4);   // ".example.org[:port]"
    return origin.startsWith(scheme) && origin.endsWith(suffix) && origin.size() > scheme.size() + suffix.size();
}

bool OriginPolicy::allows(const QString &route, const QString &path, const QString &origin) const
{
    if (m_rules.isEmpty() || origin.isEmpty())
        return true;
    // The route's own rules if it has any, else the general ones.
    QStringList own;
    QStringList general;
    for (const Rule &r : m_rules) {
        if (r.route.isEmpty())
            general += r.origins;
        else if (r.route == route || r.route == path)
            own += r.origins;
    }
    const QStringList &allowed = own.isEmpty() ? general : own;
    if (allowed.isEmpty())
        return true;   // rules for other routes only
    const QString lower = origin.toLower();
    for (const QString &pattern : std::as_const(allowed)) {
        if (matches(pattern, lower))
            return true;
    }
    return false;
}

} // namespace WsPlug::Internal
