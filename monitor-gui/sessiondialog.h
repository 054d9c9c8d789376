// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QDialog>

#include <deque>

QT_BEGIN_NAMESPACE
class QTextBrowser;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;

/*
 * Everything the monitor knows about one session (double-click a client row): every
 * counter, the ping round trips seen while the dialog is open, the headers of its
 * handshake, its subprotocol, and how it ended once it has. It follows the session
 * live, tick by tick.
 */
class SessionDialog final : public QDialog
{
    Q_OBJECT
public:
    SessionDialog(MonitorClient *client, SessionId id, QWidget *parent = nullptr);

    SessionId session() const { return m_id; }
    //! The details as shown, as plain text (for tests and for copying).
    QString text() const;

private:
    void refresh();

    MonitorClient *m_client;
    const SessionId m_id;
    QTextBrowser *m_details;
    std::deque<qint64> m_rtts;   // ping round trips seen, oldest first
};

} // namespace WsPlug
