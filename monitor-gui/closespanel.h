// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTableView;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;

/*
 * The Closes tab: the sessions that ended, newest first, with how their closing
 * handshake went — each side's code and reason as recorded, who sent the first close
 * frame, or "none — 1006" and its cause — kept after they left the clients table.
 */
class ClosesPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit ClosesPanel(MonitorClient *client, QWidget *parent = nullptr);
    void followFont(const QFont &font, qreal scale);

private:
    void updateNote();

    MonitorClient *m_client;
    QLabel *m_note = nullptr;
    QTableView *m_view = nullptr;
};

} // namespace WsPlug
