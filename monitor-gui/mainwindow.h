// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QAction;
class QCloseEvent;
class QComboBox;
class QFrame;
class QLabel;
class QTabWidget;
class QTimer;
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

    //! What to do with the embedded host when attaching to a remote one.
    enum class EmbeddedChoice { Ask, Keep, Stop };
    //! The tables that can be exported.
    enum class Table { Sessions, Handshakes, Closes };
    //! Writes \a table as shown (filtered, sorted) to \a path: JSON for *.json, else CSV.
    bool exportTable(Table table, const QString &path, QString *error = nullptr) const;
    //! Writes the named chart (see ChartsPanel::chartNames()) to \a path as PNG.
    bool exportChart(const QString &chart, const QString &path) const;
    //! The setting that "Don't ask again" clears.
    static constexpr const char *ConfirmCloseKey = "monitor/confirmCloseWithSessions";

public Q_SLOTS:
    //! Starts the embedded host if need be and attaches to it once it runs.
    void useEmbeddedHost();
    //! Asks first whether to keep the embedded host running, if it has clients.
    void attachToRemote(const QUrl &url, const QString &token);
    void switchToRemote(const QUrl &url, const QString &token, WsPlug::MainWindow::EmbeddedChoice choice);
    void setPresentationMode(bool on);
    void setDemoTraffic(bool on);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildToolbar();
    void buildMenu();
    void exportTableAs(Table table);
    //! Clients of the embedded host that are not the monitor's own demo clients.
    int embeddedClients() const;
    void buildTabs();
    void showAttachDialog();
    void onEmbeddedHostStarted();
    void updateStatus();
    //! The banner, the grey and the disabled actions follow the client's isStale().
    void updateStaleness();

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
    QFrame *m_banner = nullptr;          // says that what is shown is not live
    QLabel *m_bannerText = nullptr;
    QTimer *m_countdown = nullptr;       // the "retrying in N s" countdown
    bool m_closeConfirmed = false;
    QFont m_normalFont;
};

} // namespace WsPlug
