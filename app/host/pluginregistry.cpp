// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/pluginregistry.h>

#include "logging_p.h"
#include "pluginrights_p.h"
#include "pluginwatcher_p.h"
#include "requesthead_p.h"
#include "routetable_p.h"

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLibrary>
#include <QPluginLoader>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <memory>

#include <cerrno>

#include <signal.h>

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

    // Optional since SDK 2.1: the rights it checks (wsplug/sdk/rights.h reads them).
    const QJsonValue rights = md.value(QLatin1String("Rights"));
    if (!rights.isUndefined() && isSupportedApiVersion(result.apiVersion, WSPLUG_SDK_VERSION_MAJOR, 0, nullptr))
        return fail(QStringLiteral("metadata key \"Rights\" needs ApiVersion %1.1 or newer").arg(WSPLUG_SDK_VERSION_MAJOR));
    if (!Internal::PluginRights::fromMetadata(rights, result.routes, &result.rights, errorString))
        return false;
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

struct PluginRegistry::Private
{
    enum class State { Staged, Routed, Retired };
    struct Loaded
    {
        PluginMetadata metadata;               // fileName: the file as the user knows it
        std::unique_ptr<QPluginLoader> loader; // of the private copy; null for a builtin
        std::unique_ptr<QObject> ownInstance;  // made for this registry; null when using the root
        MessageHandlerInterface *handler = nullptr;
        quint64 build = 0;
        QString copyPath;                      // the private copy the code was loaded from
        QString replaces;                      // staged: the plugin whose routes it takes over
        State state = State::Routed;
    };
    std::vector<Loaded> loaded;                // in load order
    QList<RefusedPlugin> refused;
    Internal::RouteTable routes;
    std::unique_ptr<QTemporaryDir> copies;     // made on first use
    quint64 nextBuild = 1;

    Loaded *find(quint64 build)
    {
        const auto it = std::find_if(loaded.begin(), loaded.end(), [build](const Loaded &p) { return p.build == build; });
        return it == loaded.end() ? nullptr : &*it;
    }
    const Loaded *routed(const QString &id) const
    {
        const auto it = std::find_if(loaded.cbegin(), loaded.cend(), [&id](const Loaded &p) {
            return p.state == State::Routed && p.metadata.id == id;
        });
        return it == loaded.cend() ? nullptr : &*it;
    }
    QString copyOf(const QString &filePath, quint64 build, QString *why);
    static void removeStaleCopies();
    void release(Loaded &plugin)
    {
        // The plugin's objects first, then its code (unload() deletes Qt's root
        // instance), then the copy the code was mapped from.
        plugin.ownInstance.reset();
        if (plugin.loader && plugin.loader->isLoaded() && !plugin.loader->unload())
            qCDebug(lcPlugins).noquote() << "unloading" << plugin.copyPath << "failed:" << plugin.loader->errorString();
        plugin.loader.reset();
        if (!plugin.copyPath.isEmpty())
            QFile::remove(plugin.copyPath);
    }
    void refuse(const QString &file, const QString &reason)
    {
        qCWarning(lcPlugins).noquote() << "refused plugin" << file << "-" << reason;
        refused.append({file, reason});
    }
};

/*!
    Removes the copy directories that hosts which did not stop (killed, crashed) left in
    the temporary directory: those named after a process that no longer exists. Another
    user's are not ours to remove, and removing them fails harmlessly.
*/
void PluginRegistry::Private::removeStaleCopies()
{
    static const QRegularExpression name(QStringLiteral("^wsplug-plugins-([0-9]+)-[A-Za-z0-9]{6}$"));
    const QFileInfoList dirs = QDir(QDir::tempPath()).entryInfoList({QStringLiteral("wsplug-plugins-*")},
                                                                    QDir::Dirs | QDir::NoDotAndDotDot | QDir::NoSymLinks);
    for (const QFileInfo &dir : dirs) {
        const QRegularExpressionMatch m = name.match(dir.fileName());
        if (!m.hasMatch() || !dir.isWritable())
            continue;
        const pid_t pid = pid_t(m.captured(1).toLongLong());
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
            qCDebug(lcPlugins).noquote() << "removing plugin copies left by process" << pid << "in" << dir.filePath();
            QDir(dir.filePath()).removeRecursively();
        }
    }
}

