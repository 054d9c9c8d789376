// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/pluginregistry.h>

#include "logging_p.h"
#include "requesthead_p.h"
#include "routetable_p.h"

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QLibrary>
#include <QMutex>
#include <QSet>
#include <QPluginLoader>
#include <QRegularExpression>

#include <algorithm>
#include <memory>

namespace WsPlug {

namespace {
constexpr int MaxSubprotocols = 32;
} // namespace

/*!
    Checks \a qtMetaData, the object QPluginLoader::metaData() returns, and fills
    \a out. Every required key must be present with the right type; the IID must be
    the one this host speaks; ApiVersion must have the host SDK's major version and
    a minor version not newer than the host's.
*/
bool PluginMetadata::fromPluginMetaData(const QJsonObject &qtMetaData, PluginMetadata *out,
                                        QString *errorString)
{
    auto fail = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return false;
    };
    const QString iid = qtMetaData.value(QLatin1String("IID")).toString();
    if (iid != QLatin1String(WsPlugMessageHandlerInterface_iid)) {
        return fail(QStringLiteral("wrong interface id \"%1\" (this host loads \"%2\")")
                        .arg(iid, QLatin1String(WsPlugMessageHandlerInterface_iid)));
    }
    const QJsonValue mdValue = qtMetaData.value(QLatin1String("MetaData"));
    if (!mdValue.isObject())
        return fail(QStringLiteral("no plugin metadata (Q_PLUGIN_METADATA without FILE?)"));
    const QJsonObject md = mdValue.toObject();

    PluginMetadata result;
    for (const auto &[key, field] : {std::pair{"Id", &result.id}, std::pair{"Name", &result.name},
                                     std::pair{"Version", &result.version},
                                     std::pair{"ApiVersion", &result.apiVersion},
                                     std::pair{"Description", &result.description}}) {
        const QJsonValue v = md.value(QLatin1String(key));
        if (!v.isString() || v.toString().trimmed().isEmpty())
            return fail(QStringLiteral("metadata key \"%1\" is missing or not a non-empty string").arg(QLatin1String(key)));
        *field = v.toString();
    }
    static const QRegularExpression idPattern(QStringLiteral("^[a-z][a-z0-9_.-]{0,63}$"));
    if (!idPattern.match(result.id).hasMatch())
        return fail(QStringLiteral("Id \"%1\" must be lowercase letters, digits, '.', '_' or '-' (at most 64)").arg(result.id));

    if (!isSupportedApiVersion(result.apiVersion, WSPLUG_SDK_VERSION_MAJOR, WSPLUG_SDK_VERSION_MINOR, errorString))
        return false;

    const QJsonValue routes = md.value(QLatin1String("Routes"));
    if (!routes.isArray() || routes.toArray().isEmpty())
        return fail(QStringLiteral("metadata key \"Routes\" is missing or not a non-empty array"));
    for (const QJsonValue &r : routes.toArray()) {
        if (!r.isString())
            return fail(QStringLiteral("every entry of \"Routes\" must be a string"));
        QString why;
        if (!Internal::RouteTable::isValidRoute(r.toString(), &why))
            return fail(why);
        if (result.routes.contains(r.toString()))
            return fail(QStringLiteral("route \"%1\" is listed twice").arg(r.toString()));
        result.routes.append(r.toString());
    }

    // Optional: the subprotocols the plugin speaks (RFC 6455 4.1: tokens), preferred first.
    const QJsonValue subprotocols = md.value(QLatin1String("Subprotocols"));
    if (!subprotocols.isUndefined()) {
        if (!subprotocols.isArray() || subprotocols.toArray().size() > MaxSubprotocols)
            return fail(QStringLiteral("metadata key \"Subprotocols\" must be an array of at most %1 strings").arg(MaxSubprotocols));
        for (const QJsonValue &v : subprotocols.toArray()) {
            const QString name = v.toString();
            if (!v.isString() || !Internal::RequestHead::isToken(name.toLatin1()) || name.toLatin1() != name.toUtf8()
                || name.size() > 128)
                return fail(QStringLiteral("every entry of \"Subprotocols\" must be an HTTP token of at most 128 characters"));
            if (result.subprotocols.contains(name))
                return fail(QStringLiteral("subprotocol \"%1\" is listed twice").arg(name));
            result.subprotocols.append(name);
        }
    }
    if (out)
        *out = result;
    return true;
}

