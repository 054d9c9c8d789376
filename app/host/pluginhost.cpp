// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "logging_p.h"
#include "pluginrights_p.h"
#include "processhandler_p.h"

#include <wsplug/sdk/clusterbus.h>
#include <wsplug/sdk/messagehandlerinterface.h>

#include <algorithm>

// Plugin hosting: initialize in load order, shut down in reverse, and contain what a
// plugin throws.
namespace WsPlug {

using namespace Internal;

bool HostServerPrivate::initializePlugin(MessageHandlerInterface *handler, PluginContext *context, QString *why)
{
    bool ok = false;
    try {
        // SDK 2.1: a plugin that asks for the cluster bus gets it before initialize().
        if (auto *object = dynamic_cast<QObject *>(handler)) {
            if (auto *client = qobject_cast<ClusterClientInterface *>(object); client && context->clusterBus())
                client->setClusterBus(context->clusterBus());
            context->transportAware = qobject_cast<TransportAwareInterface *>(object);
            // SDK 2.2: text as UTF-8 both ways.
            context->utf8Text = qobject_cast<Utf8TextInterface *>(object);
            if (context->utf8Text)
                context->utf8Text->setUtf8TextSender(context);
        }
        ok = handler->initialize(context, why);
    } catch (const std::exception &e) {
        *why = QStringLiteral("threw %1").arg(QString::fromLocal8Bit(e.what()));
    } catch (...) {
        *why = QStringLiteral("threw an unknown exception");
    }
    if (!ok)
        *why = QStringLiteral("initialize() failed: %1").arg(why->isEmpty() ? QStringLiteral("no reason given") : *why);
    return ok;
}

std::unique_ptr<PluginContext> HostServerPrivate::makePluginContext(const PluginMetadata &md, quint64 build, QString *why)
{
    QVariantMap settings;
    if (!PluginRights::effectiveSettings(md.rights, config.pluginSettings.value(md.id).toMap(), &settings, why))
        return nullptr;
    auto context = std::make_unique<PluginContext>(this, md.id, settings);
    context->build = build;
    return context;
}

void HostServerPrivate::initializePlugins()
{
    for (const RefusedPlugin &r : registry.refused())
        Q_EMIT q->pluginRefused(r.fileName, r.reason);
    for (const PluginMetadata &md : registry.loaded()) {
        QString why;
        auto context = makePluginContext(md, registry.buildOf(md.id), &why);
        if (!context || !initializePlugin(registry.handler(md.id), context.get(), &why)) {
            if (context)
                context->dropBus();   // before refuse() unloads the library
            registry.refuse(md.id, why);
            Q_EMIT q->pluginRefused(md.fileName, why);
            continue;
        }
        initializedPlugins.append(md.id);
        contexts[md.id] = std::move(context);
        qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 %2 serves %3%4 (%5)")
                                           .arg(md.id, md.version, md.routes.join(QStringLiteral(", ")),
                                                md.subprotocols.isEmpty() ? QString()
                                                    : QStringLiteral(", subprotocols ") + md.subprotocols.join(QStringLiteral(", ")),
                                                md.fileName);
        Q_EMIT q->pluginLoaded(md);
    }
}

bool HostServerPrivate::isLiveBuild(quint64 build) const
{
    for (const auto &[id, context] : contexts) {
        if (context->build == build)
            return true;
    }
    return std::any_of(drainingPlugins.cbegin(), drainingPlugins.cend(),
                       [build](const DrainingPlugin &p) { return p.build == build; });
}

void HostServerPrivate::addExecRoutes()
{
    processHandlers.clear();
    for (int i = 0; i < config.execRoutes.size(); ++i) {
        const HostConfig::ExecRoute &route = config.execRoutes.at(i);
        const PluginMetadata md = ProcessHandler::metadataFor(route, i + 1);
        auto handler = std::make_unique<ProcessHandler>(route, config.maxExecProcesses, config.maxMessageBytes,
                                                        &runningProcesses, [this](const SessionInfo &s) {
            return processEnvironment(s);
        });
        ProcessHandler *raw = handler.get();
        if (registry.addBuiltin(md, std::move(handler)))
            processHandlers.insert(md.id, raw);
    }
}

/*!
    The environment of an --exec handler's process: the host's own, plus what a CGI
    program expects to know about the request (as websocketd sets it).
*/
QProcessEnvironment HostServerPrivate::processEnvironment(const SessionInfo &s) const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString prefix = s.route.endsWith(QLatin1String("/*")) ? s.route.chopped(2) : s.route;
    env.insert(QStringLiteral("GATEWAY_INTERFACE"), QStringLiteral("websocketd-CGI/0.1"));
    env.insert(QStringLiteral("SERVER_SOFTWARE"), QStringLiteral("wsplug/" WSPLUG_VERSION));
    env.insert(QStringLiteral("SERVER_PROTOCOL"), QStringLiteral("HTTP/1.1"));
    env.insert(QStringLiteral("SERVER_NAME"), q->serverAddress().toString());
    env.insert(QStringLiteral("SERVER_PORT"), QString::number(q->serverPort()));
    env.insert(QStringLiteral("REQUEST_METHOD"), QStringLiteral("GET"));
    env.insert(QStringLiteral("REMOTE_ADDR"), s.peerAddress);
    env.insert(QStringLiteral("REMOTE_PORT"), QString::number(s.peerPort));
    env.insert(QStringLiteral("SCRIPT_NAME"), prefix);
    env.insert(QStringLiteral("PATH_INFO"), s.path.mid(prefix.size()));
    env.insert(QStringLiteral("QUERY_STRING"), s.query);
    env.insert(QStringLiteral("REQUEST_URI"), s.query.isEmpty() ? s.path : s.path + QLatin1Char('?') + s.query);
    env.insert(QStringLiteral("WSPLUG_SESSION_ID"), QString::number(s.id));
    if (!s.subprotocol.isEmpty())
        env.insert(QStringLiteral("HTTP_SEC_WEBSOCKET_PROTOCOL"), s.subprotocol);
    if (const Session *session = sessions.value(s.id); session && !session->origin.isEmpty())
        env.insert(QStringLiteral("HTTP_ORIGIN"), session->origin);
    return env;
}

