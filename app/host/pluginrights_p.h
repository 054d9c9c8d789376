// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/pluginregistry.h>
#include <wsplug/wsplug_export.h>

#include <QJsonValue>
#include <QVariantMap>

namespace WsPlug::Internal {

/*
 * A plugin's rights (docs/security.md, "Rights"): the metadata's "Rights", checked
 * before the plugin runs; the host config's overrides of their roles; and the form
 * the plugin reads them in (its settings' "rights", read by wsplug/sdk/rights.h).
 * No I/O.
 */
namespace PluginRights {

inline constexpr int MaxRights = 32;
inline constexpr int MaxRoles = 32;

//! Reads the metadata's "Rights" (\a value; undefined: none) of a plugin serving
//! \a routes into \a out; false with a one-line \a errorString if malformed.
WSPLUG_EXPORT bool fromMetadata(const QJsonValue &value, const QStringList &routes, QList<PluginRight> *out, QString *errorString);

//! \a settings (the host config's object for the plugin) as the plugin gets them: its
//! "rights" holding \a declared, each with the roles the config's "rights" gives it
//! instead, if any ({"publish": ["editor"]}). False with \a errorString if the config
//! names a right the plugin does not declare or gives roles that are not strings.
WSPLUG_EXPORT bool effectiveSettings(const QList<PluginRight> &declared, const QVariantMap &settings, QVariantMap *out,
                       QString *errorString);

} // namespace PluginRights

} // namespace WsPlug::Internal
