// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QHash>
#include <QList>
#include <QString>

namespace WsPlug::Internal {

// Maps request paths to plugins. A route is exact ("/echo") or a prefix
// ("/broadcast/" + "*", which matches "/broadcast/" followed by anything). An exact
// route wins over a prefix; among prefixes the longest wins. No I/O.
class WSPLUG_EXPORT RouteTable
{
public:
    struct Match
    {
        QString pluginId;
        QString route;    //!< the route as declared, e.g. "/broadcast/*"
        bool isValid() const { return !pluginId.isEmpty(); }
    };

    //! False with a reason if \a route is malformed.
    static bool isValidRoute(const QString &route, QString *errorString);
    //! Which plugin already claims \a route, or empty.
    QString owner(const QString &route) const;
    //! Adds a route; false with a reason if it is malformed or already claimed.
    bool add(const QString &route, const QString &pluginId, QString *errorString);
    void removePlugin(const QString &pluginId);
    Match match(const QString &path) const;

private:
    QHash<QString, QString> m_exact;                 // path -> plugin id
    QList<std::pair<QString, QString>> m_prefixes;   // "/broadcast/" -> plugin id, longest first
};

} // namespace WsPlug::Internal
