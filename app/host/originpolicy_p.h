// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QString>
#include <QStringList>

#include <optional>

namespace WsPlug::Internal {

// Which browser origins may open a WebSocket on a route (`--allowed-origins`). Entries
// are "[ROUTE=]ORIGIN[,ORIGIN...]": without a route they apply to every plugin route,
// with one they replace those for that route (or path). An origin is "*", an exact
// "scheme://host[:port]", or "scheme://*.domain[:port]" for any subdomain (not the
// domain itself). A request without an Origin header (not a browser) is never refused
// here: tokens are what guard those. No I/O.
class WSPLUG_EXPORT OriginPolicy
{
public:
    //! The policy of \a entries, or nothing with \a errorString naming the bad entry.
    static std::optional<OriginPolicy> parse(const QStringList &entries, QString *errorString);

    //! True if a request on \a route (the plugin route) or \a path from \a origin (its
    //! Origin header, empty if it had none) may upgrade.
    bool allows(const QString &route, const QString &path, const QString &origin) const;
    bool isEmpty() const { return m_rules.isEmpty(); }

private:
    struct Rule
    {
        QString route;          // empty: every route without a rule of its own
        QStringList origins;    // lower case
    };
    static bool matches(const QString &pattern, const QString &origin);
    QList<Rule> m_rules;
};

} // namespace WsPlug::Internal
