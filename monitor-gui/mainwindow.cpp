// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "mainwindow.h"

#include "charts/chartspanel.h"
#include "demotraffic.h"
#include "embeddedhost.h"
#include "handshakesmodel.h"
#include "monitorclient.h"
#include "monitoroptions.h"
#include "sessionsmodel.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolBar>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace WsPlug {

namespace {

// Column widths at normal size; presentation mode scales them with the font.
constexpr int ClientColumnWidths[] = {50, 150, 170, 170, 100, 80, 80, 90, 90, 100, 80};
constexpr int HandshakeColumnWidths[] = {95, 140, 120, 55, 75, 70};

template <size_t N>
void setColumnWidths(QTableView *view, const int (&widths)[N], qreal scale)
{
    for (size_t c = 0; c < N; ++c)
        view->setColumnWidth(int(c), int(widths[c] * scale));
}

constexpr int MaxCommandLogEntries = 500;
constexpr int MaxRecentHosts = 10;

// The close codes a server may send (RFC 6455 7.4.1), with what they mean.
struct CloseCodeInfo
{
    int code;
    const char *name;
    const char *meaning;
};
constexpr CloseCodeInfo closeCodes[] = {
    {1000, "Normal Closure", "the purpose of the connection has been fulfilled"},
    {1001, "Going Away", "the server is going down or the client navigates away"},
    {1002, "Protocol Error", "the peer broke the WebSocket protocol"},
    {1003, "Unsupported Data", "a data type the endpoint cannot accept (e.g. binary only)"},
    {1007, "Invalid Payload Data", "a message was not consistent with its type (e.g. bad UTF-8)"},
    {1008, "Policy Violation", "a message violated the server's policy"},
    {1009, "Message Too Big", "a message was too big to process"},
    {1011, "Internal Error", "the server met an unexpected condition"},
    {1012, "Service Restart", "the service is restarting (Qt clients reject 1012-1014)"},
    {1013, "Try Again Later", "temporary overload, try again later"},
    {1014, "Bad Gateway", "a gateway or proxy got an invalid response"},
};

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

QString visibleBytes(const QByteArray &bytes)
{
    QString out;
    out.reserve(bytes.size() + bytes.size() / 16);
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        // Escapes every font can show, in the spelling programmers know.
        if (c == '\r') {
            out += QStringLiteral("\\r");
        } else if (c == '\n') {
            out += QStringLiteral("\\n\n");
        } else if (c == '\\') {
            out += QStringLiteral("\\\\");
        } else if (c < 0x20 || c >= 0x7f) {
            out += QStringLiteral("\\x%1").arg(int(c), 2, 16, QLatin1Char('0'));
        } else {
            out += QLatin1Char(char(c));
        }
    }
    return out;
}

QString acceptDerivation(const QByteArray &request, const QByteArray &response)
{
    auto headerValue = [](const QByteArray &head, const QByteArray &name) -> QByteArray {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    };
    const QByteArray key = headerValue(request, "Sec-WebSocket-Key");
    if (key.isEmpty())
        return QObject::tr("This request has no Sec-WebSocket-Key, so there is nothing to derive.");
    const QByteArray guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    const QByteArray sha1 = QCryptographicHash::hash(QByteArray(key + guid), QCryptographicHash::Sha1);
    const QByteArray accept = sha1.toBase64();
    const QByteArray sent = headerValue(response, "Sec-WebSocket-Accept");
    QString text;
    text += QObject::tr("How the server proves it understood the handshake (RFC 6455, 4.2.2):\n\n");
    text += QObject::tr("1. Sec-WebSocket-Key from the client:\n   %1\n\n").arg(QString::fromLatin1(key));
    text += QObject::tr("2. Append the fixed GUID 258EAFA5-E914-47DA-95CA-C5AB0DC85B11:\n   %1\n\n")
                .arg(QString::fromLatin1(key + guid));
    text += QObject::tr("3. SHA-1 of that string (20 bytes, in hex):\n   %1\n\n").arg(QString::fromLatin1(sha1.toHex(' ')));
    text += QObject::tr("4. Base64 of those 20 bytes = Sec-WebSocket-Accept:\n   %1\n\n").arg(QString::fromLatin1(accept));
    if (sent.isEmpty())
        text += QObject::tr("The server sent no Sec-WebSocket-Accept (the upgrade was refused).");
    else if (sent == accept)
        text += QObject::tr("The server sent %1 — it matches. ✔").arg(QString::fromLatin1(sent));
    else
        text += QObject::tr("The server sent %1 — it does NOT match. ✘").arg(QString::fromLatin1(sent));
    return text;
}

