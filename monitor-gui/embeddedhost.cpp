// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "embeddedhost.h"

#include <wsplug/hostserver.h>
#include <wsplug/hostthread.h>

#include <utility>

namespace WsPlug {

EmbeddedHost::EmbeddedHost(const HostConfig &config, QObject *parent)
    : QObject(parent), m_config(config)
{
}

EmbeddedHost::~EmbeddedHost()
{
    // Closing the window must not wait for the host's peers: the host drains on its
    // own thread, within its grace period, and main() waits for it once the window is gone.
    if (m_thread)
        m_thread->deleteWhenStopped();
}

void EmbeddedHost::start()
{
    if (m_thread)
        return;
    // A host still closing its sessions finishes in the background, unwatched.
    m_retiring = nullptr;
    m_thread = new HostThread(this);
    m_onFreePort = false;
    m_busyPortError.clear();
    m_notice.clear();
    connect(m_thread, &HostThread::started, this, &EmbeddedHost::onStarted);
    connect(m_thread, &HostThread::startFailed, this, &EmbeddedHost::onStartFailed);
    setState(State::Starting);
    m_thread->startLater(m_config);
}

void EmbeddedHost::onStarted()
{
    m_port = m_thread->serverPort();
    m_adminUrl = m_thread->adminUrl();
    if (m_onFreePort) {
        m_notice = tr("Port %1 was busy (%2); the embedded host uses %3 instead.")
                       .arg(m_config.port).arg(m_busyPortError).arg(m_port);
    }
    setState(State::Running);
    Q_EMIT started();
}

void EmbeddedHost::onStartFailed(const QString &error)
{
    if (!m_onFreePort && m_config.port != 0) {
        // The configured port is taken (another host?): any free port will do.
        m_onFreePort = true;
        m_busyPortError = error;
        HostConfig config = m_config;
        config.port = 0;
        m_thread->startLater(config);
        return;
    }
    m_thread->deleteWhenStopped();
    m_thread = nullptr;
    m_notice = tr("The embedded host could not start: %1").arg(error);
    setState(State::Stopped);
    Q_EMIT startFailed(m_notice);
}

void EmbeddedHost::stop()
{
    if (!m_thread)
        return;
    HostThread *retiring = std::exchange(m_thread, nullptr);
    disconnect(retiring, nullptr, this, nullptr);
    m_retiring = retiring;
    m_port = 0;
    m_adminUrl.clear();
    m_notice.clear();
    connect(retiring, &HostThread::stopped, this, [this, retiring] {
        if (m_retiring != retiring)
            return;   // a new host was started meanwhile; this one finished unwatched
        m_retiring = nullptr;
        setState(State::Stopped);
        Q_EMIT stopped();
    });
    setState(State::Stopping);
    retiring->deleteWhenStopped();
}

int EmbeddedHost::sessionCount() const
{
    HostServer *host = m_state == State::Running && m_thread ? m_thread->host() : nullptr;
    if (!host)
        return 0;
    // The session list belongs to the host thread; only a question, never for long.
    int count = 0;
    QMetaObject::invokeMethod(host, [host, &count] { count = host->sessionCount(); }, Qt::BlockingQueuedConnection);
    return count;
}

void EmbeddedHost::waitForStoppingHosts()
{
    HostThread::waitForBackgroundStops();
}

void EmbeddedHost::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace WsPlug
