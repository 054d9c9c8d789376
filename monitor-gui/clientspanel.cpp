// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "clientspanel.h"

#include "closedialog.h"
#include "handshakesmodel.h"
#include "monitorclient.h"
#include "senddialog.h"
#include "sessiondialog.h"
#include "sessionsmodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QTime>
#include <QVBoxLayout>

#include <iterator>

namespace WsPlug {

namespace {

// Column widths at normal size; presentation mode scales them with the font.
constexpr int ColumnWidths[] = {50, 150, 170, 170, 130, 100, 80, 80, 90, 90, 100, 80};
constexpr int MaxCommandLogEntries = 500;

} // namespace

ClientsPanel::ClientsPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent),
      m_client(client),
      m_closeAction(new QAction(tr("Close gracefully…"), this)),
      m_kickAction(new QAction(tr("Kick"), this)),
      m_sendAction(new QAction(tr("Send message…"), this)),
      m_watchAction(new QAction(tr("Watch frames"), this))
{
    m_closeAction->setObjectName(QStringLiteral("closeAction"));
    m_closeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_closeAction->setToolTip(tr("Send a close frame with a code and reason (Ctrl+E)"));
    connect(m_closeAction, &QAction::triggered, this, &ClientsPanel::closeSelected);
    m_kickAction->setObjectName(QStringLiteral("kickAction"));
    m_kickAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_kickAction->setToolTip(tr("Abort the TCP connection at once, no close frame (Ctrl+K)"));
    connect(m_kickAction, &QAction::triggered, this, &ClientsPanel::kickSelected);
    m_sendAction->setObjectName(QStringLiteral("sendAction"));
    m_sendAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    connect(m_sendAction, &QAction::triggered, this, &ClientsPanel::sendToSelected);
    m_watchAction->setObjectName(QStringLiteral("watchAction"));
    m_watchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    m_watchAction->setToolTip(tr("Show every frame of the selected clients, both ways, in the Frames tab (Ctrl+I)"));
    connect(m_watchAction, &QAction::triggered, this, [this] {
        const QList<SessionId> ids = selectedSessions();
        if (ids.isEmpty())
            return;
        m_client->watchSessions(ids);
        Q_EMIT watchRequested();
    });
    for (QAction *a : sessionActions()) {
        a->setShortcutContext(Qt::WindowShortcut);
        a->setEnabled(false);
    }

    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("clientFilter"));
    m_filter->setPlaceholderText(tr("Filter by address, route, path, state… (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    top->addWidget(m_filter, 1);
    for (QAction *a : sessionActions()) {
        auto *button = new QPushButton(a->text(), this);
        button->setObjectName(a->objectName() + QStringLiteral("Button"));
        button->setToolTip(a->toolTip());
        button->setEnabled(false);
        connect(a, &QAction::changed, button, [a, button] { button->setEnabled(a->isEnabled()); });
        connect(button, &QPushButton::clicked, a, &QAction::trigger);
        top->addWidget(button);
    }
    m_byAddress = new QToolButton(this);
    m_byAddress->setObjectName(QStringLiteral("byAddressButton"));
    m_byAddress->setText(tr("By address"));
    m_byAddress->setCheckable(true);
    m_byAddress->setToolTip(tr("Sessions and refused handshakes per client address: who is hitting a limit"));
    connect(m_byAddress, &QToolButton::toggled, this, &ClientsPanel::setByAddressVisible);
    top->addWidget(m_byAddress);
    layout->addLayout(top);

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_client->sessions());
    m_proxy->setSortRole(SessionsModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("clientsView"));
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SessionsModel::Id, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    // Fixed row heights and no per-row resizing keep 10,000 rows smooth.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->addActions(sessionActions());
    setColumnWidths(1.0);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ClientsPanel::onSelectionChanged);
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        showSession(index.data(SessionsModel::IdRole).value<SessionId>());
    });

    m_addresses = new QTableWidget(0, 3, this);
    m_addresses->setObjectName(QStringLiteral("addressesView"));
    m_addresses->setHorizontalHeaderLabels({tr("Address"), tr("Sessions"), tr("Refused")});
    m_addresses->horizontalHeaderItem(2)->setToolTip(tr("Handshakes the host refused (429: over the per-address limit, …)"));
    m_addresses->setColumnWidth(0, 130);
    m_addresses->setColumnWidth(1, 70);
    m_addresses->verticalHeader()->hide();
    m_addresses->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_addresses->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_addresses->setSelectionMode(QAbstractItemView::SingleSelection);
    m_addresses->setSortingEnabled(true);
    m_addresses->sortByColumn(1, Qt::DescendingOrder);   // the busiest address first
    m_addresses->horizontalHeader()->setStretchLastSection(true);
    m_addresses->setToolTip(tr("Click an address to show only its sessions"));
    m_addresses->hide();
    // One address's sessions: its text followed by ':' (the port) matches no other address.
    connect(m_addresses, &QTableWidget::cellClicked, this, [this](int row) {
        m_filter->setText(m_addresses->item(row, 0)->text() + QLatin1Char(':'));
    });
    auto *addressTimer = new QTimer(this);
    connect(addressTimer, &QTimer::timeout, this, [this] {
        if (m_addresses->isVisible())
            updateAddresses();
    });
    addressTimer->start(1000);
    auto *split = new QSplitter(this);
    split->addWidget(m_addresses);
    split->addWidget(m_view);
    split->setStretchFactor(1, 1);
    split->setSizes({280, 900});
    layout->addWidget(split, 1);

    m_selectionLabel = new QLabel(tr("Select clients to close, kick or message them."), this);
    layout->addWidget(m_selectionLabel);
    m_commandLog = new QListWidget(this);
    m_commandLog->setObjectName(QStringLiteral("commandLog"));
    m_commandLog->setMaximumHeight(110);
    layout->addWidget(m_commandLog);
    // "session 3" means another session on another host: the log starts afresh there.
    connect(client, &MonitorClient::stateChanged, m_commandLog, [this](MonitorClient::State state) {
        if (state == MonitorClient::State::Detached)
            m_commandLog->clear();
        onSelectionChanged();   // the actions need a live connection
    });

    connect(m_client, &MonitorClient::commandFinished, this, [this](const QString &what, bool ok, const QString &error) {
        logCommand(ok ? tr("✔ %1").arg(what) : tr("✘ %1: %2").arg(what, error), ok);
    });
}