MainWindow::MainWindow(const MonitorOptions &options, QWidget *parent)
    : QMainWindow(parent),
      m_embedded(new EmbeddedHost(options.hostConfig, this)),
      m_client(new MonitorClient(this)),
      m_demo(new DemoTraffic(this))
{
    setWindowTitle(tr("wsplug monitor"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/wsplug.svg")));
    m_normalFont = font();
    buildUi();

    connect(m_client, &MonitorClient::stateChanged, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::snapshotReceived, this, [this] {
        // Show something in the handshake view from the start: the latest attempt.
        if (!m_handshakesView->currentIndex().isValid() && m_client->handshakes()->rowCount() > 0)
            m_handshakesView->selectRow(m_client->handshakes()->rowCount() - 1);
        m_charts->setHistory(m_client->history());
        m_charts->setTotals(m_client->stats());
        updatePlugins();
        updateStatus();
    });
    connect(m_client, &MonitorClient::sampleAdded, m_charts, &ChartsPanel::addSample);
    // The session count also changes between ticks (a fetched session list).
    connect(m_client->sessions(), &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatus);
    connect(m_client->sessions(), &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatus);
    connect(m_client, &MonitorClient::statsChanged, this, [this] {
        m_charts->setTotals(m_client->stats());
        updatePluginSessions();
        updateStatus();
    });
    connect(m_client, &MonitorClient::commandFinished, this, [this](const QString &what, bool ok, const QString &error) {
        logCommand(ok ? tr("✔ %1").arg(what) : tr("✘ %1: %2").arg(what, error), ok);
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

void MainWindow::buildUi()
{
    auto *toolbar = addToolBar(tr("Host"));
    toolbar->setObjectName(QStringLiteral("hostToolbar"));
    toolbar->setMovable(false);
    m_hostLabel = new QLabel(this);
    m_hostLabel->setObjectName(QStringLiteral("hostLabel"));
    m_hostLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_hostLabel->setContentsMargins(6, 0, 12, 0);
    toolbar->addWidget(m_hostLabel);

    auto *attach = toolbar->addAction(tr("Attach to remote…"), this, &MainWindow::showAttachDialog);
    attach->setObjectName(QStringLiteral("attachAction"));
    attach->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    auto *embedded = toolbar->addAction(tr("Use embedded host"), this, [this] { useEmbeddedHost(); });
    embedded->setObjectName(QStringLiteral("embeddedAction"));
    toolbar->addSeparator();
    m_demoAction = toolbar->addAction(tr("Demo traffic"));
    m_demoAction->setObjectName(QStringLiteral("demoAction"));
    m_demoAction->setCheckable(true);
    m_demoAction->setToolTip(tr("Start a few real clients on the embedded host: echo, chat, ticker"));
    connect(m_demoAction, &QAction::toggled, this, &MainWindow::setDemoTraffic);
    m_presentationAction = toolbar->addAction(tr("Presentation mode"));
    m_presentationAction->setObjectName(QStringLiteral("presentationAction"));
    m_presentationAction->setCheckable(true);
    m_presentationAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_presentationAction->setToolTip(tr("Larger fonts for a projector (F5)"));
    connect(m_presentationAction, &QAction::toggled, this, &MainWindow::setPresentationMode);
    toolbar->addSeparator();
    toolbar->addWidget(new QLabel(tr(" Chart window: "), this));
    m_window = new QComboBox(this);
    m_window->setObjectName(QStringLiteral("windowSelector"));
    m_window->addItem(tr("1 minute"), 60);
    m_window->addItem(tr("10 minutes"), 600);
    connect(m_window, &QComboBox::currentIndexChanged, this, [this] {
        m_charts->setWindowSeconds(m_window->currentData().toInt());
        m_charts->setHistory(m_client->history());
    });
    toolbar->addWidget(m_window);

    m_closeAction = new QAction(tr("Close gracefully…"), this);
    m_closeAction->setObjectName(QStringLiteral("closeAction"));
    m_closeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_closeAction->setToolTip(tr("Send a close frame with a code and reason (Ctrl+E)"));
    connect(m_closeAction, &QAction::triggered, this, &MainWindow::closeSelected);
    m_kickAction = new QAction(tr("Kick"), this);
    m_kickAction->setObjectName(QStringLiteral("kickAction"));
    m_kickAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_kickAction->setToolTip(tr("Abort the TCP connection at once, no close frame (Ctrl+K)"));
    connect(m_kickAction, &QAction::triggered, this, &MainWindow::kickSelected);
    m_sendAction = new QAction(tr("Send message…"), this);
    m_sendAction->setObjectName(QStringLiteral("sendAction"));
    m_sendAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    connect(m_sendAction, &QAction::triggered, this, &MainWindow::sendToSelected);
    for (QAction *a : {m_closeAction, m_kickAction, m_sendAction}) {
        a->setShortcutContext(Qt::WindowShortcut);
        a->setEnabled(false);
        addAction(a);
    }

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("tabs"));
    auto *dashboard = new QWidget(this);
    auto *dashLayout = new QVBoxLayout(dashboard);
    m_charts = new ChartsPanel(dashboard);
    m_charts->setObjectName(QStringLiteral("charts"));
    dashLayout->addWidget(m_charts);
    m_tabs->addTab(dashboard, tr("&Dashboard"));
    m_tabs->addTab(buildClientsTab(), tr("&Clients"));
    m_tabs->addTab(buildHandshakesTab(), tr("&Handshakes"));
    m_tabs->addTab(buildPluginsTab(), tr("&Plugins"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto *jump = new QAction(this);
        jump->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(jump, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
        addAction(jump);
    }
    setCentralWidget(m_tabs);

    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("stateLabel"));
    m_countLabel = new QLabel(this);
    m_countLabel->setObjectName(QStringLiteral("countLabel"));
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addPermanentWidget(m_countLabel);
}

QWidget *MainWindow::buildClientsTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    auto *top = new QHBoxLayout;
    m_clientFilter = new QLineEdit(tab);
    m_clientFilter->setObjectName(QStringLiteral("clientFilter"));
    m_clientFilter->setPlaceholderText(tr("Filter by address, route, path, state… (Ctrl+F)"));
    m_clientFilter->setClearButtonEnabled(true);
    auto *find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        m_tabs->setCurrentIndex(1);
        m_clientFilter->setFocus();
    });
    addAction(find);
    top->addWidget(m_clientFilter, 1);
    for (QAction *a : {m_closeAction, m_kickAction, m_sendAction}) {
        auto *button = new QPushButton(a->text(), tab);
        button->setObjectName(a->objectName() + QStringLiteral("Button"));
        button->setToolTip(a->toolTip());
        button->setEnabled(false);
        connect(a, &QAction::changed, button, [a, button] { button->setEnabled(a->isEnabled()); });
        connect(button, &QPushButton::clicked, a, &QAction::trigger);
        top->addWidget(button);
    }
    layout->addLayout(top);

    m_clientsProxy = new QSortFilterProxyModel(this);
    m_clientsProxy->setSourceModel(m_client->sessions());
    m_clientsProxy->setSortRole(SessionsModel::SortRole);
    m_clientsProxy->setFilterKeyColumn(-1);
    m_clientsProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_clientFilter, &QLineEdit::textChanged, m_clientsProxy, &QSortFilterProxyModel::setFilterFixedString);

    m_clientsView = new QTableView(tab);
    m_clientsView->setObjectName(QStringLiteral("clientsView"));
    m_clientsView->setModel(m_clientsProxy);
    m_clientsView->setSortingEnabled(true);
    m_clientsView->sortByColumn(SessionsModel::Id, Qt::AscendingOrder);
    m_clientsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_clientsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_clientsView->setAlternatingRowColors(true);
    m_clientsView->setWordWrap(false);
    m_clientsView->verticalHeader()->hide();
    // Fixed row heights and no per-row resizing keep 10,000 rows smooth.
    m_clientsView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_clientsView->horizontalHeader()->setStretchLastSection(true);
    m_clientsView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_clientsView->addActions({m_closeAction, m_kickAction, m_sendAction});
    setColumnWidths(m_clientsView, ClientColumnWidths, 1.0);
    connect(m_clientsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const int n = int(selectedSessions().size());
        for (QAction *a : {m_closeAction, m_kickAction})
            a->setEnabled(n > 0);
        m_sendAction->setEnabled(n == 1);
        m_selectionLabel->setText(n == 0 ? tr("Select clients to close, kick or message them.")
                                         : tr("%n client(s) selected", nullptr, n));
    });
    layout->addWidget(m_clientsView, 1);

    m_selectionLabel = new QLabel(tr("Select clients to close, kick or message them."), tab);
    layout->addWidget(m_selectionLabel);
    m_commandLog = new QListWidget(tab);
    m_commandLog->setObjectName(QStringLiteral("commandLog"));
    m_commandLog->setMaximumHeight(110);
    layout->addWidget(m_commandLog);
    return tab;
}

