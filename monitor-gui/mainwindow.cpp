// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "mainwindow.h"

#include "attachdialog.h"
#include "clientspanel.h"
#include "dashboardpanel.h"
#include "demotraffic.h"
#include "embeddedhost.h"
#include "framespanel.h"
#include "closespanel.h"
#include "handshakespanel.h"
#include "monitorclient.h"
#include "monitoroptions.h"
#include "pluginspanel.h"
#include "sessionsmodel.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QAction>
#include <QComboBox>
#include <QIcon>
#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QUrlQuery>

namespace WsPlug {

namespace {

QUrl normalizedAdminUrl(QUrl url, const QString &token)
{
    if (url.scheme() == QLatin1String("http"))
        url.setScheme(QStringLiteral("ws"));
    else if (url.scheme() == QLatin1String("https"))
        url.setScheme(QStringLiteral("wss"));
    if (url.path().isEmpty() || url.path() == QLatin1String("/"))
        url.setPath(QLatin1String(Protocol::AdminPath));
    if (!token.isEmpty()) {
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("token"));
        // Encoded here: QUrlQuery would take '%', '&', '#' or '+' in it for syntax.
        query.addQueryItem(QStringLiteral("token"), QString::fromLatin1(QUrl::toPercentEncoding(token)));
        url.setQuery(query);
    }
    return url;
}

} // namespace