QList<SessionId> ClientsPanel::selectedSessions() const
{
    QList<SessionId> ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids.append(index.data(SessionsModel::IdRole).value<SessionId>());
    return ids;
}

QList<QAction *> ClientsPanel::sessionActions() const
{
    return {m_closeAction, m_kickAction, m_sendAction, m_watchAction};
}

void ClientsPanel::focusFilter()
{
    m_filter->setFocus();
}

void ClientsPanel::showSession(SessionId id)
{
    auto *dialog = new SessionDialog(m_client, id, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void ClientsPanel::setByAddressVisible(bool on)
{
    m_byAddress->setChecked(on);
    m_addresses->setVisible(on);
    if (on)
        updateAddresses();
}

void ClientsPanel::updateAddresses()
{
    struct Counts
    {
        int sessions = 0;
        int refused = 0;
    };
    QHash<QString, Counts> counts;
    const SessionsModel *sessions = m_client->sessions();
    for (int r = 0; r < sessions->rowCount(); ++r)
        ++counts[sessions->at(r).peerAddress].sessions;
    const HandshakesModel *handshakes = m_client->handshakes();
    for (int r = 0; r < handshakes->rowCount(); ++r) {
        const HandshakeRecord &h = handshakes->at(r);
        if (h.outcome == HandshakeRecord::Outcome::Refused)
            ++counts[h.peerAddress].refused;
    }
    const QString selected = m_addresses->currentItem() ? m_addresses->item(m_addresses->currentRow(), 0)->text() : QString();
    m_addresses->setSortingEnabled(false);
    m_addresses->setRowCount(int(counts.size()));
    int row = 0;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it, ++row) {
        m_addresses->setItem(row, 0, new QTableWidgetItem(it.key()));
        for (int c : {1, 2}) {
            auto *item = new QTableWidgetItem;
            item->setData(Qt::DisplayRole, c == 1 ? it->sessions : it->refused);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_addresses->setItem(row, c, item);
        }
        if (it.key() == selected)
            m_addresses->selectRow(row);
    }
    m_addresses->setSortingEnabled(true);   // sorts again, by the column the user chose
}

void ClientsPanel::followFont(const QFont &font, qreal scale)
{
    m_view->verticalHeader()->setDefaultSectionSize(QFontMetrics(font).height() + 8);
    setColumnWidths(scale);
}

void ClientsPanel::setColumnWidths(qreal scale)
{
    for (int c = 0; c < int(std::size(ColumnWidths)); ++c)
        m_view->setColumnWidth(c, int(ColumnWidths[c] * scale));
}

void ClientsPanel::onSelectionChanged()
{
    const int n = int(selectedSessions().size());
    // Stale rows may be sessions long gone, or ids another session has taken since.
    const bool live = m_client->state() == MonitorClient::State::Attached;
    for (QAction *a : {m_closeAction, m_kickAction, m_watchAction})
        a->setEnabled(live && n > 0);
    m_sendAction->setEnabled(live && n == 1);
    m_selectionLabel->setText(n == 0 ? tr("Select clients to close, kick or message them.")
                                     : tr("%n client(s) selected", nullptr, n));
}

void ClientsPanel::closeSelected()
{
    const QList<SessionId> ids = selectedSessions();
    if (ids.isEmpty())
        return;
    // Dialogs belong to the window, so they are centred on it.
    auto *dialog = new CloseDialog(ids, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, ids] {
        const quint16 code = dialog->code();
        const QString reason = dialog->reason();
        confirmBulk(tr("Close"), int(ids.size()), [this, ids, code, reason] {
            m_client->closeSessions(ids, code, reason);
        });
    });
    dialog->open();
}