/*!
    Whether a plugin whose metadata says "ApiVersion": \a apiVersion may run on a host
    that provides SDK \a hostMajor.\a hostMinor. \a apiVersion must be MAJOR.MINOR in
    ASCII digits; the major must equal the host's (a major release changes the
    interface's vtable) and the minor must not be newer (a newer minor may use
    capabilities this host does not have). An older minor is fine: a minor release
    only adds. Otherwise sets \a errorString and returns false.
*/
bool PluginMetadata::isSupportedApiVersion(const QString &apiVersion, int hostMajor, int hostMinor,
                                           QString *errorString)
{
    auto fail = [&](const QString &why) {
        if (errorString)
            *errorString = why;
        return false;
    };
    static const QRegularExpression versionPattern(QStringLiteral("^([0-9]+)\\.([0-9]+)$"));
    const auto version = versionPattern.match(apiVersion);
    if (!version.hasMatch())
        return fail(QStringLiteral("ApiVersion \"%1\" is not MAJOR.MINOR").arg(apiVersion));
    bool majorOk = false;
    bool minorOk = false;
    const int major = version.captured(1).toInt(&majorOk);
    const int minor = version.captured(2).toInt(&minorOk);
    const QString host = QStringLiteral("%1.%2").arg(hostMajor).arg(hostMinor);
    // A number too large for int is no version any host has, never minor 0.
    if (!majorOk || !minorOk || major != hostMajor) {
        return fail(QStringLiteral("ApiVersion %1 is not supported (this host provides SDK %2; "
                                   "the major version must be %3)").arg(apiVersion, host).arg(hostMajor));
    }
    if (minor > hostMinor) {
        return fail(QStringLiteral("ApiVersion %1 is not supported (this host provides SDK %2; "
                                   "the plugin needs a newer host)").arg(apiVersion, host));
    }
    return true;
}

namespace {

// Root instances in use by a registry, process-wide (hosts may run on several threads).
Q_GLOBAL_STATIC(QMutex, sharedRootsMutex)
Q_GLOBAL_STATIC(QSet<QString>, sharedRootsInUse)

bool claimSharedRoot(const QString &file)
{
    QMutexLocker lock(sharedRootsMutex());
    if (sharedRootsInUse->contains(file))
        return false;
    sharedRootsInUse->insert(file);
    return true;
}

void releaseSharedRoot(const QString &file)
{
    QMutexLocker lock(sharedRootsMutex());
    sharedRootsInUse->remove(file);
}

} // namespace

struct PluginRegistry::Private
{
    struct Loaded
    {
        PluginMetadata metadata;
        std::unique_ptr<QPluginLoader> loader;
        std::unique_ptr<QObject> ownInstance;   // made for this registry; null when sharing the root
        MessageHandlerInterface *handler = nullptr;
    };
    std::vector<Loaded> loaded;
    QList<RefusedPlugin> refused;
    Internal::RouteTable routes;

    void loadFile(const QString &filePath);
    // The library stays mapped after release: unmapping code that Qt may still
    // reference (metatypes, queued calls) is not worth the risk.
    void release(Loaded &plugin)
    {
        if (plugin.ownInstance)
            plugin.ownInstance.reset();
        else
            releaseSharedRoot(plugin.metadata.fileName);
    }
    void refuse(const QString &file, const QString &reason)
    {
        qCWarning(lcPlugins).noquote() << "refused plugin" << file << "-" << reason;
        refused.append({file, reason});
    }
};

PluginRegistry::PluginRegistry()
    : d(std::make_unique<Private>())
{
}

