// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "routetable_p.h"

#include <algorithm>

namespace WsPlug::Internal {

namespace {
const QString prefixSuffix = QStringLiteral("/*");

QString prefixOf(const QString &route)
{
    return route.chopped(1);   // "/broadcast/*" -> "/broadcast/"
}
} // namespace

bool RouteTable::isValidRoute(const QString &route, QString *errorString)
{
    auto fail = [&](const QString &why) {
        if (errorString)
            *errorString = QStringLiteral("route \"%1\": %2").arg(route, why);
        return false;
    };
    if (!route.startsWith(QLatin1Char('/')))
        return fail(QStringLiteral("must start with '/'"));
    if (route.size() > 256)
        return fail(QStringLiteral("longer than 256 characters"));
    for (QChar c : route) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f || c == QLatin1Char('?') || c == QLatin1Char('#'))
            return fail(QStringLiteral("only printable ASCII without '?', '#' or spaces is allowed"));
    }
    const qsizetype star = route.indexOf(QLatin1Char('*'));
    if (star >= 0 && (star != route.size() - 1 || !route.endsWith(prefixSuffix)))
        return fail(QStringLiteral("'*' may only end a route, as \"/prefix/*\""));
    if (route == prefixSuffix)
        return fail(QStringLiteral("\"/*\" would swallow every path"));
    if (route.startsWith(QStringLiteral("/_")))
        return fail(QStringLiteral("paths starting with \"/_\" are reserved for the host"));
    return true;
}

QString RouteTable::owner(const QString &route) const
{
    if (route.endsWith(prefixSuffix)) {
        const QString prefix = prefixOf(route);
        for (const auto &[p, id] : m_prefixes) {
            if (p == prefix)
                return id;
        }
        return {};
    }
    return m_exact.value(route);
}

bool RouteTable::add(const QString &route, const QString &pluginId, QString *errorString)
{
    if (!isValidRoute(route, errorString))
        return false;
    const QString current = owner(route);
    if (!current.isEmpty()) {
        if (errorString)
            *errorString = QStringLiteral("route \"%1\" is already served by plugin \"%2\"").arg(route, current);
        return false;
    }
    if (route.endsWith(prefixSuffix)) {
        m_prefixes.append({prefixOf(route), pluginId});
        std::stable_sort(m_prefixes.begin(), m_prefixes.end(),
                         [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
    } else {
        m_exact.insert(route, pluginId);
    }
    return true;
}

void RouteTable::removePlugin(const QString &pluginId)
{
    m_exact.removeIf([&](const auto &it) { return it.value() == pluginId; });
    m_prefixes.removeIf([&](const auto &entry) { return entry.second == pluginId; });
}

RouteTable::Match RouteTable::match(const QString &path) const
{
    const auto exact = m_exact.constFind(path);
    if (exact != m_exact.cend())
        return {exact.value(), exact.key()};
    for (const auto &[prefix, id] : m_prefixes) {
        if (path.startsWith(prefix))
            return {id, prefix + QLatin1Char('*')};
    }
    return {};
}

} // namespace WsPlug::Internal