void ClientsPanel::kickSelected()
{
    const QList<SessionId> ids = selectedSessions();
    if (ids.isEmpty())
        return;
    confirmBulk(tr("Kick"), int(ids.size()), [this, ids] { m_client->kickSessions(ids); });
}

void ClientsPanel::sendToSelected()
{
    const QList<SessionId> ids = selectedSessions();
    if (ids.size() != 1)
        return;
    auto *dialog = new SendDialog(ids.first(), window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, id = ids.first()] {
        m_client->sendMessage(id, dialog->isBinary(), dialog->bytes(), dialog->frames());
    });
    dialog->open();
}

void ClientsPanel::confirmBulk(const QString &what, int count, const std::function<void()> &action)
{
    if (count <= 1) {
        action();
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Question, tr("Confirm"),
                                tr("%1 %n clients?", nullptr, count).arg(what),
                                QMessageBox::Yes | QMessageBox::Cancel, window());
    box->setObjectName(QStringLiteral("confirmBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, action);
    box->open();
}

void ClientsPanel::logCommand(const QString &text, bool ok)
{
    auto *item = new QListWidgetItem(QTime::currentTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
    item->setForeground(ok ? QColor(0x1b, 0x7f, 0x3b) : QColor(0xb0, 0x2a, 0x2a));
    m_commandLog->addItem(item);
    while (m_commandLog->count() > MaxCommandLogEntries)
        delete m_commandLog->takeItem(0);
    m_commandLog->scrollToBottom();
    Q_EMIT commandLogged(text);
}

} // namespace WsPlug
