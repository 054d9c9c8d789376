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
#include "tableexport.h"
#include "charts/chartspanel.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QAction>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
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
    buildMenu();
    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("stateLabel"));
    m_countLabel = new QLabel(this);
    m_countLabel->setObjectName(QStringLiteral("countLabel"));
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addPermanentWidget(m_countLabel);

    connect(m_client, &MonitorClient::stateChanged, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::stateChanged, this, &MainWindow::updateStaleness);
    connect(m_client, &MonitorClient::snapshotReceived, this, &MainWindow::updateStaleness);
    m_countdown = new QTimer(this);
    m_countdown->setInterval(250);
    connect(m_countdown, &QTimer::timeout, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::snapshotReceived, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::statsChanged, this, &MainWindow::updateStatus);
    // The session count also changes between ticks (a fetched session list).
    connect(m_client->sessions(), &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatus);
    connect(m_client->sessions(), &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatus);
    connect(m_clients, &ClientsPanel::commandLogged, this, [this](const QString &text) {
        // A temporary message hides the state: never while the state is the news.
        if (m_client->state() == MonitorClient::State::Attached)
            statusBar()->showMessage(text, 5000);
    });
    connect(m_embedded, &EmbeddedHost::started, this, &MainWindow::onEmbeddedHostStarted);
    connect(m_embedded, &EmbeddedHost::stateChanged, this, &MainWindow::updateStatus);

    if (!options.caFile.isEmpty())
        m_client->setCaFile(options.caFile);   // checked by main.cpp
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
    // What is shown stays readable when the connection is lost, but greyed, under a
    // banner that says so, until a new snapshot replaces it.
    m_banner = new QFrame(this);
    m_banner->setObjectName(QStringLiteral("staleBanner"));
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setAutoFillBackground(true);
    QPalette warning = m_banner->palette();
    warning.setColor(QPalette::Window, QColor(0xff, 0xe8, 0xa8));
    warning.setColor(QPalette::WindowText, QColor(0x4a, 0x34, 0x00));
    m_banner->setPalette(warning);
    auto *bannerLayout = new QHBoxLayout(m_banner);
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("staleBannerText"));
    m_bannerText->setWordWrap(true);
    bannerLayout->addWidget(m_bannerText, 1);
    auto *reattach = new QPushButton(tr("Attach…"), m_banner);
    reattach->setObjectName(QStringLiteral("bannerAttachButton"));
    connect(reattach, &QPushButton::clicked, this, &MainWindow::showAttachDialog);
    bannerLayout->addWidget(reattach);
    m_banner->hide();
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);
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
    switchToRemote(url, token, EmbeddedChoice::Ask);
}

int MainWindow::embeddedClients() const
{
    if (m_embedded->state() != EmbeddedHost::State::Running)
        return 0;
    return std::max(0, m_embedded->sessionCount() - (m_usingEmbedded ? m_demo->clientCount() : 0));
}

void MainWindow::switchToRemote(const QUrl &url, const QString &token, EmbeddedChoice choice)
{
    const int clients = choice == EmbeddedChoice::Ask && m_usingEmbedded ? embeddedClients() : 0;
    if (clients > 0) {
        // Stopping would close every one of them (1001) and lose their history: ask.
        auto *box = new QMessageBox(QMessageBox::Question, tr("Keep the embedded host running?"),
                                    clients == 1 ? tr("The embedded host serves 1 client.")
                                                 : tr("The embedded host serves %1 clients.").arg(clients),
                                    QMessageBox::NoButton, this);
        box->setObjectName(QStringLiteral("embeddedQuestion"));
        box->setInformativeText(tr("Keep it running while you watch %1: its clients stay connected, and "
                                   "\"Embedded host\" switches back to it. Or stop it: its clients get 1001 "
                                   "(going away).").arg(url.toString(QUrl::RemoveQuery)));
        auto *keep = box->addButton(tr("Keep it running"), QMessageBox::AcceptRole);
        keep->setObjectName(QStringLiteral("keepEmbeddedButton"));
        auto *stop = box->addButton(tr("Stop it"), QMessageBox::DestructiveRole);
        stop->setObjectName(QStringLiteral("stopEmbeddedButton"));
        box->addButton(QMessageBox::Cancel)->setObjectName(QStringLiteral("cancelButton"));
        box->setDefaultButton(keep);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::buttonClicked, this, [this, keep, stop, url, token](QAbstractButton *button) {
            if (button == keep)
                switchToRemote(url, token, EmbeddedChoice::Keep);
            else if (button == stop)
                switchToRemote(url, token, EmbeddedChoice::Stop);
        });
        box->open();
        return;
    }
    m_demoAction->setChecked(false);
    m_demoAction->setEnabled(false);
    m_usingEmbedded = false;
    m_client->attach(normalizedAdminUrl(url, token));
    // Kept by default: nothing is destroyed unasked, and switching back is instant.
    if (choice == EmbeddedChoice::Stop)
        m_embedded->stop();   // its clients get 1001; nothing here waits for them
    updateStatus();
}

