// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pluginspanel.h"

#include "closedialog.h"
#include "monitorclient.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace WsPlug {

PluginsPanel::PluginsPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent),
      m_client(client),
      m_loaded(new QTableWidget(0, 6, this)),
      m_refused(new QTableWidget(0, 2, this)),
      m_closeRoutes(new QPushButton(tr("Close every session of its routes…"), this))
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<b>Loaded plugins</b>"), this));
    m_loaded->setObjectName(QStringLiteral("pluginsTable"));
    m_loaded->setHorizontalHeaderLabels({tr("Id"), tr("Name"), tr("Version"), tr("Routes"), tr("Sessions"), tr("Description")});
    m_loaded->horizontalHeader()->setStretchLastSection(true);
    m_loaded->setColumnWidth(3, 200);
    m_loaded->setWordWrap(false);
    m_loaded->verticalHeader()->hide();
    m_loaded->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_loaded->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_loaded->setSelectionMode(QAbstractItemView::SingleSelection);
    layout->addWidget(m_loaded, 2);
    // The admin protocol's closeRoute: a class is over, a route goes into maintenance.
    m_closeRoutes->setObjectName(QStringLiteral("closeRoutesButton"));
    m_closeRoutes->setEnabled(false);
    connect(m_loaded, &QTableWidget::itemSelectionChanged, this,
            [this] { m_closeRoutes->setEnabled(!m_loaded->selectedItems().isEmpty()); });
    connect(m_closeRoutes, &QPushButton::clicked, this, &PluginsPanel::closeSelectedRoutes);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_closeRoutes);
    buttons->addStretch();
    layout->addLayout(buttons);
    layout->addWidget(new QLabel(tr("<b>Refused plugins</b> (the host loaded the others)"), this));
    m_refused->setObjectName(QStringLiteral("refusedTable"));
    m_refused->setHorizontalHeaderLabels({tr("File"), tr("Reason")});
    m_refused->horizontalHeader()->setStretchLastSection(true);
    m_refused->verticalHeader()->hide();
    m_refused->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_refused, 1);

    connect(m_client, &MonitorClient::snapshotReceived, this, &PluginsPanel::updatePlugins);
    connect(m_client, &MonitorClient::statsChanged, this, &PluginsPanel::updateSessions);
}

void PluginsPanel::updatePlugins()
{
    // The plugin lists come with a snapshot; ticks only move the session counts.
    const QList<Protocol::PluginInfo> &loaded = m_client->loadedPlugins();
    m_loaded->setRowCount(int(loaded.size()));
    for (int row = 0; row < loaded.size(); ++row) {
        const Protocol::PluginInfo &p = loaded.at(row);
        const QStringList cells = {p.id, p.name, p.version + QStringLiteral(" (API ") + p.apiVersion + QLatin1Char(')'),
                                   p.routes.join(QStringLiteral(", ")), QString(), p.description};
        for (int c = 0; c < cells.size(); ++c)
            m_loaded->setItem(row, c, new QTableWidgetItem(cells.at(c)));
        m_loaded->item(row, 5)->setToolTip(p.fileName);
    }
    updateSessions();
    const QList<Protocol::PluginRefusal> &refused = m_client->refusedPlugins();
    m_refused->setRowCount(int(refused.size()));
    for (int row = 0; row < refused.size(); ++row) {
        m_refused->setItem(row, 0, new QTableWidgetItem(refused.at(row).fileName));
        m_refused->setItem(row, 1, new QTableWidgetItem(refused.at(row).reason));
    }
}

void PluginsPanel::closeSelectedRoutes()
{
    const int row = m_loaded->currentRow();
    if (row < 0 || row >= m_client->loadedPlugins().size())
        return;
    const QStringList routes = m_client->loadedPlugins().at(row).routes;
    auto *dialog = new CloseDialog({}, window());
    dialog->setWindowTitle(tr("Close every session of %1").arg(routes.join(QStringLiteral(", "))));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, routes] {
        for (const QString &route : routes)
            m_client->closeRoute(route, dialog->code(), dialog->reason());
    });
    dialog->open();
}

void PluginsPanel::updateSessions()
{
    const HostStats st = m_client->stats();
    for (int row = 0; row < m_loaded->rowCount(); ++row) {
        const QString id = m_loaded->item(row, 0)->text();
        int sessions = 0;
        for (const RouteStats &r : st.routes) {
            if (r.pluginId == id)
                sessions += r.current;
        }
        QTableWidgetItem *item = m_loaded->item(row, 4);
        if (item->text() != QString::number(sessions))
            item->setText(QString::number(sessions));
    }
}

} // namespace WsPlug