PluginRegistry::~PluginRegistry()
{
    unloadAll();
}

/*!
    The directories searched when the configuration names none: $WSPLUG_PLUGIN_PATH
    (colon-separated), then "../plugins" next to the program (the build tree), then
    the installed plugin directory. Only existing directories are returned.
*/
QStringList PluginRegistry::defaultPluginDirs()
{
    QStringList candidates;
    const QString env = qEnvironmentVariable("WSPLUG_PLUGIN_PATH");
    if (!env.isEmpty())
        candidates += env.split(QLatin1Char(':'), Qt::SkipEmptyParts);
    if (QCoreApplication::instance()) {
        const QString appDir = QCoreApplication::applicationDirPath();
        candidates << appDir + QStringLiteral("/../plugins")
                   << appDir + QStringLiteral("/../" WSPLUG_INSTALL_PLUGINDIR);
    }
    candidates << QStringLiteral(WSPLUG_BUILD_PLUGINDIR);
    QStringList dirs;
    for (const QString &c : std::as_const(candidates)) {
        const QFileInfo info(c);
        const QString canonical = info.canonicalFilePath();
        if (info.isDir() && !dirs.contains(canonical)) {
            dirs << canonical;
            // The first existing bundled directory wins: build-tree and installed
            // copies of the same plugins would only refuse each other.
            if (env.isEmpty() || !env.split(QLatin1Char(':')).contains(c))
                break;
        }
    }
    return dirs;
}

/*!
    The metadata of the plugins in \a dirs that the host would try to load, read without
    loading any plugin code (for a program's --help). Refusals are not reported.
*/
QList<PluginMetadata> PluginRegistry::inspect(const QStringList &dirs)
{
    QList<PluginMetadata> found;
    for (const QString &dir : dirs) {
        const QFileInfoList files = QDir(dir).entryInfoList(QDir::Files | QDir::Readable, QDir::Name);
        for (const QFileInfo &file : files) {
            if (!QLibrary::isLibrary(file.fileName()))
                continue;
            PluginMetadata md;
            if (!PluginMetadata::fromPluginMetaData(QPluginLoader(file.absoluteFilePath()).metaData(), &md, nullptr))
                continue;
            md.fileName = file.absoluteFilePath();
            if (std::none_of(found.cbegin(), found.cend(), [&md](const PluginMetadata &o) { return o.id == md.id; }))
                found.append(md);
        }
    }
    return found;
}

void PluginRegistry::load(const QStringList &dirs)
{
    for (const QString &dir : dirs) {
        const QDir d(dir);
        if (!d.exists()) {
            this->d->refuse(dir, QStringLiteral("plugin directory does not exist"));
            continue;
        }
        const QFileInfoList files = d.entryInfoList(QDir::Files | QDir::Readable, QDir::Name);
        for (const QFileInfo &file : files) {
            if (QLibrary::isLibrary(file.fileName()))
                this->d->loadFile(file.absoluteFilePath());
        }
    }
}

