// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>
#include <wsplug/pluginregistry.h>
#include <wsplug/sdk/messagehandlerinterface.h>

#include <QHash>
#include <QObject>
#include <QProcessEnvironment>

#include <functional>

class QProcess;

namespace WsPlug::Internal {

/*
 * A route served by a program (websocketd's model): one process per connection; each
 * text message is a line on its stdin and each line it writes on stdout is a message
 * back (or raw bytes both ways in binary mode); stderr goes to the host's log. The
 * child is terminated when the client leaves (killed after a grace), and the client
 * is closed with 1000 when the child exits, 1011 when it fails. The program runs
 * without a shell unless the route says so. The host sees it as one more plugin.
 */
class ProcessHandler final : public QObject, public MessageHandlerInterface
{
    Q_OBJECT
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    //! The CGI-style environment of a session's process, from the host.
    using Environment = std::function<QProcessEnvironment(const SessionInfo &)>;

    //! \a running counts the processes of every handler of one host (the limit is
    //! shared); it must outlive the handler.
    ProcessHandler(const HostConfig::ExecRoute &route, int maxProcesses, qint64 maxLineBytes,
                   int *running, Environment environment, QObject *parent = nullptr);
    ~ProcessHandler() override;

    //! The metadata the host registers it under ("exec.<n>").
    static PluginMetadata metadataFor(const HostConfig::ExecRoute &route, int index);
    //! False (with the reason for a 503) when another process would pass the limit.
    bool hasCapacity(QByteArray *why) const;

    bool initialize(HostContext *context, QString *errorString) override;
    void sessionOpened(const SessionInfo &session) override;
    void messageReceived(SessionId session, const Message &message) override;
    void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    void onOutput(SessionId session, QProcess *process);
    void onFinished(SessionId session, QProcess *process);
    void stop(QProcess *process);

    const HostConfig::ExecRoute m_route;
    const int m_maxProcesses;
    const qint64 m_maxLineBytes;
    int *const m_running;
    const Environment m_environment;
    HostContext *m_context = nullptr;
    QHash<SessionId, QProcess *> m_processes;
};

} // namespace WsPlug::Internal