QWidget *MainWindow::buildHandshakesTab()
{
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    auto *list = new QWidget(splitter);
    auto *listLayout = new QVBoxLayout(list);
    listLayout->setContentsMargins(0, 0, 0, 0);
    m_handshakesNote = new QLabel(list);
    m_handshakesNote->setObjectName(QStringLiteral("handshakesNote"));
    m_handshakesNote->setWordWrap(true);
    m_handshakesNote->setContentsMargins(4, 2, 4, 2);
    m_handshakesNote->hide();
    listLayout->addWidget(m_handshakesNote);
    m_handshakesView = new QTableView(list);
    listLayout->addWidget(m_handshakesView);
    m_handshakesView->setObjectName(QStringLiteral("handshakesView"));
    m_handshakesView->setModel(m_client->handshakes());
    m_handshakesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_handshakesView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_handshakesView->setWordWrap(false);
    m_handshakesView->verticalHeader()->hide();
    m_handshakesView->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_handshakesView->horizontalHeader()->setStretchLastSection(true);
    setColumnWidths(m_handshakesView, HandshakeColumnWidths, 1.0);
    connect(m_handshakesView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showHandshake(current.row()); });
    // Follow new attempts while the view is at the bottom, like a terminal.
    connect(m_client->handshakes(), &QAbstractItemModel::rowsInserted, this, [this] {
        QScrollBar *bar = m_handshakesView->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            QMetaObject::invokeMethod(m_handshakesView, &QTableView::scrollToBottom, Qt::QueuedConnection);
    });

    auto *details = new QTabWidget(splitter);
    auto mono = [](QWidget *parent, const QString &name) {
        auto *edit = new QPlainTextEdit(parent);
        edit->setObjectName(name);
        edit->setReadOnly(true);
        edit->setLineWrapMode(QPlainTextEdit::NoWrap);
        QFont f(QStringLiteral("monospace"));
        f.setStyleHint(QFont::TypeWriter);
        edit->setFont(f);
        return edit;
    };
    m_rawRequest = mono(details, QStringLiteral("rawRequest"));
    m_rawResponse = mono(details, QStringLiteral("rawResponse"));
    m_acceptDerivation = mono(details, QStringLiteral("acceptDerivation"));
    m_acceptDerivation->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_rawRequest->setPlaceholderText(tr("Select a handshake to see the request exactly as it arrived."));
    details->addTab(m_rawRequest, tr("Request (raw)"));
    details->addTab(m_rawResponse, tr("Response (raw)"));
    details->addTab(m_acceptDerivation, tr("Sec-WebSocket-Accept"));
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 4);
    return splitter;
}