MainWindow::MainWindow(const MonitorOptions &options, QWidget *parent)
    : QMainWindow(parent),
      m_embedded(new EmbeddedHost(options.hostConfig, this)),
      m_client(new MonitorClient(this)),
      m_demo(new DemoTraffic(this))
{
    setWindowTitle(tr("wsplug monitor"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/wsplug.svg")));
    m_normalFont = font();
    buildToolbar();
    buildTabs();
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("stateLabel"));
    m_countLabel = new QLabel(this);
    m_countLabel->setObjectName(QStringLiteral("countLabel"));
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addPermanentWidget(m_countLabel);

    connect(m_client, &MonitorClient::stateChanged, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::snapshotReceived, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::statsChanged, this, &MainWindow::updateStatus);
    // The session count also changes between ticks (a fetched session list).
    connect(m_client->sessions(), &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatus);
    connect(m_client->sessions(), &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatus);
    connect(m_clients, &ClientsPanel::commandLogged, this, [this](const QString &text) {
        statusBar()->showMessage(text, 5000);
    });
    connect(m_embedded, &EmbeddedHost::started, this, &MainWindow::onEmbeddedHostStarted);
    connect(m_embedded, &EmbeddedHost::stateChanged, this, &MainWindow::updateStatus);

    if (options.remoteUrl.isValid() && !options.remoteUrl.isEmpty())
        attachToRemote(options.remoteUrl, options.remoteToken);
    else
        useEmbeddedHost();
    if (options.presentation)
        m_presentationAction->setChecked(true);
    if (options.demoTraffic)
        m_demoAction->setChecked(true);
    resize(1280, 820);
}

MainWindow::~MainWindow()
{
    // The embedded host (a child) closes its sessions in the background: nothing here waits.
    m_demo->stop();
    m_client->detach();
}

void MainWindow::buildToolbar()
{
    auto *toolbar = addToolBar(tr("Host"));
    toolbar->setObjectName(QStringLiteral("hostToolbar"));
    toolbar->setMovable(false);
    m_hostLabel = new QLabel(this);
    m_hostLabel->setObjectName(QStringLiteral("hostLabel"));
    m_hostLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_hostLabel->setContentsMargins(6, 0, 12, 0);
    toolbar->addWidget(m_hostLabel);

    auto *attach = toolbar->addAction(tr("Attach…"), this, &MainWindow::showAttachDialog);
    attach->setToolTip(tr("Attach to a remote host (Ctrl+O)"));
    attach->setObjectName(QStringLiteral("attachAction"));
    attach->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    auto *embedded = toolbar->addAction(tr("Embedded host"), this, [this] { useEmbeddedHost(); });
    embedded->setToolTip(tr("Go back to the host this monitor runs itself"));
    embedded->setObjectName(QStringLiteral("embeddedAction"));
    toolbar->addSeparator();
    m_demoAction = toolbar->addAction(tr("Demo"));
    m_demoAction->setObjectName(QStringLiteral("demoAction"));
    m_demoAction->setCheckable(true);
    m_demoAction->setToolTip(tr("Start a few real clients on the embedded host: echo, chat, ticker"));
    connect(m_demoAction, &QAction::toggled, this, &MainWindow::setDemoTraffic);
    m_presentationAction = toolbar->addAction(tr("Presentation"));
    m_presentationAction->setObjectName(QStringLiteral("presentationAction"));
    m_presentationAction->setCheckable(true);
    m_presentationAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_presentationAction->setToolTip(tr("Larger fonts for a projector (F5)"));
    connect(m_presentationAction, &QAction::toggled, this, &MainWindow::setPresentationMode);
    toolbar->addSeparator();
    toolbar->addWidget(new QLabel(tr(" Charts: "), this));
    m_window = new QComboBox(this);
    m_window->setObjectName(QStringLiteral("windowSelector"));
    m_window->setToolTip(tr("How much time the charts show"));
    m_window->addItem(tr("1 min"), 60);
    m_window->addItem(tr("10 min"), 600);
    toolbar->addWidget(m_window);
}

void MainWindow::buildTabs()
{
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    m_dashboard = new DashboardPanel(m_client, m_tabs);
    m_clients = new ClientsPanel(m_client, m_tabs);
    m_handshakes = new HandshakesPanel(m_client, m_tabs);
    m_closes = new ClosesPanel(m_client, m_tabs);
    m_frames = new FramesPanel(m_client, m_tabs);
    m_plugins = new PluginsPanel(m_client, m_tabs);
    m_tabs->addTab(m_dashboard, tr("&Dashboard"));
    m_tabs->addTab(m_clients, tr("&Clients"));
    m_tabs->addTab(m_handshakes, tr("&Handshakes"));
    m_tabs->addTab(m_closes, tr("Cl&oses"));
    m_tabs->addTab(m_frames, tr("&Frames"));
    m_tabs->addTab(m_plugins, tr("&Plugins"));
    setCentralWidget(m_tabs);
    connect(m_window, &QComboBox::currentIndexChanged, this,
            [this] { m_dashboard->setWindowSeconds(m_window->currentData().toInt()); });

    // Window-wide, so that they work from every tab.
    addActions(m_clients->sessionActions());
    connect(m_clients, &ClientsPanel::watchRequested, this, [this] { m_tabs->setCurrentWidget(m_frames); });
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        // The filter of the tab in view; from any other tab, the clients'.
        if (m_tabs->currentWidget() == m_handshakes) {
            m_handshakes->focusFilter();
            return;
        }
        m_tabs->setCurrentWidget(m_clients);
        m_clients->focusFilter();
    });
    addAction(find);
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto *jump = new QAction(this);
        jump->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(jump, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
        addAction(jump);
    }
}

QList<SessionId> MainWindow::selectedSessions() const
{
    return m_clients->selectedSessions();
}

void MainWindow::useEmbeddedHost()
{
    m_demoAction->setChecked(false);
    m_demoAction->setEnabled(true);
    m_client->detach();
    m_usingEmbedded = true;
    if (m_embedded->state() == EmbeddedHost::State::Running)
        onEmbeddedHostStarted();
    else
        m_embedded->start();   // returns at once; the status bar says "starting…" meanwhile
    updateStatus();
}

void MainWindow::onEmbeddedHostStarted()
{
    if (!m_usingEmbedded)
        return;
    m_client->attach(m_embedded->adminUrl());
    if (m_demoAction->isChecked())
        setDemoTraffic(true);
    updateStatus();
}

