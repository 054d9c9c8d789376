// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QStringList>

#include <memory>

class QObject;

namespace WsPlug {

class MessageHandlerInterface;

//! A right a plugin checks (its metadata's "Rights"; docs/security.md, "Rights"): the
//! token roles that hold it, on the routes it governs.
struct PluginRight
{
    QString name;          //!< e.g. "publish"
    QStringList roles;     //!< a token with any of these roles holds it
    QStringList routes;    //!< the plugin's routes it governs; empty: all of them
    QString description;
};

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
    QList<PluginRight> rights;  //!< the rights it checks (optional; SDK 2.1)
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
 *
 * The code of a plugin file is loaded from a private copy (in a temporary directory
 * of this registry, removed with it), so the file itself may be overwritten or removed
 * while it is loaded. One loaded copy is a "build": while a replaced plugin's last
 * sessions drain, its old build stays loaded beside the new one (see HostServer).
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
    //! Unloads every plugin, in reverse load order, and removes the private copies.
    void unloadAll();

    QList<PluginMetadata> loaded() const;      //!< routed plugins, in load order
    QList<RefusedPlugin> refused() const;
    //! Plugins no longer routed (file removed or replaced) still serving their last sessions.
    QList<PluginMetadata> draining() const;
    MessageHandlerInterface *handler(const QString &id) const;
    //! The plugin id and declared route serving \a path, or empty strings.
    std::pair<QString, QString> match(const QString &path) const;
    //! The id of the routed plugin loaded from \a filePath, or empty.
    QString idForFile(const QString &filePath) const;

    // Hot loading, step by step (HostServer drives it). A build number is never reused.

    /*! Loads a private copy of \a filePath without routing it yet. Its Id and routes
        must be free, except those of plugin \a replacingId, which it is to replace.
        0 with \a errorString (and an entry in refused()) if it is refused. */
    quint64 stageFile(const QString &filePath, const QString &replacingId, QString *errorString);
    //! Routes staged \a build. The routed build of the plugin it replaces is retired
    //! (no longer routed, still loaded) and returned; 0 if there was none.
    quint64 activate(quint64 build);
    //! Stops routing plugin \a id; its build (returned, 0 if none) stays loaded until release().
    quint64 retire(const QString &id);
    //! Refuses \a build (staged: e.g. its initialize() failed) with \a reason and releases it.
    void refuseBuild(quint64 build, const QString &reason);
    /*! Deletes the instance of \a build, unloads its library and removes its private
        copy. Call it only once nothing of the plugin runs or exists any more. False if
        there is no such build. */
    bool release(quint64 build);
    //! Forgets the refusal of \a filePath (it was removed).
    void forgetRefused(const QString &filePath);
    quint64 buildOf(const QString &id) const;   //!< the routed build of plugin \a id, or 0
    PluginMetadata metadata(quint64 build) const;
    MessageHandlerInterface *handlerOf(quint64 build) const;

private:
    struct Private;
    std::unique_ptr<Private> const d;
};

} // namespace WsPlug

Q_DECLARE_METATYPE(WsPlug::PluginMetadata)
