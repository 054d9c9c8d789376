// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QJsonObject>
#include <QList>
#include <QStringList>

#include <memory>

class QObject;

namespace WsPlug {

class MessageHandlerInterface;

//! A plugin's metadata, as declared in its <name>.json.
struct WSPLUG_EXPORT PluginMetadata
{
    QString id;
    QString name;
    QString version;
    QString apiVersion;
    QString description;
    QStringList routes;   //!< "/echo" is exact; "/broadcast/*" also matches "/broadcast/<anything>"
    QStringList subprotocols;   //!< Sec-WebSocket-Protocol values it speaks, preferred first (optional)
    QString fileName;

    /*! Validates the metadata object a Qt plugin carries (QPluginLoader::metaData()):
        the IID and, under "MetaData", the required keys, their types, the ApiVersion
        and the routes. No I/O, so it can be unit-tested and fuzzed. */
    static bool fromPluginMetaData(const QJsonObject &qtMetaData, PluginMetadata *out,
                                   QString *errorString);
    //! Whether a plugin built against SDK \a apiVersion runs on a host with SDK
    //! \a hostMajor.\a hostMinor: same major, minor not newer. Pure, for tests.
    static bool isSupportedApiVersion(const QString &apiVersion, int hostMajor, int hostMinor,
                                      QString *errorString);
};

//! A plugin file the host would not use, and why.
struct RefusedPlugin
{
    QString fileName;
    QString reason;
};

/*
 * Finds, checks and loads handler plugins. Metadata is checked before the plugin's
 * code is run; a refused plugin never stops the others from loading.
 */
class WSPLUG_EXPORT PluginRegistry
{
public:
    PluginRegistry();
    ~PluginRegistry();
    PluginRegistry(const PluginRegistry &) = delete;
    PluginRegistry &operator=(const PluginRegistry &) = delete;

    //! The bundled plugin directory: build/plugins in the build tree, or the installed one.
    static QStringList defaultPluginDirs();
    //! The metadata of the plugins found in \a dirs, read without loading their code.
    static QList<PluginMetadata> inspect(const QStringList &dirs);

    //! Scans each directory and loads every plugin it accepts.
    void load(const QStringList &dirs);
    /*! Adds a handler built into the program (an --exec route), owned from now on.
        False with the reason if its Id or a route is taken. */
    bool addBuiltin(const PluginMetadata &metadata, std::unique_ptr<QObject> handler);
    //! Marks a loaded plugin as refused (e.g. its initialize() failed) and unloads it.
    void refuse(const QString &id, const QString &reason);
    //! Unloads every plugin, in reverse load order.
    void unloadAll();

    QList<PluginMetadata> loaded() const;      //!< in load order
    QList<RefusedPlugin> refused() const;
    MessageHandlerInterface *handler(const QString &id) const;
    //! The plugin id and declared route serving \a path, or empty strings.
    std::pair<QString, QString> match(const QString &path) const;

private:
    struct Private;
    std::unique_ptr<Private> const d;
};

} // namespace WsPlug
