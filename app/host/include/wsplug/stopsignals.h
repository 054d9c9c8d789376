// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <functional>

class QObject;

namespace WsPlug {

/*!
    SIGINT and SIGTERM call \a stop on \a context's event loop, the way both programs
    that run a host end gracefully (their clients get 1001). The handler only writes a
    byte to a socket pair, the one async-signal-safe step; the event loop does the rest.
    Set it up before the host starts, so that an early signal is not fatal either. Once
    per program; exits with a one-line error if it cannot be set up.
*/
WSPLUG_EXPORT void onStopSignal(QObject *context, std::function<void()> stop);

//! SIGHUP calls \a reload on \a context's event loop (wsplug-host: the TLS certificate),
//! the same way. Once per program.
WSPLUG_EXPORT void onReloadSignal(QObject *context, std::function<void()> reload);

//! SIGUSR1 calls \a drain on \a context's event loop (wsplug-host: HostServer::drain()),
//! the same way. Once per program.
WSPLUG_EXPORT void onDrainSignal(QObject *context, std::function<void()> drain);

} // namespace WsPlug