QWidget *MainWindow::buildPluginsTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(new QLabel(tr("<b>Loaded plugins</b>"), tab));
    m_pluginsTable = new QTableWidget(0, 6, tab);
    m_pluginsTable->setObjectName(QStringLiteral("pluginsTable"));
    m_pluginsTable->setHorizontalHeaderLabels({tr("Id"), tr("Name"), tr("Version"), tr("Routes"), tr("Sessions"), tr("Description")});
    m_pluginsTable->horizontalHeader()->setStretchLastSection(true);
    m_pluginsTable->setColumnWidth(3, 200);
    m_pluginsTable->setWordWrap(false);
    m_pluginsTable->verticalHeader()->hide();
    m_pluginsTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_pluginsTable, 2);
    layout->addWidget(new QLabel(tr("<b>Refused plugins</b> (the host loaded the others)"), tab));
    m_refusedTable = new QTableWidget(0, 2, tab);
    m_refusedTable->setObjectName(QStringLiteral("refusedTable"));
    m_refusedTable->setHorizontalHeaderLabels({tr("File"), tr("Reason")});
    m_refusedTable->horizontalHeader()->setStretchLastSection(true);
    m_refusedTable->verticalHeader()->hide();
    m_refusedTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_refusedTable, 1);
    return tab;
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
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("attachDialog"));
    dialog->setWindowTitle(tr("Attach to a remote host"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *form = new QFormLayout(dialog);
    auto *urlBox = new QComboBox(dialog);
    urlBox->setObjectName(QStringLiteral("urlBox"));
    urlBox->setEditable(true);
    QSettings settings;
    const QStringList recent = settings.value(QStringLiteral("recentHosts")).toStringList();
    urlBox->addItems(recent);
    urlBox->setCurrentText(recent.isEmpty() ? QStringLiteral("ws://127.0.0.1:8765") : recent.first());
    urlBox->setMinimumWidth(360);
    auto *tokenEdit = new QLineEdit(dialog);
    tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    tokenEdit->setEchoMode(QLineEdit::Password);
    tokenEdit->setPlaceholderText(tr("as printed by wsplug-host at start"));
    form->addRow(tr("Host URL:"), urlBox);
    form->addRow(tr("Admin token:"), tokenEdit);
    form->addRow(new QLabel(tr("Recent hosts are remembered; tokens are not."), dialog));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, urlBox, tokenEdit] {
        const QUrl url = QUrl::fromUserInput(urlBox->currentText().trimmed());
        if (!url.isValid() || url.host().isEmpty()) {
            QMessageBox::warning(dialog, tr("Attach"), tr("\"%1\" is not a host URL.").arg(urlBox->currentText()));
            return;
        }
        QSettings settings;
        QStringList recent = settings.value(QStringLiteral("recentHosts")).toStringList();
        QUrl remembered = url;
        remembered.setQuery(QString());
        recent.removeAll(remembered.toString());
        recent.prepend(remembered.toString());
        while (recent.size() > MaxRecentHosts)
            recent.removeLast();
        settings.setValue(QStringLiteral("recentHosts"), recent);
        attachToRemote(url, tokenEdit->text());
        dialog->accept();
    });
    dialog->open();
}