void PluginRegistry::Private::loadFile(const QString &filePath)
{
    auto loader = std::make_unique<QPluginLoader>(filePath);
    // Resolve every symbol at load time: a missing one must refuse the plugin
    // here, not crash the host the first time the plugin calls it.
    loader->setLoadHints(QLibrary::ResolveAllSymbolsHint);
    const QJsonObject qtMetaData = loader->metaData();
    if (qtMetaData.isEmpty()) {
        refuse(filePath, QStringLiteral("not a Qt plugin (%1)").arg(loader->errorString()));
        return;
    }
    PluginMetadata md;
    QString why;
    if (!PluginMetadata::fromPluginMetaData(qtMetaData, &md, &why)) {
        refuse(filePath, why);
        return;
    }
    md.fileName = filePath;
    for (const Loaded &other : loaded) {
        if (other.metadata.id == md.id) {
            refuse(filePath, QStringLiteral("Id \"%1\" is already loaded from %2").arg(md.id, other.metadata.fileName));
            return;
        }
    }
    for (const QString &route : std::as_const(md.routes)) {
        const QString owner = routes.owner(route);
        if (!owner.isEmpty()) {
            refuse(filePath, QStringLiteral("route \"%1\" is already served by plugin \"%2\"").arg(route, owner));
            return;
        }
    }
    if (!loader->load()) {
        refuse(filePath, QStringLiteral("cannot load: %1").arg(loader->errorString()));
        return;
    }
    QObject *root = loader->instance();
    if (!qobject_cast<MessageHandlerInterface *>(root)) {
        refuse(filePath, QStringLiteral("the plugin object does not implement %1")
                             .arg(QLatin1String(WsPlugMessageHandlerInterface_iid)));
        return;
    }
    // Qt keeps one root instance per library and process. A host makes its own
    // instance when the class allows it, so that hosts never share plugin state.
    std::unique_ptr<QObject> own(root->metaObject()->constructorCount() > 0 ? root->metaObject()->newInstance() : nullptr);
    QObject *object = own ? own.get() : root;
    if (!own && !claimSharedRoot(filePath)) {
        refuse(filePath, QStringLiteral("already in use by another host in this process (give the plugin class "
                                        "a Q_INVOKABLE default constructor to allow several hosts)"));
        return;
    }
    auto *handler = qobject_cast<MessageHandlerInterface *>(object);
    for (const QString &route : std::as_const(md.routes))
        routes.add(route, md.id, nullptr);
    // Info-level "serves" comes once initialize() succeeded (pluginhost.cpp), so that a
    // plugin refused there is never announced as loaded first.
    qCDebug(lcPlugins).noquote() << "loaded plugin file" << filePath << "id" << md.id;
    loaded.push_back({md, std::move(loader), std::move(own), handler});
}

bool PluginRegistry::addBuiltin(const PluginMetadata &md, std::unique_ptr<QObject> object)
{
    auto *handler = qobject_cast<MessageHandlerInterface *>(object.get());
    QString why;
    if (!handler)
        why = QStringLiteral("not a message handler");
    for (const auto &other : d->loaded) {
        if (other.metadata.id == md.id)
            why = QStringLiteral("Id \"%1\" is already loaded from %2").arg(md.id, other.metadata.fileName);
    }
    for (const QString &route : md.routes) {
        if (const QString owner = d->routes.owner(route); !owner.isEmpty())
            why = QStringLiteral("route \"%1\" is already served by plugin \"%2\"").arg(route, owner);
    }
    if (!why.isEmpty()) {
        d->refuse(md.fileName, why);
        return false;
    }
    for (const QString &route : md.routes)
        d->routes.add(route, md.id, nullptr);
    d->loaded.push_back({md, nullptr, std::move(object), handler});
    return true;
}

void PluginRegistry::refuse(const QString &id, const QString &reason)
{
    for (auto it = d->loaded.begin(); it != d->loaded.end(); ++it) {
        if (it->metadata.id == id) {
            d->refuse(it->metadata.fileName, reason);
            d->routes.removePlugin(id);
            d->release(*it);
            d->loaded.erase(it);
            return;
        }
    }
}

void PluginRegistry::unloadAll()
{
    while (!d->loaded.empty()) {
        d->release(d->loaded.back());
        d->loaded.pop_back();
    }
    d->routes = Internal::RouteTable();
}

QList<PluginMetadata> PluginRegistry::loaded() const
{
    QList<PluginMetadata> result;
    for (const auto &p : d->loaded)
        result.append(p.metadata);
    return result;
}

QList<RefusedPlugin> PluginRegistry::refused() const
{
    return d->refused;
}

MessageHandlerInterface *PluginRegistry::handler(const QString &id) const
{
    for (const auto &p : d->loaded) {
        if (p.metadata.id == id)
            return p.handler;
    }
    return nullptr;
}

std::pair<QString, QString> PluginRegistry::match(const QString &path) const
{
    const auto m = d->routes.match(path);
    return {m.pluginId, m.route};
}

} // namespace WsPlug
