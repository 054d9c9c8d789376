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

    // A hidden tab draws nothing: the client keeps the history, and showing the tab
    // draws it from there.
    connect(m_client, &MonitorClient::snapshotReceived, this, [this] {
        m_behind = true;
        if (isVisible())
            catchUp();
    });
    connect(m_client, &MonitorClient::sampleAdded, this, [this](const RateSample &sample) {
        if (isVisible() && !m_behind)
            m_charts->addSample(sample);
        else
            m_behind = true;
    });
    connect(m_client, &MonitorClient::statsChanged, this, [this] {
        if (isVisible() && !m_behind)
            m_charts->setTotals(m_client->stats());
        else
            m_behind = true;
    });
}

void DashboardPanel::setWindowSeconds(int seconds)
{
    m_charts->setWindowSeconds(seconds);
    m_behind = true;
    if (isVisible())
        catchUp();
}

void DashboardPanel::catchUp()
{
    if (!m_behind)
        return;
    m_behind = false;
    m_charts->setHistory(m_client->history());
    m_charts->setTotals(m_client->stats());
    m_charts->redraw();
}

void DashboardPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    catchUp();
}

void DashboardPanel::followFont(const QFont &font)
{
    m_charts->followFont(font);
}

} // namespace WsPlug
