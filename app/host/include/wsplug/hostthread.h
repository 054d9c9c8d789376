// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/eventdispatcher.h>
#include <wsplug/hostconfig.h>
#include <wsplug/wsplug_export.h>

#include <QObject>
#include <QUrl>

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
 * startLater() and stopLater() return at once and report through signals; a GUI
 * uses them. start() and stop() wait, for tests and programs without a GUI.
 *
 * By default the host thread uses wsplug's epoll event dispatcher, whose cost per
 * wake-up does not grow with idle connections; Dispatcher::Qt keeps Qt's own.
 */
class WSPLUG_EXPORT HostThread : public QObject
{
    Q_OBJECT
public:
    using Dispatcher = EventDispatcherKind;
    enum class State { Stopped, Starting, Running, Stopping };
    Q_ENUM(State)

    explicit HostThread(QObject *parent = nullptr);
    ~HostThread() override;   //!< stops the host, waiting for it, and joins the thread

    //! Before start(). Epoll falls back to Qt's dispatcher where epoll is unavailable.
    void setDispatcher(Dispatcher dispatcher);
    //! The dispatcher actually in use once started.
    Dispatcher dispatcher() const;

    //! Starts the thread and the host on it; returns at once. started() or startFailed() follows.
    void startLater(const HostConfig &config);
    //! The same, but blocks until the host listens or has failed.
    bool start(const HostConfig &config, QString *errorString = nullptr);
    //! Graceful stop (1001 to every session, bounded by shutdownGraceMs); returns at
    //! once and stopped() follows. The host stays reachable until then.
    void stopLater();
    //! The same, but blocks until the host has stopped and its thread has ended.
    void stop();
    //! stopLater(), and this object deletes itself once stopped: the owner lets go of it.
    void deleteWhenStopped();
    //! Waits for the hosts handed to deleteWhenStopped() on this thread to finish closing
    //! their sessions. Call it after the event loop has returned; the application object's
    //! destructor otherwise does, first thing, and stops every host still running.
    static void waitForBackgroundStops();

    State state() const;
    //! From start until stopped() or startFailed(): the thread and its host exist.
    bool isRunning() const;

    //! The host, living on the host thread; nullptr when stopped.
    HostServer *host() const;
    quint16 serverPort() const;      //!< as bound, from started() on
    QUrl adminUrl() const;           //!< the host's admin URL, token included, from started() on
    QThread *hostThread() const;

Q_SIGNALS:
    //! The host listens on serverPort().
    void started();
    //! The host could not start; its thread has ended. Not emitted after a stop request.
    void startFailed(const QString &errorString);
    //! The host has stopped and its thread has ended (after a stop request, or when
    //! the host stopped by itself).
    void stopped();

private:
    void beginStart(const HostConfig &config);
    void finishStart(quint64 run);
    void onThreadFinished(quint64 run);
    void finish();
    static void stopAtApplicationEnd();

    struct Private;
    std::unique_ptr<Private> const d;
};

} // namespace WsPlug