void MainWindow::showAttachDialog()
{
    auto *dialog = new AttachDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AttachDialog::attachRequested, this, [this, dialog](const QUrl &url, const QString &token) {
        QString why;
        if (!m_client->setCaFile(dialog->caFile(), &why)) {
            QMessageBox::warning(this, tr("Attach"), why);
            return;
        }
        attachToRemote(url, token);
    });
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
    if (!m_usingEmbedded && m_embedded->state() == EmbeddedHost::State::Running)
        m_hostLabel->setText(tr("<b>Remote</b> %1 <i>(the embedded host still runs on port %2)</i>")
                                 .arg(where).arg(m_embedded->serverPort()));
    else if (!m_usingEmbedded)
        m_hostLabel->setText(tr("<b>Remote</b> %1").arg(where));
    else if (starting)
        m_hostLabel->setText(tr("<b>Embedded</b> starting…"));
    else
        m_hostLabel->setText(tr("<b>Embedded</b> %1").arg(where));
    m_hostLabel->setToolTip(m_usingEmbedded ? tr("The host this monitor runs itself") : tr("A host this monitor attached to"));
    const Protocol::ClusterInfo &cluster = m_client->clusterInfo();
    if (cluster.enabled && m_client->state() == MonitorClient::State::Attached) {
        // Which host of a cluster this is, and whether it still reaches the others.
        // The cluster's totals beside this host's own (the Dashboard's): every node as of its
        // last stamp in Redis, about a second old.
        const Protocol::ClusterTraffic &t = cluster.traffic;
        const QString totals = cluster.sessions < 0
                ? QString()
                : (cluster.nodes.size() == 1 ? tr(" · cluster: 1 node, ") : tr(" · cluster: %1 nodes, ").arg(cluster.nodes.size()))
                  + (cluster.sessions == 1 ? tr("1 session, ") : tr("%1 sessions, ").arg(cluster.sessions))
                  + tr("%1 msgs/s in, %2 out").arg(t.messagesInPerSecond, 0, 'f', 0).arg(t.messagesOutPerSecond, 0, 'f', 0);
        m_hostLabel->setText(m_hostLabel->text() + tr(" · node <b>%1</b>").arg(cluster.node.toHtmlEscaped())
                             + (cluster.up ? tr(" · cluster up")
                                           : tr(" · <b>Redis away</b> (%1 queued)").arg(cluster.queued))
                             + totals);
        m_hostLabel->setToolTip(m_hostLabel->toolTip() + QLatin1Char('\n') + cluster.redis
                                + (cluster.lastError.isEmpty() ? QString() : QStringLiteral(": ") + cluster.lastError)
                                + QLatin1Char('\n') + tr("Nodes: %1").arg(cluster.nodes.join(QStringLiteral(", ")))
                                + (cluster.sessions >= 0
                                   ? QLatin1Char('\n') + tr("Sessions in the cluster: %1").arg(cluster.sessions)
                                     + QLatin1Char('\n') + tr("Messages in the cluster: %1 in, %2 out (%3, %4)")
                                           .arg(t.messagesIn).arg(t.messagesOut)
                                           .arg(formatBytes(double(t.bytesIn)), formatBytes(double(t.bytesOut)))
                                     + QLatin1Char('\n') + tr("Per second: %1 / %2 messages, %3 / %4 in / out")
                                           .arg(t.messagesInPerSecond, 0, 'f', 1).arg(t.messagesOutPerSecond, 0, 'f', 1)
                                           .arg(formatBytes(t.bytesInPerSecond), formatBytes(t.bytesOutPerSecond))
                                   : QString()));
    }

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
    case MonitorClient::State::Reconnecting: {
        const int ms = m_client->retryInMs();
        state = ms < 0 ? tr("⚠ %1 — retrying now…").arg(m_client->lastError())
                       : tr("⚠ %1 — retrying in %2 s").arg(m_client->lastError()).arg((ms + 999) / 1000);
        break;
    }
    case MonitorClient::State::Failed:
        state = tr("✘ Not retrying: %1").arg(m_client->lastError());
        break;
    }
    m_stateLabel->setText(state);
    const bool counting = m_client->state() == MonitorClient::State::Reconnecting;
    if (counting && !m_countdown->isActive())
        m_countdown->start();
    else if (!counting)
        m_countdown->stop();
    const HostStats st = m_client->stats();
    m_countLabel->setText(tr("%1 sessions · %2 handshakes pending · %3 opened in total")
                              .arg(m_client->sessions()->rowCount()).arg(st.pendingHandshakes).arg(st.opened));
}

