// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QTabWidget;
QT_END_NAMESPACE

namespace WsPlug {

class ClientsPanel;
class DashboardPanel;
class DemoTraffic;
class EmbeddedHost;
class ClosesPanel;
class FramesPanel;
class HandshakesPanel;
class MonitorClient;
class PluginsPanel;
struct MonitorOptions;

/*
 * wsplug-monitor's window: the toolbar, the four tabs (one panel each) and the status
 * bar, wired to the MonitorClient. Every panel reads the MonitorClient, which speaks the
 * admin protocol; the embedded host (on its own thread) is reached through it exactly
 * like a remote one, so what works locally works remotely.
 */
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(const MonitorOptions &options, QWidget *parent = nullptr);
    ~MainWindow() override;

    MonitorClient *client() const { return m_client; }
    //! The embedded host while the window uses it (starting or running), nullptr while
    //! it is attached to a remote one.
    EmbeddedHost *embeddedHost() const { return m_usingEmbedded ? m_embedded : nullptr; }
    QList<SessionId> selectedSessions() const;

public Q_SLOTS:
    //! Starts the embedded host if need be and attaches to it once it runs.
    void useEmbeddedHost();
    void attachToRemote(const QUrl &url, const QString &token);
    void setPresentationMode(bool on);
    void setDemoTraffic(bool on);

private:
    void buildToolbar();
    void buildTabs();
    void showAttachDialog();
    void onEmbeddedHostStarted();
    void updateStatus();

    EmbeddedHost *m_embedded;
    bool m_usingEmbedded = false;
    MonitorClient *m_client;
    DemoTraffic *m_demo;

    QTabWidget *m_tabs = nullptr;
    DashboardPanel *m_dashboard = nullptr;
    ClientsPanel *m_clients = nullptr;
    HandshakesPanel *m_handshakes = nullptr;
    ClosesPanel *m_closes = nullptr;
    FramesPanel *m_frames = nullptr;
    PluginsPanel *m_plugins = nullptr;
    QComboBox *m_window = nullptr;
    QLabel *m_hostLabel = nullptr;
    QLabel *m_stateLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QAction *m_presentationAction = nullptr;
    QAction *m_demoAction = nullptr;
    QFont m_normalFont;
};

} // namespace WsPlug
