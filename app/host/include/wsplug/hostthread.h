// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/eventdispatcher.h>
#include <wsplug/hostconfig.h>
#include <wsplug/wsplug_export.h>

#include <QObject>

#include <memory>

namespace WsPlug {

class HostServer;

/*
 * Runs a HostServer on a dedicated thread, so that the thread that owns this object
 * (a GUI thread, say) never waits on the network. Every plugin callback runs on
 * that host thread. Reach the host through host() with queued calls
 * (QMetaObject::invokeMethod(host(), ...)) or by connecting to its signals, which
 * arrive queued in the receiver's thread.
 *
 * By default the host thread uses wsplug's epoll event dispatcher, whose cost per
 * wake-up does not grow with idle connections; Dispatcher::Qt keeps Qt's own.
 */
class WSPLUG_EXPORT HostThread : public QObject
{
    Q_OBJECT
public:
    using Dispatcher = EventDispatcherKind;

    explicit HostThread(QObject *parent = nullptr);
    ~HostThread() override;   //!< stops the host and joins the thread

    //! Before start(). Epoll falls back to Qt's dispatcher where epoll is unavailable.
    void setDispatcher(Dispatcher dispatcher);
    //! The dispatcher actually in use once started.
    Dispatcher dispatcher() const;

    //! Starts the thread and the host on it; blocks until it listens or has failed.
    bool start(const HostConfig &config, QString *errorString = nullptr);
    //! Graceful stop (1001 to every session, bounded by shutdownGraceMs); blocks until done.
    void stop();
    //! The same without blocking; stopped() follows. The host stays reachable until then.
    void stopLater();
    bool isRunning() const;

    //! The host, living on the host thread; nullptr when not running.
    HostServer *host() const;
    quint16 serverPort() const;      //!< as bound at start()
    QThread *hostThread() const;

Q_SIGNALS:
    //! The host has stopped and its thread has ended (after stop() or stopLater()).
    void stopped();

private:
    void finishStopLater();

    struct Private;
    std::unique_ptr<Private> const d;
};

} // namespace WsPlug
