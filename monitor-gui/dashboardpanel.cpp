// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "dashboardpanel.h"

#include "charts/chartspanel.h"
#include "monitorclient.h"

#include <QVBoxLayout>

namespace WsPlug {

DashboardPanel::DashboardPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_charts(new ChartsPanel(this))
{
    auto *layout = new QVBoxLayout(this);
    m_charts->setObjectName(QStringLiteral("charts"));
    layout->addWidget(m_charts);

    connect(m_client, &MonitorClient::snapshotReceived, this, [this] {
        m_charts->setHistory(m_client->history());
        m_charts->setTotals(m_client->stats());
    });
    connect(m_client, &MonitorClient::sampleAdded, m_charts, &ChartsPanel::addSample);
    connect(m_client, &MonitorClient::statsChanged, this, [this] { m_charts->setTotals(m_client->stats()); });
}

void DashboardPanel::setWindowSeconds(int seconds)
{
    m_charts->setWindowSeconds(seconds);
    m_charts->setHistory(m_client->history());
}

void DashboardPanel::followFont(const QFont &font)
{
    m_charts->followFont(font);
}

} // namespace WsPlug