QList<SessionId> MainWindow::selectedSessions() const
{
    QList<SessionId> ids;
    const QModelIndexList rows = m_clientsView->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids.append(index.data(SessionsModel::IdRole).value<SessionId>());
    return ids;
}

void MainWindow::confirmBulk(const QString &what, int count, const std::function<void()> &action)
{
    if (count <= 1) {
        action();
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Question, tr("Confirm"),
                                tr("%1 %n clients?", nullptr, count).arg(what),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, action);
    box->open();
}

void MainWindow::closeSelected()
{
    const QList<SessionId> ids = selectedSessions();
    if (ids.isEmpty())
        return;
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("closeDialog"));
    dialog->setWindowTitle(ids.size() == 1 ? tr("Close session %1 gracefully").arg(ids.first())
                                           : tr("Close %n sessions gracefully", nullptr, int(ids.size())));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *form = new QFormLayout(dialog);
    auto *codeBox = new QComboBox(dialog);
    codeBox->setObjectName(QStringLiteral("codeBox"));
    for (const CloseCodeInfo &c : closeCodes)
        codeBox->addItem(QStringLiteral("%1  %2 — %3").arg(c.code).arg(QLatin1String(c.name), tr(c.meaning)), c.code);
    codeBox->addItem(tr("Application code (4000–4999)…"), 0);
    auto *appCode = new QSpinBox(dialog);
    appCode->setObjectName(QStringLiteral("appCode"));
    appCode->setRange(4000, 4999);
    appCode->setEnabled(false);
    connect(codeBox, &QComboBox::currentIndexChanged, appCode, [codeBox, appCode] {
        appCode->setEnabled(codeBox->currentData().toInt() == 0);
    });
    auto *reason = new QLineEdit(dialog);
    reason->setObjectName(QStringLiteral("reasonEdit"));
    reason->setPlaceholderText(tr("shown to the client (at most %1 bytes of UTF-8)").arg(Protocol::MaxCloseReasonBytes));
    auto *bytes = new QLabel(dialog);
    form->addRow(tr("Close code:"), codeBox);
    form->addRow(tr("Application code:"), appCode);
    form->addRow(tr("Reason:"), reason);
    form->addRow(QString(), bytes);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Close"));
    form->addRow(buttons);
    auto updateBytes = [reason, bytes, buttons] {
        const int n = int(reason->text().toUtf8().size());
        bytes->setText(tr("%1 / %2 bytes").arg(n).arg(Protocol::MaxCloseReasonBytes));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(n <= Protocol::MaxCloseReasonBytes);
    };
    connect(reason, &QLineEdit::textChanged, dialog, updateBytes);
    updateBytes();
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, ids, codeBox, appCode, reason] {
        const int code = codeBox->currentData().toInt() == 0 ? appCode->value() : codeBox->currentData().toInt();
        const QString text = reason->text();
        dialog->accept();
        confirmBulk(tr("Close"), int(ids.size()), [this, ids, code, text] {
            m_client->closeSessions(ids, quint16(code), text);
        });
    });
    dialog->open();
}

