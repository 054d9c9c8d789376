// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "logging_p.h"
#include "pluginwatcher_p.h"

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QFileInfo>

#include <algorithm>

// Hot plugins: the plugin directories are watched while the host runs. A new file is
// loaded, a replaced one reloaded (new sessions go to the new build), a removed one
// drained: its routes take no new sessions (404, as for any path nobody serves), its
// sessions finish or are closed with 1001 after unloadGraceMs, then it is shut down
// and its code unloaded. HostServer's load/reload/unload functions take the same steps.
namespace WsPlug {

using namespace Internal;

namespace {
QString servesLine(const PluginMetadata &md)
{
    return QStringLiteral("%1%2 (%3)")
        .arg(md.routes.join(QStringLiteral(", ")),
             md.subprotocols.isEmpty() ? QString()
                                       : QStringLiteral(", subprotocols ") + md.subprotocols.join(QStringLiteral(", ")),
             md.fileName);
}
} // namespace

/*!
    Loads plugin file \a filePath now, bypassing the watcher's wait for the file to stop
    changing (the caller says it is complete), or, if a plugin was loaded from it,
    reloads it: the new build is loaded and initialized beside the old one and then
    takes over the routes; the old one drains (see HostConfig::unloadGraceMs). A file
    that is refused, or whose initialize() fails, changes nothing: on a reload the old
    build keeps serving. False with \a errorString then, and pluginRefused() is emitted.
*/
bool HostServer::loadPlugin(const QString &filePath, QString *errorString)
{
    if (!d->running || d->stopping) {
        if (errorString)
            *errorString = QStringLiteral("the host is not running");
        return false;
    }
    return d->loadPluginFile(filePath, errorString);
}

/*!
    Reloads plugin \a idOrFile (its Id, or the file it was loaded from) from its file,
    as loadPlugin() does for a file that was replaced.
*/
bool HostServer::reloadPlugin(const QString &idOrFile, QString *errorString)
{
    const QString id = d->running && !d->stopping ? d->pluginIdFor(idOrFile) : QString();
    QString why;
    if (id.isEmpty())
        why = d->running ? QStringLiteral("no plugin \"%1\" is loaded").arg(idOrFile) : QStringLiteral("the host is not running");
    else if (d->processHandlers.contains(id))
        why = QStringLiteral("\"%1\" is an --exec route, not a plugin file").arg(id);
    if (!why.isEmpty()) {
        if (errorString)
            *errorString = why;
        return false;
    }
    return d->loadPluginFile(d->registry.metadata(d->registry.buildOf(id)).fileName, errorString);
}

/*!
    Unloads plugin \a idOrFile (its Id, or the file it was loaded from): its routes take
    no new sessions at once (a client gets 404), its sessions are closed with 1001 after
    HostConfig::unloadGraceMs (0: now; -1: they may stay until they end), then it is
    shut down and unloaded (pluginDraining(), then pluginUnloaded()). It stays unloaded
    until its file changes or loadPlugin() is called.
*/
bool HostServer::unloadPlugin(const QString &idOrFile, QString *errorString)
{
    const QString id = d->running && !d->stopping ? d->pluginIdFor(idOrFile) : QString();
    if (id.isEmpty()) {
        if (errorString)
            *errorString = d->running ? QStringLiteral("no plugin \"%1\" is loaded").arg(idOrFile) : QStringLiteral("the host is not running");
        return false;
    }
    return d->unloadPlugin(id, QStringLiteral("unloaded on request"), errorString);
}

QStringList HostServerPrivate::pluginDirs() const
{
    return config.pluginDirs.isEmpty() ? PluginRegistry::defaultPluginDirs() : config.pluginDirs;
}

QString HostServerPrivate::pluginIdFor(const QString &idOrFile) const
{
    if (registry.buildOf(idOrFile))
        return idOrFile;
    return registry.idForFile(QFileInfo(idOrFile).absoluteFilePath());
}

void HostServerPrivate::startWatching(const QList<std::pair<QString, FileSignature>> &handled)
{
    const QStringList dirs = pluginDirs();
    pluginWatcher = std::make_unique<PluginWatcher>(dirs, config.pluginSettleMs);
    pluginWatcher->onSettled = [this](const QString &path) {
        if (running && !stopping)
            loadPluginFile(path, nullptr);
    };
    pluginWatcher->onRemoved = [this](const QString &path) {
        if (!running || stopping)
            return;
        registry.forgetRefused(path);
        const QString id = registry.idForFile(path);
        if (!id.isEmpty())
            unloadPlugin(id, QStringLiteral("its file was removed"), nullptr);
    };
    pluginWatcher->start(handled);
    qCInfo(lcPlugins).noquote() << "watching for plugin files:" << dirs.join(QStringLiteral(", "));
}

bool HostServerPrivate::loadPluginFile(const QString &filePath, QString *errorString)
{
    const QString path = QFileInfo(filePath).absoluteFilePath();
    const FileSignature signature = FileSignature::of(path);
    if (pluginWatcher)
        pluginWatcher->markHandled(path, signature);   // loaded (or refused) in this version
    const QString replacing = registry.idForFile(path);
    QString why;
    const quint64 build = registry.stageFile(path, replacing, &why);
    if (!build) {
        refusedPlugin(path, why);
        if (errorString)
            *errorString = why;
        return false;
    }
    const PluginMetadata md = registry.metadata(build);
    auto context = makePluginContext(md, build, &why);
    // The new build starts while the old one still serves: no moment without a handler.
    if (!context || !initializePlugin(registry.handlerOf(build), context.get(), &why)) {
        if (context)
            context->dropBus();   // before refuseBuild() unloads the library
        registry.refuseBuild(build, why);
        refusedPlugin(path, why);
        if (errorString)
            *errorString = why;
        return false;
    }
    const quint64 replaced = registry.activate(build);
    const PluginMetadata previous = registry.metadata(replaced);
    std::unique_ptr<PluginContext> previousContext;
    if (replaced) {
        if (const auto it = contexts.find(previous.id); it != contexts.end()) {
            previousContext = std::move(it->second);
            contexts.erase(it);
        }
        initializedPlugins.removeAll(previous.id);
    }
    contexts[md.id] = std::move(context);
    initializedPlugins.append(md.id);
    pluginRoutesChanged();
    if (replaced) {
        const QString from = previous.id == md.id ? previous.version : previous.id + QLatin1Char(' ') + previous.version;
        qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 reloaded: %2 -> %3, serves %4")
                                           .arg(md.id, from, md.version, servesLine(md));
        Q_EMIT q->pluginReloaded(md, previous);
        drain(replaced, previous, std::move(previousContext), QStringLiteral("replaced by %1 %2").arg(md.id, md.version));
    } else {
        qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 %2 serves %3").arg(md.id, md.version, servesLine(md));
        Q_EMIT q->pluginLoaded(md);
    }
    return true;
}

bool HostServerPrivate::unloadPlugin(const QString &id, const QString &why, QString *errorString)
{
    if (processHandlers.contains(id)) {
        if (errorString)
            *errorString = QStringLiteral("\"%1\" is an --exec route, not a plugin file").arg(id);
        return false;
    }
    const quint64 build = registry.retire(id);
    if (!build) {
        if (errorString)
            *errorString = QStringLiteral("no plugin \"%1\" is loaded").arg(id);
        return false;
    }
    std::unique_ptr<PluginContext> context;
    if (const auto it = contexts.find(id); it != contexts.end()) {
        context = std::move(it->second);
        contexts.erase(it);
    }
    initializedPlugins.removeAll(id);
    pluginRoutesChanged();
    drain(build, registry.metadata(build), std::move(context), why);
    return true;
}

void HostServerPrivate::pluginRoutesChanged()
{
    // A new route shows in the stats (and /metrics) from now on, with nothing counted.
    for (const PluginMetadata &md : registry.loaded()) {
        for (const QString &route : md.routes)
            stats.route(route, md.id);
    }
}

void HostServerPrivate::drain(quint64 build, const PluginMetadata &md, std::unique_ptr<PluginContext> context,
                              const QString &why)
{
    const int open = context ? int(context->sessionIds.size()) : 0;
    QString fate = QStringLiteral("no sessions");
    if (open > 0 && config.unloadGraceMs < 0)
        fate = QStringLiteral("its %1 session(s) may stay until they end").arg(open);
    else if (open > 0 && config.unloadGraceMs == 0)
        fate = QStringLiteral("its %1 session(s) are closed with 1001 now").arg(open);
    else if (open > 0)
        fate = QStringLiteral("its %1 session(s) are closed with 1001 in %2 ms unless they end before")
                   .arg(open).arg(config.unloadGraceMs);
    qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 %2 drains (%3): its routes take no new sessions; %4")
                                       .arg(md.id, md.version, why, fate);
    if (context)
        context->draining = true;
    DrainingPlugin &p = drainingPlugins.emplace_back();
    p.metadata = md;
    p.build = build;
    p.handler = registry.handlerOf(build);
    p.context = std::move(context);
    // From here on only the build number: a slot of the signal, or a session that
    // closes, may load or unload plugins and move drainingPlugins.
    Q_EMIT q->pluginDraining(md, open, why);
    if (open == 0)
        QTimer::singleShot(0, q, [this, build] { finishDrain(build); });
    else if (config.unloadGraceMs == 0)
        closeDrainingSessions(build);
    else if (config.unloadGraceMs > 0)
        QTimer::singleShot(config.unloadGraceMs, q, [this, build] { closeDrainingSessions(build); });
}

void HostServerPrivate::closeDrainingSessions(quint64 build)
{
    const auto it = std::find_if(drainingPlugins.cbegin(), drainingPlugins.cend(),
                                 [build](const DrainingPlugin &p) { return p.build == build; });
    if (it == drainingPlugins.cend() || !it->context)
        return;
    const QList<SessionId> ids = it->context->sessionIds.values();
    const QString id = it->metadata.id;
    const QString reason = registry.buildOf(id) ? QStringLiteral("plugin %1 was reloaded").arg(id)
                                                : QStringLiteral("plugin %1 was unloaded").arg(id);
    qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 %2: closing %3 session(s) with 1001")
                                       .arg(id, it->metadata.version).arg(ids.size());
    for (SessionId sessionId : ids)
        requestClose(sessions.value(sessionId), 1001, reason, CloseCause::Server);
}

void HostServerPrivate::finishDrain(quint64 build)
{
    const auto it = std::find_if(drainingPlugins.begin(), drainingPlugins.end(),
                                 [build](const DrainingPlugin &p) { return p.build == build; });
    if (it == drainingPlugins.end() || (it->context && !it->context->sessionIds.isEmpty()))
        return;
    DrainingPlugin done = std::move(*it);
    drainingPlugins.erase(it);
    if (done.handler) {
        PluginCallGuard guard(this);
        try {
            done.handler->aboutToShutdown();
        } catch (...) {
            qCWarning(lcPlugins).noquote() << "plugin" << done.metadata.id << "threw in aboutToShutdown()";
        }
    }
    done.context.reset();
    // The code goes once the event loop has run what the plugin left queued (its
    // deleteLater()s, queued calls to its objects): a turn later.
    QTimer::singleShot(0, q, [this, build, md = done.metadata] {
        if (!registry.release(build))
            return;
        qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 %2 unloaded (%3)").arg(md.id, md.version, md.fileName);
        Q_EMIT q->pluginUnloaded(md);
    });
}

void HostServerPrivate::refusedPlugin(const QString &fileName, const QString &reason)
{
    Q_EMIT q->pluginRefused(fileName, reason);
}

} // namespace WsPlug
