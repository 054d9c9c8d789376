// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>

#include <QObject>
#include <QUrl>

namespace WsPlug {

class HostThread;

/*
 * The host the monitor starts in-process and attaches to by default, on its own thread.
 * The only part of the monitor that uses the host library: everything else reaches
 * this host through the admin protocol, exactly like a remote one.
 *
 * Starting and stopping never wait: start() and stop() return at once, and the
 * outcome arrives as signals. A stopped host closes its sessions in the background.
 */
class EmbeddedHost final : public QObject
{
    Q_OBJECT
public:
    enum class State { Stopped, Starting, Running, Stopping };
    Q_ENUM(State)

    explicit EmbeddedHost(const HostConfig &config, QObject *parent = nullptr);
    //! Leaves a host that is still up to close its sessions in the background.
    ~EmbeddedHost() override;

    //! On the configured port, or on a free one if that is taken. started() or startFailed() follows.
    void start();
    //! Closes the host's sessions (1001) in the background; stopped() follows once it is done.
    void stop();
    //! Waits for hosts still closing their sessions in the background (each within its
    //! grace period). main() calls it once the event loop has returned and the window is gone.
    static void waitForStoppingHosts();

    State state() const { return m_state; }
    quint16 serverPort() const { return m_port; }
    //! ws://host:port/_admin?token=..., while running.
    QUrl adminUrl() const { return m_adminUrl; }
    //! Something the user should know: the port used instead of a busy one, or why the
    //! host could not start. Empty otherwise.
    QString notice() const { return m_notice; }
    //! The running host's sessions, asked of its thread (a short wait); 0 when not running.
    int sessionCount() const;

Q_SIGNALS:
    void stateChanged(WsPlug::EmbeddedHost::State state);
    void started();
    void startFailed(const QString &notice);
    void stopped();

private:
    void setState(State state);
    void onStarted();
    void onStartFailed(const QString &error);

    const HostConfig m_config;
    HostThread *m_thread = nullptr;     // the running or starting host; it deletes itself once stopped
    HostThread *m_retiring = nullptr;   // stopped by stop(), still closing its sessions
    State m_state = State::Stopped;
    bool m_onFreePort = false;          // the configured port was busy: retrying on any free one
    QString m_busyPortError;
    quint16 m_port = 0;
    QUrl m_adminUrl;
    QString m_notice;
};

} // namespace WsPlug
