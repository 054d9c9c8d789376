// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/message.h>

#include <QHash>
#include <QSet>
#include <QVariantMap>

namespace WsPlug {

/*
 * The rights a plugin checks (SDK 2.1; docs/security.md, "Rights"). A plugin declares
 * them in its metadata:
 *
 *     "Rights": { "publish": { "Roles": ["publisher"], "Description": "publish to a topic" },
 *                 "kick": { "Roles": ["moderator"], "Routes": ["/chat"] } }
 *
 * The host checks the declaration before the plugin runs, lets the operator give a
 * right other roles in the config ("plugins": {"<Id>": {"rights": {"publish": ["editor"]}}}),
 * and hands the result to the plugin in its settings' "rights", which this reads.
 *
 * Rights are about who a bearer token says a client is. A session holds a right when
 * - the right governs its route (a right without "Routes" governs all of them; on
 *   other routes everyone holds it), and
 * - it presented no token: its route takes none (no --require-token), so nobody
 *   there is identified and the route is open to all; require tokens where rights
 *   matter; or
 * - its token's "roles" claim has one of the right's roles.
 * A right the plugin did not declare is held by nobody. Header-only, QtCore only.
 */
class Rights
{
public:
    Rights() = default;
    //! The rights in \a settings (HostContext::settings()).
    static Rights fromSettings(const QVariantMap &settings)
    {
        Rights r;
        const QVariantMap rights = settings.value(QStringLiteral("rights")).toMap();
        for (auto it = rights.cbegin(); it != rights.cend(); ++it) {
            const QVariantMap right = it->toMap();
            const QStringList roles = right.value(QStringLiteral("roles")).toStringList();
            const QStringList routes = right.value(QStringLiteral("routes")).toStringList();
            r.m_rights.insert(it.key(), {QSet<QString>(roles.cbegin(), roles.cend()),
                                         QSet<QString>(routes.cbegin(), routes.cend())});
        }
        return r;
    }

    bool isDeclared(const QString &right) const { return m_rights.contains(right); }

    //! Whether \a session holds \a right (see above).
    bool allows(const SessionInfo &session, const QString &right) const
    {
        const auto it = m_rights.constFind(right);
        if (it == m_rights.cend())
            return false;
        if (!it->routes.isEmpty() && !it->routes.contains(session.route))
            return true;
        // Every session on a route that takes a token has its claims (at least "exp"
        // or "sub"); a session with none came in where no token is asked for.
        if (session.claims.isEmpty())
            return true;
        for (const QString &role : session.roles) {
            if (it->roles.contains(role))
                return true;
        }
        return false;
    }

    //! The roles that hold \a right, for messages ("needs the role publisher").
    QStringList roles(const QString &right) const
    {
        const QSet<QString> roles = m_rights.value(right).roles;
        QStringList sorted(roles.cbegin(), roles.cend());
        sorted.sort();
        return sorted;
    }

private:
    struct Right
    {
        QSet<QString> roles;
        QSet<QString> routes;
    };
    QHash<QString, Right> m_rights;
};

} // namespace WsPlug
