// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QMainWindow>
#include <QUrl>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTableWidget;
QT_END_NAMESPACE

namespace WsPlug {

class ChartsPanel;
class DemoTraffic;
class EmbeddedHost;
class MonitorClient;
struct MonitorOptions;

/*
 * wsplug-monitor's window. Every view reads the MonitorClient, which speaks the admin
 * protocol; the embedded host (on its own thread) is reached through it exactly like
 * a remote one, so what works locally works remotely.
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
    void closeSelected();
    void kickSelected();
    void sendToSelected();
    void setDemoTraffic(bool on);

private:
    void buildUi();
    QWidget *buildClientsTab();
    QWidget *buildHandshakesTab();
    QWidget *buildPluginsTab();
    void showAttachDialog();
    void updateStatus();
    void updatePlugins();          // on a snapshot: both plugin tables
    void updatePluginSessions();   // on a tick: the Sessions column only
    void showHandshake(int sourceRow);
    void logCommand(const QString &text, bool ok);
    //! Asks before acting on more than one session; runs \a action at once for one.
    void confirmBulk(const QString &what, int count, const std::function<void()> &action);

    void onEmbeddedHostStarted();

    EmbeddedHost *m_embedded;
    bool m_usingEmbedded = false;
    MonitorClient *m_client;
    DemoTraffic *m_demo;

    QTabWidget *m_tabs = nullptr;
    ChartsPanel *m_charts = nullptr;
    QComboBox *m_window = nullptr;
    QTableView *m_clientsView = nullptr;
    QSortFilterProxyModel *m_clientsProxy = nullptr;
    QLineEdit *m_clientFilter = nullptr;
    QLabel *m_selectionLabel = nullptr;
    QListWidget *m_commandLog = nullptr;
    QTableView *m_handshakesView = nullptr;
    QLabel *m_handshakesNote = nullptr;   // says when records were dropped or left out
    QPlainTextEdit *m_rawRequest = nullptr;
    QPlainTextEdit *m_rawResponse = nullptr;
    QPlainTextEdit *m_acceptDerivation = nullptr;
    QTableWidget *m_pluginsTable = nullptr;
    QTableWidget *m_refusedTable = nullptr;
    QLabel *m_hostLabel = nullptr;
    QLabel *m_stateLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QAction *m_closeAction = nullptr;
    QAction *m_kickAction = nullptr;
    QAction *m_sendAction = nullptr;
    QAction *m_presentationAction = nullptr;
    QAction *m_demoAction = nullptr;
    QFont m_normalFont;
};

//! Raw protocol bytes made visible: CR and LF as \r and \n, a backslash doubled, other
//! control and non-ASCII bytes as \xNN.
QString visibleBytes(const QByteArray &bytes);
//! The RFC 6455 4.2.2 steps from Sec-WebSocket-Key to Sec-WebSocket-Accept, for teaching.
QString acceptDerivation(const QByteArray &request, const QByteArray &response);

} // namespace WsPlug
