// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <vector>

class QWebSocket;

namespace WsPlug {

/*
 * A little life for an empty host, for classrooms and first looks: a few echo
 * clients that chat at a steady pace, a chat room with two members, and ticker
 * subscribers. Real WebSocket clients, bounded in number and rate.
 */
class DemoTraffic final : public QObject
{
    Q_OBJECT
public:
    explicit DemoTraffic(QObject *parent = nullptr);
    ~DemoTraffic() override;

    void start(const QUrl &base);   //!< ws://host:port
    void stop();
    //! The demo's own clients, open or opening.
    int clientCount() const { return int(m_clients.size()); }

private:
    QWebSocket *open(const QUrl &url);

    std::vector<std::unique_ptr<QWebSocket>> m_clients;
    QTimer m_timer;
    quint64 m_counter = 0;
};

} // namespace WsPlug
