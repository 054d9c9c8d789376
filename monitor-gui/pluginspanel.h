// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;

//! The Plugins tab: the plugins the host loaded, with their sessions, and those it refused.
class PluginsPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit PluginsPanel(MonitorClient *client, QWidget *parent = nullptr);

private:
    void updatePlugins();    // on a snapshot: both tables
    void updateSessions();   // on a tick: the Sessions column only
    void closeSelectedRoutes();

    MonitorClient *m_client;
    QTableWidget *m_loaded;
    QTableWidget *m_refused;
    QPushButton *m_closeRoutes;
};

} // namespace WsPlug