/*!
    Copies \a filePath into this registry's private directory, as build \a build, and
    returns the copy's path; empty with \a why if it cannot, or if the file changed
    while it was copied (a copy of a file being written would be half of each version).
*/
QString PluginRegistry::Private::copyOf(const QString &filePath, quint64 build, QString *why)
{
    if (!copies) {
        removeStaleCopies();
        copies = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/wsplug-plugins-%1-XXXXXX")
                                                                       .arg(QCoreApplication::applicationPid()));
        if (!copies->isValid()) {
            *why = QStringLiteral("cannot create a directory for the private copies of plugins: %1").arg(copies->errorString());
            copies.reset();
            return {};
        }
    }
    const QString copy = copies->filePath(QStringLiteral("%1-%2").arg(build).arg(QFileInfo(filePath).fileName()));
    const Internal::FileSignature before = Internal::FileSignature::of(filePath);
    QFile source(filePath);
    if (!before.exists || !source.copy(copy)) {
        *why = QStringLiteral("cannot copy it to %1: %2").arg(copy, before.exists ? source.errorString()
                                                                                   : QStringLiteral("not a regular file"));
        return {};
    }
    if (Internal::FileSignature::of(filePath) != before) {
        QFile::remove(copy);
        *why = QStringLiteral("it changed while it was being copied (it is loaded once it stops changing)");
        return {};
    }
    return copy;
}

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
            if (!QLibrary::isLibrary(file.fileName()))
                continue;
            if (const quint64 build = stageFile(file.absoluteFilePath(), QString(), nullptr))
                activate(build);
        }
    }
}

quint64 PluginRegistry::stageFile(const QString &filePath, const QString &replacingId, QString *errorString)
{
    // A new attempt at a file replaces what an earlier one said about it.
    d->refused.removeIf([&filePath](const RefusedPlugin &r) { return r.fileName == filePath; });
    const quint64 build = d->nextBuild++;
    QString copyPath;
    std::unique_ptr<QPluginLoader> loader;
    auto fail = [&](const QString &why) -> quint64 {
        if (loader && loader->isLoaded())
            loader->unload();
        loader.reset();
        if (!copyPath.isEmpty())
            QFile::remove(copyPath);
        d->refuse(filePath, why);
        if (errorString)
            *errorString = why;
        return 0;
    };
    QString why;
    copyPath = d->copyOf(filePath, build, &why);
    if (copyPath.isEmpty())
        return fail(why);
    loader = std::make_unique<QPluginLoader>(copyPath);
    // Resolve every symbol at load time: a missing one must refuse the plugin
    // here, not crash the host the first time the plugin calls it.
    loader->setLoadHints(QLibrary::ResolveAllSymbolsHint);
    const QJsonObject qtMetaData = loader->metaData();
    if (qtMetaData.isEmpty())
        return fail(QStringLiteral("not a Qt plugin (%1)").arg(loader->errorString().replace(copyPath, filePath)));
    PluginMetadata md;
    if (!PluginMetadata::fromPluginMetaData(qtMetaData, &md, &why))
        return fail(why);
    md.fileName = filePath;
    for (const Private::Loaded &other : d->loaded) {
        if (other.state != Private::State::Retired && other.metadata.id == md.id && other.metadata.id != replacingId)
            return fail(QStringLiteral("Id \"%1\" is already loaded from %2").arg(md.id, other.metadata.fileName));
    }
    for (const QString &route : std::as_const(md.routes)) {
        const QString owner = d->routes.owner(route);
        if (!owner.isEmpty() && owner != replacingId)
            return fail(QStringLiteral("route \"%1\" is already served by plugin \"%2\"").arg(route, owner));
    }
    if (!loader->load())
        return fail(QStringLiteral("cannot load: %1").arg(loader->errorString().replace(copyPath, filePath)));
    QObject *root = loader->instance();
    if (!qobject_cast<MessageHandlerInterface *>(root)) {
        return fail(QStringLiteral("the plugin object does not implement %1")
                        .arg(QLatin1String(WsPlugMessageHandlerInterface_iid)));
    }
    // Every registry loads its own copy, so Qt's root instance is this registry's
    // alone. A class that allows it still gets an instance made for the host, which the
    // host deletes itself, on its own thread.
    std::unique_ptr<QObject> own(root->metaObject()->constructorCount() > 0 ? root->metaObject()->newInstance() : nullptr);
    auto *handler = qobject_cast<MessageHandlerInterface *>(own ? own.get() : root);
    // Info-level "serves" comes once initialize() succeeded (pluginhost.cpp), so that a
    // plugin refused there is never announced as loaded first.
    qCDebug(lcPlugins).noquote() << "loaded plugin file" << filePath << "id" << md.id << "from" << copyPath;
    d->loaded.push_back({md, std::move(loader), std::move(own), handler, build, copyPath, replacingId,
                         Private::State::Staged});
    return build;
}