void MainWindow::kickSelected()
{
    const QList<SessionId> ids = selectedSessions();
    if (ids.isEmpty())
        return;
    confirmBulk(tr("Kick"), int(ids.size()), [this, ids] { m_client->kickSessions(ids); });
}

void MainWindow::sendToSelected()
{
    const QList<SessionId> ids = selectedSessions();
    if (ids.size() != 1)
        return;
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("sendDialog"));
    dialog->setWindowTitle(tr("Send a text message to session %1").arg(ids.first()));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *layout = new QVBoxLayout(dialog);
    auto *text = new QPlainTextEdit(dialog);
    text->setObjectName(QStringLiteral("messageEdit"));
    layout->addWidget(text);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Send"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, text, id = ids.first()] {
        m_client->sendText(id, text->toPlainText());
        dialog->accept();
    });
    dialog->open();
}

void MainWindow::setPresentationMode(bool on)
{
    QFont f = m_normalFont;
    if (on)
        f.setPointSizeF(f.pointSizeF() * 1.6);
    setFont(f);
    // Views with their own fonts follow too.
    for (QPlainTextEdit *edit : {m_rawRequest, m_rawResponse, m_acceptDerivation}) {
        QFont mono = edit->font();
        mono.setPointSizeF(f.pointSizeF());
        edit->setFont(mono);
    }
    m_clientsView->verticalHeader()->setDefaultSectionSize(QFontMetrics(f).height() + 8);
    m_handshakesView->verticalHeader()->setDefaultSectionSize(QFontMetrics(f).height() + 8);
    // Columns follow the font so nothing is cut off on a projector.
    const qreal scale = on ? 1.6 : 1.0;
    setColumnWidths(m_clientsView, ClientColumnWidths, scale);
    setColumnWidths(m_handshakesView, HandshakeColumnWidths, scale);
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
    const QString where = host.version.isEmpty() ? m_client->displayUrl()
                                                 : QStringLiteral("ws://%1:%2").arg(host.address).arg(host.port);
    const bool starting = m_usingEmbedded && m_embedded->state() == EmbeddedHost::State::Starting;
    if (!m_usingEmbedded)
        m_hostLabel->setText(tr("<b>Remote host</b> %1").arg(where));
    else if (starting)
        m_hostLabel->setText(tr("<b>Embedded host</b> starting…"));
    else
        m_hostLabel->setText(tr("<b>Embedded host</b> %1").arg(where));

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

    // The handshake list is bounded on both ends; say so when that hides attempts.
    const QLocale locale;
    QStringList missing;
    if (const quint64 dropped = m_client->handshakes()->dropped())
        missing << tr("%1 older ones dropped here (the list keeps the latest %2)")
                       .arg(locale.toString(qulonglong(dropped)), locale.toString(HandshakesModel::MaxRecords));
    if (const quint64 omitted = m_client->handshakesOmitted())
        missing << tr("%1 not sent by the host (bursts of more than it sends per tick)")
                       .arg(locale.toString(qulonglong(omitted)));
    m_handshakesNote->setVisible(!missing.isEmpty());
    m_handshakesNote->setText(tr("⚠ Not every attempt is listed: %1.").arg(missing.join(QStringLiteral("; "))));
}

