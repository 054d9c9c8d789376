// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pluginrights_p.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

namespace WsPlug::Internal::PluginRights {

namespace {

bool fail(QString *errorString, const QString &why)
{
    if (errorString)
        *errorString = why;
    return false;
}

//! Roles are the strings a token's "roles" claim holds: non-empty, printable, short.
bool isRole(const QString &role)
{
    static const QRegularExpression pattern(QStringLiteral("^[\\x21-\\x7e]{1,64}$"));
    return pattern.match(role).hasMatch();
}

} // namespace

bool fromMetadata(const QJsonValue &value, const QStringList &routes, QList<PluginRight> *out, QString *errorString)
{
    out->clear();
    if (value.isUndefined())
        return true;
    if (!value.isObject() || value.toObject().size() > MaxRights)
        return fail(errorString, QStringLiteral("metadata key \"Rights\" must be an object of at most %1 rights").arg(MaxRights));
    static const QRegularExpression namePattern(QStringLiteral("^[a-z][A-Za-z0-9_.-]{0,63}$"));
    const QJsonObject rights = value.toObject();
    for (auto it = rights.begin(); it != rights.end(); ++it) {
        PluginRight right;
        right.name = it.key();
        const QString where = QStringLiteral("right \"%1\"").arg(right.name.left(64));
        if (!namePattern.match(right.name).hasMatch())
            return fail(errorString, QStringLiteral("%1: a right's name is a lowercase letter, then letters, digits, '.', '_' or '-' (at most 64)").arg(where));
        if (!it->isObject())
            return fail(errorString, QStringLiteral("%1 must be an object with \"Roles\"").arg(where));
        const QJsonObject o = it->toObject();
        for (auto key = o.begin(); key != o.end(); ++key) {
            if (key.key() != QLatin1String("Roles") && key.key() != QLatin1String("Routes")
                && key.key() != QLatin1String("Description"))
                return fail(errorString, QStringLiteral("%1: unknown key \"%2\" (Roles, Routes, Description)").arg(where, key.key().left(64)));
        }
        const QJsonValue roles = o.value(QLatin1String("Roles"));
        if (!roles.isArray() || roles.toArray().size() > MaxRoles)
            return fail(errorString, QStringLiteral("%1: \"Roles\" must be an array of at most %2 roles").arg(where).arg(MaxRoles));
        for (const QJsonValue &role : roles.toArray()) {
            if (!role.isString() || !isRole(role.toString()))
                return fail(errorString, QStringLiteral("%1: every role is 1 to 64 printable ASCII characters without spaces").arg(where));
            right.roles.append(role.toString());
        }
        const QJsonValue governed = o.value(QLatin1String("Routes"));
        if (!governed.isUndefined()) {
            if (!governed.isArray() || governed.toArray().isEmpty())
                return fail(errorString, QStringLiteral("%1: \"Routes\" must be a non-empty array of the plugin's routes").arg(where));
            for (const QJsonValue &route : governed.toArray()) {
                if (!routes.contains(route.toString()))
                    return fail(errorString, QStringLiteral("%1: \"%2\" is not one of the plugin's routes").arg(where, route.toString().left(128)));
                right.routes.append(route.toString());
            }
        }
        const QJsonValue description = o.value(QLatin1String("Description"));
        if (!description.isUndefined() && !description.isString())
            return fail(errorString, QStringLiteral("%1: \"Description\" must be a string").arg(where));
        right.description = description.toString().left(200);
        out->append(right);
    }
    return true;
}

bool effectiveSettings(const QList<PluginRight> &declared, const QVariantMap &settings, QVariantMap *out,
                       QString *errorString)
{
    *out = settings;
    const QVariant overrides = settings.value(QStringLiteral("rights"));
    if (declared.isEmpty()) {
        if (overrides.isValid())
            return fail(errorString, QStringLiteral("settings: \"rights\" is given, but the plugin declares no rights"));
        return true;
    }
    if (overrides.isValid() && overrides.typeId() != QMetaType::QVariantMap)
        return fail(errorString, QStringLiteral("settings: \"rights\" must be an object of right names to lists of roles"));
    const QVariantMap given = overrides.toMap();
    for (auto it = given.cbegin(); it != given.cend(); ++it) {
        const bool known = std::any_of(declared.cbegin(), declared.cend(),
                                       [&](const PluginRight &r) { return r.name == it.key(); });
        if (!known)
            return fail(errorString, QStringLiteral("settings: the plugin declares no right \"%1\"").arg(it.key().left(64)));
        if (it->typeId() != QMetaType::QVariantList)
            return fail(errorString, QStringLiteral("settings: \"rights\".\"%1\" must be a list of roles").arg(it.key()));
        if (it->toList().size() > MaxRoles)
            return fail(errorString, QStringLiteral("settings: \"rights\".\"%1\" has more than %2 roles").arg(it.key()).arg(MaxRoles));
        for (const QVariant &role : it->toList()) {
            if (role.typeId() != QMetaType::QString || !isRole(role.toString()))
                return fail(errorString, QStringLiteral("settings: \"rights\".\"%1\": every role is 1 to 64 printable ASCII characters "
                                                        "without spaces").arg(it.key()));
        }
    }
    QVariantMap rights;
    for (const PluginRight &r : declared) {
        const QStringList roles = given.contains(r.name) ? given.value(r.name).toStringList() : r.roles;
        rights.insert(r.name, QVariantMap{{QStringLiteral("roles"), roles}, {QStringLiteral("routes"), r.routes}});
    }
    out->insert(QStringLiteral("rights"), rights);
    return true;
}

} // namespace WsPlug::Internal::PluginRights