void MainWindow::attachToRemote(const QUrl &url, const QString &token)
{
    m_demoAction->setChecked(false);
    m_demoAction->setEnabled(false);
    m_usingEmbedded = false;
    m_client->attach(normalizedAdminUrl(url, token));
    // The embedded host is no longer watched: stop it so it frees its port, without
    // waiting here for its clients to answer the close.
    m_embedded->stop();
    updateStatus();
}

void MainWindow::showAttachDialog()
{
    auto *dialog = new AttachDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AttachDialog::attachRequested, this, &MainWindow::attachToRemote);
    dialog->open();
}

void MainWindow::setPresentationMode(bool on)
{
    QFont f = m_normalFont;
    if (on)
        f.setPointSizeF(f.pointSizeF() * 1.6);
    setFont(f);
    // Views with their own fonts and sizes follow too; columns grow with the font so
    // that nothing is cut off on a projector.
    const qreal scale = on ? 1.6 : 1.0;
    m_dashboard->followFont(f);
    m_clients->followFont(f, scale);
    m_handshakes->followFont(f, scale);
    m_closes->followFont(f, scale);
    m_frames->followFont(f, scale);
}

void MainWindow::setDemoTraffic(bool on)
{
    // A host still starting gets its demo clients once it runs (onEmbeddedHostStarted).
    if (!on || !embeddedHost() || m_embedded->state() != EmbeddedHost::State::Running) {
        m_demo->stop();
        return;
    }
    QUrl base;
    base.setScheme(QStringLiteral("ws"));
    base.setHost(QStringLiteral("127.0.0.1"));
    base.setPort(m_embedded->serverPort());
    m_demo->start(base);
}

void MainWindow::updateStatus()
{
    const Protocol::HostInfo &host = m_client->hostInfo();
    // Short: the toolbar must fit a 1024-pixel projector in presentation mode (the
    // status bar has the whole URL).
    const QString where = host.version.isEmpty() ? m_client->displayUrl()
                                                 : QStringLiteral("%1:%2").arg(host.address).arg(host.port);
    const bool starting = m_usingEmbedded && m_embedded->state() == EmbeddedHost::State::Starting;
    if (!m_usingEmbedded)
        m_hostLabel->setText(tr("<b>Remote</b> %1").arg(where));
    else if (starting)
        m_hostLabel->setText(tr("<b>Embedded</b> starting…"));
    else
        m_hostLabel->setText(tr("<b>Embedded</b> %1").arg(where));
    m_hostLabel->setToolTip(m_usingEmbedded ? tr("The host this monitor runs itself") : tr("A host this monitor attached to"));

    // Only the embedded host's own notices: a remote host's troubles show as the client's.
    const QString hostNotice = m_usingEmbedded ? m_embedded->notice() : QString();
    QString state;
    switch (m_client->state()) {
    case MonitorClient::State::Detached:
        if (starting)
            state = tr("Starting the embedded host…");
        else
            state = hostNotice.isEmpty() ? tr("Not attached") : hostNotice;
        break;
    case MonitorClient::State::Connecting:
        state = tr("Connecting to %1…").arg(m_client->displayUrl());
        break;
    case MonitorClient::State::Attached:
        state = tr("● Attached to %1, wsplug %2").arg(where, host.version);
        if (!hostNotice.isEmpty())
            state += QStringLiteral(" — ") + hostNotice;
        break;
    case MonitorClient::State::Reconnecting:
        state = tr("⚠ Connection lost (%1) — retrying…").arg(m_client->lastError());
        break;
    }
    m_stateLabel->setText(state);
    const HostStats st = m_client->stats();
    m_countLabel->setText(tr("%1 sessions · %2 handshakes pending · %3 opened in total")
                              .arg(m_client->sessions()->rowCount()).arg(st.pendingHandshakes).arg(st.opened));
}

} // namespace WsPlug