void MainWindow::updateStaleness()
{
    const bool failed = m_client->state() == MonitorClient::State::Failed;
    const bool stale = m_client->isStale();
    if (m_tabs->property("stale").toBool() != stale) {
        // Grey text on grey: readable, but plainly not live (a palette, not an effect,
        // so that it looks the same on every platform and in a screenshot).
        QPalette greyed = palette();
        if (stale) {
            const QColor text(0x8c, 0x8c, 0x8c);
            for (auto role : {QPalette::Text, QPalette::WindowText, QPalette::ButtonText, QPalette::HighlightedText})
                greyed.setColor(role, text);
            greyed.setColor(QPalette::Base, QColor(0xf2, 0xf2, 0xf2));
            greyed.setColor(QPalette::AlternateBase, QColor(0xea, 0xea, 0xea));
            greyed.setColor(QPalette::Highlight, QColor(0xd0, 0xd0, 0xd0));
        }
        m_tabs->setPalette(greyed);
        m_tabs->setProperty("stale", stale);
        if (auto *charts = m_dashboard->findChild<ChartsPanel *>())
            charts->setGreyed(stale);
    }
    // Its buttons act on the host: not while what they would act on is not live.
    m_plugins->setEnabled(!stale);
    m_banner->setVisible(stale || failed);
    if (!stale && !failed)
        return;
    const QString where = m_client->displayUrl();
    QString text;
    if (stale) {
        text = tr("<b>Not live since %1</b> — %2. What you see is the last state %3 sent; it is replaced as soon "
                  "as the host answers again.")
                   .arg(m_client->lostAt().toString(QStringLiteral("HH:mm:ss")), m_client->lastError().toHtmlEscaped(),
                        where.toHtmlEscaped());
    } else {
        text = tr("<b>Not attached.</b> %1: %2.").arg(where.toHtmlEscaped(), m_client->lastError().toHtmlEscaped());
    }
    if (failed)
        text += tr(" <b>Retrying stopped.</b>");
    m_bannerText->setText(text);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Closing the window stops the embedded host: its clients would get 1001 unasked.
    const int clients = m_closeConfirmed ? 0 : embeddedClients();
    if (clients == 0 || !QSettings().value(QLatin1String(ConfirmCloseKey), true).toBool()) {
        event->accept();
        return;
    }
    event->ignore();
    auto *box = new QMessageBox(QMessageBox::Question, tr("Close the monitor?"),
                                clients == 1 ? tr("1 client is connected to the embedded host.")
                                             : tr("%1 clients are connected to the embedded host.").arg(clients),
                                QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("closeQuestion"));
    box->setInformativeText(tr("Closing the window stops the embedded host: they get 1001 (going away)."));
    auto *dontAsk = new QCheckBox(tr("Don't ask again"), box);
    dontAsk->setObjectName(QStringLiteral("dontAskAgain"));
    box->setCheckBox(dontAsk);
    auto *close = box->addButton(tr("Close and stop the host"), QMessageBox::AcceptRole);
    close->setObjectName(QStringLiteral("closeAnywayButton"));
    auto *cancel = box->addButton(QMessageBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancelButton"));
    box->setDefaultButton(cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, close, dontAsk](QAbstractButton *button) {
        if (button != close)
            return;
        if (dontAsk->isChecked())
            QSettings().setValue(QLatin1String(ConfirmCloseKey), false);
        m_closeConfirmed = true;
        // Once the box has gone: closing the window from inside its own slot would not.
        QTimer::singleShot(0, this, &QWidget::close);
    });
    box->open();
}

void MainWindow::buildMenu()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    auto addExport = [this, file](const QString &text, Table table, const QString &name) {
        QAction *a = file->addAction(text, this, [this, table] { exportTableAs(table); });
        a->setObjectName(name);
    };
    addExport(tr("Export sessions…"), Table::Sessions, QStringLiteral("exportSessionsAction"));
    addExport(tr("Export handshake log…"), Table::Handshakes, QStringLiteral("exportHandshakesAction"));
    addExport(tr("Export disconnect history…"), Table::Closes, QStringLiteral("exportClosesAction"));
    QMenu *charts = file->addMenu(tr("Export chart as PNG"));
    auto *panel = m_dashboard->findChild<ChartsPanel *>();
    for (const QString &name : panel->chartNames()) {
        charts->addAction(name, this, [this, name] {
            const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), name + QStringLiteral(".png"),
                                                              tr("PNG image (*.png)"));
            if (!path.isEmpty() && !exportChart(name, path))
                QMessageBox::warning(this, tr("Export"), tr("Could not write %1.").arg(path));
        });
    }
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
}

bool MainWindow::exportTable(Table table, const QString &path, QString *error) const
{
    static const char *const views[] = {"clientsView", "handshakesView", "closesView"};
    const auto *view = findChild<QTableView *>(QLatin1String(views[int(table)]));
    return view && WsPlug::exportTable(view->model(), path, error);
}

bool MainWindow::exportChart(const QString &chart, const QString &path) const
{
    auto *panel = m_dashboard->findChild<ChartsPanel *>();
    m_dashboard->catchUp();   // from another tab the charts are behind
    return panel && panel->saveChart(chart, path);
}

void MainWindow::exportTableAs(Table table)
{
    static const char *const names[] = {"sessions", "handshakes", "disconnects"};
    const QString path = QFileDialog::getSaveFileName(this, tr("Export"), QLatin1String(names[int(table)]) + QStringLiteral(".csv"),
                                                      tr("CSV (*.csv);;JSON (*.json)"));
    QString error;
    if (!path.isEmpty() && !exportTable(table, path, &error))
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1: %2").arg(path, error));
}

} // namespace WsPlug
