// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QLabel;
class QLineEdit;
class QListWidget;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;
class QToolButton;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;

/*
 * The Clients tab: the attached host's sessions, filtered and sorted, what the operator
 * may do to the selected ones (close gracefully, kick, send a message), and a log of
 * the results. The actions need a live connection to the host. A double-click opens
 * a session's details; "By address" counts sessions and refusals per client address.
 */
class ClientsPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit ClientsPanel(MonitorClient *client, QWidget *parent = nullptr);

    QList<SessionId> selectedSessions() const;
    //! Close, kick and send, enabled by the selection; the window adds them for their shortcuts.
    QList<QAction *> sessionActions() const;
    void focusFilter();
    //! Opens the detail dialog of session \a id.
    void showSession(SessionId id);
    //! Shows or hides the sessions and refused handshakes per client address.
    void setByAddressVisible(bool on);
    //! Row heights and column widths follow \a font; columns are \a scale times their normal width.
    void followFont(const QFont &font, qreal scale);

public Q_SLOTS:
    void closeSelected();
    void kickSelected();
    void sendToSelected();

Q_SIGNALS:
    //! A command's result, as written to the log.
    void commandLogged(const QString &text);
    //! Sessions were picked for the frame inspector.
    void watchRequested();

private:
    void onSelectionChanged();
    void setColumnWidths(qreal scale);
    void updateAddresses();
    void logCommand(const QString &text, bool ok);
    //! Asks before acting on more than one session; runs \a action at once for one.
    void confirmBulk(const QString &what, int count, const std::function<void()> &action);

    MonitorClient *m_client;
    QAction *m_closeAction;
    QAction *m_kickAction;
    QAction *m_sendAction;
    QAction *m_watchAction;
    QLineEdit *m_filter = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_selectionLabel = nullptr;
    QListWidget *m_commandLog = nullptr;
    QToolButton *m_byAddress = nullptr;
    QTableWidget *m_addresses = nullptr;   // per address: sessions, refused handshakes
};

} // namespace WsPlug
