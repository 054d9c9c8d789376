// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QListWidget;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;

/*
 * The Plugins tab: the plugins the host serves (and those draining after an unload
 * or a reload) with their sessions and settings, those it refused, and what happened
 * to them while it ran; load a file, reload or unload a plugin, close its routes.
 */
class PluginsPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit PluginsPanel(MonitorClient *client, QWidget *parent = nullptr);

private:
    void updatePlugins();    // on a snapshot or a change: every table
    void updateSessions();   // on a tick: the Sessions column only
    void updateButtons();
    //! The Id of the selected serving plugin, or empty.
    QString selectedPlugin() const;
    void closeSelectedRoutes();
    void loadFile();
    void unloadSelected();

    MonitorClient *m_client;
    QTableWidget *m_loaded;
    QTableWidget *m_refused;
    QListWidget *m_events;
    QPushButton *m_closeRoutes;
    QPushButton *m_reload;
    QPushButton *m_unload;
    QPushButton *m_load;
};

} // namespace WsPlug