quint64 PluginRegistry::activate(quint64 build)
{
    Private::Loaded *p = d->find(build);
    if (!p || p->state != Private::State::Staged)
        return 0;
    const QString replaces = std::exchange(p->replaces, QString());
    const PluginMetadata md = p->metadata;
    // retire() may not invalidate p: it changes no container, only states and routes.
    const quint64 retired = replaces.isEmpty() ? 0 : retire(replaces);
    for (const QString &route : md.routes)
        d->routes.add(route, md.id, nullptr);
    p->state = Private::State::Routed;
    return retired;
}

quint64 PluginRegistry::retire(const QString &id)
{
    for (Private::Loaded &p : d->loaded) {
        if (p.state == Private::State::Routed && p.metadata.id == id) {
            d->routes.removePlugin(id);
            p.state = Private::State::Retired;
            return p.build;
        }
    }
    return 0;
}

void PluginRegistry::refuseBuild(quint64 build, const QString &reason)
{
    if (Private::Loaded *p = d->find(build)) {
        d->refuse(p->metadata.fileName, reason);
        if (p->state == Private::State::Routed)
            d->routes.removePlugin(p->metadata.id);
        release(build);
    }
}

bool PluginRegistry::release(quint64 build)
{
    const auto it = std::find_if(d->loaded.begin(), d->loaded.end(), [build](const auto &p) { return p.build == build; });
    if (it == d->loaded.end())
        return false;
    if (it->state == Private::State::Routed)
        d->routes.removePlugin(it->metadata.id);
    d->release(*it);
    d->loaded.erase(it);
    return true;
}

void PluginRegistry::forgetRefused(const QString &filePath)
{
    d->refused.removeIf([&filePath](const RefusedPlugin &r) { return r.fileName == filePath; });
}

quint64 PluginRegistry::buildOf(const QString &id) const
{
    const Private::Loaded *p = d->routed(id);
    return p ? p->build : 0;
}

PluginMetadata PluginRegistry::metadata(quint64 build) const
{
    const Private::Loaded *p = d->find(build);
    return p ? p->metadata : PluginMetadata();
}

MessageHandlerInterface *PluginRegistry::handlerOf(quint64 build) const
{
    const Private::Loaded *p = d->find(build);
    return p ? p->handler : nullptr;
}

QString PluginRegistry::idForFile(const QString &filePath) const
{
    for (const auto &p : d->loaded) {
        if (p.state == Private::State::Routed && p.loader && p.metadata.fileName == filePath)
            return p.metadata.id;
    }
    return {};
}

bool PluginRegistry::addBuiltin(const PluginMetadata &md, std::unique_ptr<QObject> object)
{
    auto *handler = qobject_cast<MessageHandlerInterface *>(object.get());
    QString why;
    if (!handler)
        why = QStringLiteral("not a message handler");
    for (const auto &other : d->loaded) {
        if (other.state != Private::State::Retired && other.metadata.id == md.id)
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
    d->loaded.push_back({md, nullptr, std::move(object), handler, d->nextBuild++, QString(), QString(),
                         Private::State::Routed});
    return true;
}

void PluginRegistry::refuse(const QString &id, const QString &reason)
{
    if (const quint64 build = buildOf(id))
        refuseBuild(build, reason);
}

void PluginRegistry::unloadAll()
{
    while (!d->loaded.empty()) {
        d->release(d->loaded.back());
        d->loaded.pop_back();
    }
    d->routes = Internal::RouteTable();
    // Every copy is gone with its build; the directory goes too, so that a host that is
    // stopped and never destroyed leaves nothing behind.
    d->copies.reset();
}

QList<PluginMetadata> PluginRegistry::loaded() const
{
    QList<PluginMetadata> result;
    for (const auto &p : d->loaded) {
        if (p.state == Private::State::Routed)
            result.append(p.metadata);
    }
    return result;
}

QList<RefusedPlugin> PluginRegistry::refused() const
{
    return d->refused;
}

QList<PluginMetadata> PluginRegistry::draining() const
{
    QList<PluginMetadata> result;
    for (const auto &p : d->loaded) {
        if (p.state == Private::State::Retired)
            result.append(p.metadata);
    }
    return result;
}

MessageHandlerInterface *PluginRegistry::handler(const QString &id) const
{
    const Private::Loaded *p = d->routed(id);
    return p ? p->handler : nullptr;
}

std::pair<QString, QString> PluginRegistry::match(const QString &path) const
{
    const auto m = d->routes.match(path);
    return {m.pluginId, m.route};
}

} // namespace WsPlug