void MainWindow::updatePlugins()
{
    // The plugin lists come with a snapshot; ticks only move the session counts.
    const QList<Protocol::PluginInfo> &loaded = m_client->loadedPlugins();
    m_pluginsTable->setRowCount(int(loaded.size()));
    for (int row = 0; row < loaded.size(); ++row) {
        const Protocol::PluginInfo &p = loaded.at(row);
        const QStringList cells = {p.id, p.name, p.version + QStringLiteral(" (API ") + p.apiVersion + QLatin1Char(')'),
                                   p.routes.join(QStringLiteral(", ")), QString(), p.description};
        for (int c = 0; c < cells.size(); ++c)
            m_pluginsTable->setItem(row, c, new QTableWidgetItem(cells.at(c)));
        m_pluginsTable->item(row, 5)->setToolTip(p.fileName);
    }
    updatePluginSessions();
    const QList<Protocol::PluginRefusal> &refused = m_client->refusedPlugins();
    m_refusedTable->setRowCount(int(refused.size()));
    for (int row = 0; row < refused.size(); ++row) {
        m_refusedTable->setItem(row, 0, new QTableWidgetItem(refused.at(row).fileName));
        m_refusedTable->setItem(row, 1, new QTableWidgetItem(refused.at(row).reason));
    }
}

void MainWindow::updatePluginSessions()
{
    const HostStats st = m_client->stats();
    for (int row = 0; row < m_pluginsTable->rowCount(); ++row) {
        const QString id = m_pluginsTable->item(row, 0)->text();
        int sessions = 0;
        for (const RouteStats &r : st.routes) {
            if (r.pluginId == id)
                sessions += r.current;
        }
        QTableWidgetItem *item = m_pluginsTable->item(row, 4);
        if (item->text() != QString::number(sessions))
            item->setText(QString::number(sessions));
    }
}

void MainWindow::showHandshake(int row)
{
    if (row < 0 || row >= m_client->handshakes()->rowCount()) {
        m_rawRequest->clear();
        m_rawResponse->clear();
        m_acceptDerivation->clear();
        return;
    }
    const HandshakeRecord &r = m_client->handshakes()->at(row);
    m_rawRequest->setPlainText(visibleBytes(r.request));
    m_rawResponse->setPlainText(r.response.isEmpty() ? tr("(no response was sent: %1)").arg(r.reason)
                                                     : visibleBytes(r.response));
    m_acceptDerivation->setPlainText(acceptDerivation(r.request, r.response));
}

void MainWindow::logCommand(const QString &text, bool ok)
{
    auto *item = new QListWidgetItem(QTime::currentTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
    item->setForeground(ok ? QColor(0x1b, 0x7f, 0x3b) : QColor(0xb0, 0x2a, 0x2a));
    m_commandLog->addItem(item);
    while (m_commandLog->count() > MaxCommandLogEntries)
        delete m_commandLog->takeItem(0);
    m_commandLog->scrollToBottom();
    statusBar()->showMessage(text, 5000);
}

} // namespace WsPlug
