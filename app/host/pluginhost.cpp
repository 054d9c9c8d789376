// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "logging_p.h"

#include <wsplug/sdk/messagehandlerinterface.h>

// Plugin hosting: initialize in load order, shut down in reverse, and contain what a
// plugin throws.
namespace WsPlug {

using namespace Internal;

void HostServerPrivate::initializePlugins()
{
    for (const PluginMetadata &md : registry.loaded()) {
        auto context = std::make_unique<PluginContext>(this, md.id, config.pluginSettings.value(md.id).toMap());
        MessageHandlerInterface *handler = registry.handler(md.id);
        QString why;
        bool ok = false;
        try {
            ok = handler->initialize(context.get(), &why);
        } catch (const std::exception &e) {
            why = QStringLiteral("threw %1").arg(QString::fromLocal8Bit(e.what()));
        } catch (...) {
            why = QStringLiteral("threw an unknown exception");
        }
        if (!ok) {
            registry.refuse(md.id, QStringLiteral("initialize() failed: %1").arg(why.isEmpty() ? QStringLiteral("no reason given") : why));
            continue;
        }
        initializedPlugins.append(md.id);
        contexts[md.id] = std::move(context);
        qCInfo(lcPlugins).noquote() << QStringLiteral("plugin %1 %2 serves %3%4 (%5)")
                                           .arg(md.id, md.version, md.routes.join(QStringLiteral(", ")),
                                                md.subprotocols.isEmpty() ? QString()
                                                    : QStringLiteral(", subprotocols ") + md.subprotocols.join(QStringLiteral(", ")),
                                                md.fileName);
    }
}

void HostServerPrivate::shutdownPlugins()
{
    for (auto it = initializedPlugins.crbegin(); it != initializedPlugins.crend(); ++it) {
        if (MessageHandlerInterface *handler = registry.handler(*it)) {
            try {
                handler->aboutToShutdown();
            } catch (...) {
                qCWarning(lcPlugins).noquote() << "plugin" << *it << "threw in aboutToShutdown()";
            }
        }
    }
    initializedPlugins.clear();
    registry.unloadAll();
    contexts.clear();
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
    if (pluginCallDepth == 0) {
        callPlugin(s, [s, id] { s->handler->sessionClosed(id, s->closeCode, s->closeReason); });
        return;
    }
    // The session ended inside a plugin call (a send passed the backlog limit, or the
    // plugin closed it): tell the plugin afterwards, never re-entrantly.
    QTimer::singleShot(0, q, [this, pluginId = s->pluginId, id, code = s->closeCode, reason = s->closeReason] {
        if (!initializedPlugins.contains(pluginId))
            return;
        MessageHandlerInterface *handler = registry.handler(pluginId);
        PluginCallGuard guard(this);
        try {
            handler->sessionClosed(id, code, reason);
        } catch (...) {
            qCWarning(lcPlugins).noquote() << "plugin" << pluginId << "threw in sessionClosed()";
        }
    });
}

} // namespace WsPlug