void HostServerPrivate::shutdownPlugins()
{
    auto shutDown = [](MessageHandlerInterface *handler, const QString &id, PluginContext *context) {
        try {
            handler->aboutToShutdown();
        } catch (...) {
            qCWarning(lcPlugins).noquote() << "plugin" << id << "threw in aboutToShutdown()";
        }
        if (context)
            context->dropBus();
    };
    for (auto it = initializedPlugins.crbegin(); it != initializedPlugins.crend(); ++it) {
        const auto context = contexts.find(*it);
        if (MessageHandlerInterface *handler = registry.handler(*it))
            shutDown(handler, *it, context != contexts.end() ? context->second.get() : nullptr);
    }
    // Builds still draining were initialized before the ones that replaced them.
    for (auto it = drainingPlugins.rbegin(); it != drainingPlugins.rend(); ++it)
        shutDown(it->handler, it->metadata.id, it->context.get());
    initializedPlugins.clear();
    drainingPlugins.clear();
    // Before the libraries go: a context's bus holds the plugin's callbacks, whose code is in them.
    contexts.clear();
    registry.unloadAll();
}

void HostServerPrivate::pluginThrew(Session *s, const QString &what)
{
    qCWarning(lcPlugins).noquote() << "plugin" << s->pluginId << "threw:" << what;
    if (!s->finished)
        requestClose(s, 1011, QStringLiteral("internal error in the handler"), CloseCause::Server);
}

void HostServerPrivate::notifyClosed(Session *s)
{
    const SessionId id = s->info.id;
    PluginContext *context = s->context;
    if (pluginCallDepth == 0) {
        callPlugin(s, [s, id] { s->handler->sessionClosed(id, s->closeCode, s->closeReason); });
    } else {
        // The session ended inside a plugin call (a send passed the backlog limit, or the
        // plugin closed it): tell the plugin afterwards, never re-entrantly. Its own
        // build, which may be a replaced one, still draining.
        QTimer::singleShot(0, q, [this, handler = s->handler, build = context->build, pluginId = s->pluginId, id,
                                  code = s->closeCode, reason = s->closeReason] {
            if (!isLiveBuild(build))
                return;
            PluginCallGuard guard(this);
            try {
                handler->sessionClosed(id, code, reason);
            } catch (...) {
                qCWarning(lcPlugins).noquote() << "plugin" << pluginId << "threw in sessionClosed()";
            }
        });
    }
    // The last session of a draining build: unload it, after the call queued above.
    if (context->draining && context->sessionIds.isEmpty())
        QTimer::singleShot(0, q, [this, build = context->build] { finishDrain(build); });
}

} // namespace WsPlug
