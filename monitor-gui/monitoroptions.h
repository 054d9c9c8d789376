// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>

#include <QString>
#include <QUrl>

namespace WsPlug {

//! What wsplug-monitor's command line asks for; main.cpp fills it in.
struct MonitorOptions
{
    HostConfig hostConfig;        //!< for the embedded host (only EmbeddedHost reads it)
    QUrl remoteUrl;               //!< attach here instead of starting the embedded host
    QString remoteToken;          //!< the remote host's admin token
    QString caFile;               //!< a wss:// remote's CA (PEM), besides the system's
    bool presentation = false;
    bool demoTraffic = false;
};

} // namespace WsPlug
