// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "pluginspanel.h"

#include "closedialog.h"
#include "monitorclient.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace WsPlug {

namespace {

enum Column { Id, Name, Version, State, Routes, Sessions, Settings, Description, ColumnCount };

QTableWidget *makeTable(int columns, QWidget *parent)
{
    auto *t = new QTableWidget(0, columns, parent);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setWordWrap(false);
    t->verticalHeader()->hide();
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    return t;
}

} // namespace

PluginsPanel::PluginsPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent),
      m_client(client),
      m_loaded(makeTable(ColumnCount, this)),
      m_refused(makeTable(2, this)),
      m_events(new QListWidget(this)),
      m_closeRoutes(new QPushButton(tr("Close every session of its routes…"), this)),
      m_reload(new QPushButton(tr("Reload"), this)),
      m_unload(new QPushButton(tr("Unload…"), this)),
      m_load(new QPushButton(tr("Load file…"), this))
{
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("<b>Plugins</b> — the host watches its plugin directories: a file dropped in is "
                                "loaded, a new build copied over one is reloaded (old sessions finish on the old "
                                "build), a removed one drains and unloads"), this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_loaded->setObjectName(QStringLiteral("pluginsTable"));
    m_loaded->setHorizontalHeaderLabels({tr("Id"), tr("Name"), tr("Version"), tr("State"), tr("Routes"), tr("Sessions"),
                                         tr("Settings"), tr("Description")});
    m_loaded->setColumnWidth(Routes, 200);
    m_loaded->setColumnWidth(Settings, 220);
    layout->addWidget(m_loaded, 3);

    m_closeRoutes->setObjectName(QStringLiteral("closeRoutesButton"));
    m_reload->setObjectName(QStringLiteral("reloadPluginButton"));
    m_reload->setToolTip(tr("Load the plugin's file again: new sessions go to the new build"));
    m_unload->setObjectName(QStringLiteral("unloadPluginButton"));
    m_unload->setToolTip(tr("Stop routing to the plugin (new clients get 404), close its sessions with 1001 after the "
                            "host's unload grace, then unload it"));
    m_load->setObjectName(QStringLiteral("loadPluginButton"));
    m_load->setToolTip(tr("Load a plugin file that is in one of the host's plugin directories"));
    connect(m_loaded, &QTableWidget::itemSelectionChanged, this, &PluginsPanel::updateButtons);
    connect(m_closeRoutes, &QPushButton::clicked, this, &PluginsPanel::closeSelectedRoutes);
    connect(m_reload, &QPushButton::clicked, this, [this] {
        if (!selectedPlugin().isEmpty())
            m_client->reloadPlugin(selectedPlugin());
    });
    connect(m_unload, &QPushButton::clicked, this, &PluginsPanel::unloadSelected);
    connect(m_load, &QPushButton::clicked, this, &PluginsPanel::loadFile);
    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_closeRoutes, m_reload, m_unload, m_load})
        buttons->addWidget(b);
    buttons->addStretch();
    layout->addLayout(buttons);

    auto *lower = new QSplitter(Qt::Horizontal, this);
    auto *refusedBox = new QWidget(lower);
    auto *refusedLayout = new QVBoxLayout(refusedBox);
    refusedLayout->setContentsMargins(0, 0, 0, 0);
    refusedLayout->addWidget(new QLabel(tr("<b>Refused plugin files</b> (the others serve)"), refusedBox));
    m_refused->setObjectName(QStringLiteral("refusedTable"));
    m_refused->setHorizontalHeaderLabels({tr("File"), tr("Reason")});
    m_refused->setColumnWidth(0, 220);
    refusedLayout->addWidget(m_refused);
    auto *eventsBox = new QWidget(lower);
    auto *eventsLayout = new QVBoxLayout(eventsBox);
    eventsLayout->setContentsMargins(0, 0, 0, 0);
    eventsLayout->addWidget(new QLabel(tr("<b>Plugin events</b>, newest last"), eventsBox));
    m_events->setObjectName(QStringLiteral("pluginEvents"));
    eventsLayout->addWidget(m_events);
    lower->addWidget(refusedBox);
    lower->addWidget(eventsBox);
    layout->addWidget(lower, 2);

    connect(m_client, &MonitorClient::snapshotReceived, this, &PluginsPanel::updatePlugins);
    connect(m_client, &MonitorClient::pluginsChanged, this, &PluginsPanel::updatePlugins);
    connect(m_client, &MonitorClient::statsChanged, this, &PluginsPanel::updateSessions);
    connect(m_client, &MonitorClient::stateChanged, this, &PluginsPanel::updateButtons);
    updateButtons();
}

void PluginsPanel::updatePlugins()
{
    const QString selected = selectedPlugin();
    const QList<Protocol::PluginInfo> &loaded = m_client->loadedPlugins();
    const QList<Protocol::PluginInfo> &draining = m_client->drainingPlugins();
    m_loaded->setRowCount(int(loaded.size() + draining.size()));
    int row = 0;
    for (const QList<Protocol::PluginInfo> *list : {&loaded, &draining}) {
        const bool serving = list == &loaded;
        for (const Protocol::PluginInfo &p : *list) {
            const QString settings = p.settings.isEmpty()
                    ? QStringLiteral("–") : QString::fromUtf8(QJsonDocument(p.settings).toJson(QJsonDocument::Compact));
            const QStringList cells = {p.id, p.name, p.version + QStringLiteral(" (API ") + p.apiVersion + QLatin1Char(')'),
                                       serving ? tr("serving") : tr("draining"), p.routes.join(QStringLiteral(", ")),
                                       QString::number(p.sessions), settings, p.description};
            for (int c = 0; c < cells.size(); ++c) {
                auto *item = new QTableWidgetItem(cells.at(c));
                if (!serving)
                    item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
                m_loaded->setItem(row, c, item);
            }
            m_loaded->item(row, Description)->setToolTip(p.fileName);
            if (!p.settings.isEmpty()) {
                m_loaded->item(row, Settings)->setToolTip(
                        tr("From the host's config (read-only):\n%1").arg(QString::fromUtf8(QJsonDocument(p.settings).toJson())));
            }
            ++row;
        }
    }
    for (int r = 0; r < int(loaded.size()); ++r) {
        if (m_loaded->item(r, Id)->text() == selected)
            m_loaded->selectRow(r);
    }
    updateSessions();
    const QList<Protocol::PluginRefusal> &refused = m_client->refusedPlugins();
    m_refused->setRowCount(int(refused.size()));
    for (int r = 0; r < refused.size(); ++r) {
        m_refused->setItem(r, 0, new QTableWidgetItem(refused.at(r).fileName));
        m_refused->setItem(r, 1, new QTableWidgetItem(refused.at(r).reason));
        m_refused->item(r, 1)->setToolTip(refused.at(r).reason);
    }
    m_events->clear();
    for (const Protocol::PluginEvent &e : m_client->pluginEvents()) {
        const QString who = e.plugin.isEmpty() ? e.fileName : e.plugin + QLatin1Char(' ') + e.version;
        m_events->addItem(QStringLiteral("%1  %2 %3%4")
                              .arg(e.time.toLocalTime().toString(QStringLiteral("HH:mm:ss")), e.kind, who,
                                   e.detail.isEmpty() ? QString() : QStringLiteral(": ") + e.detail));
    }
    m_events->scrollToBottom();
    updateButtons();
}

void PluginsPanel::updateButtons()
{
    const bool attached = m_client->state() == MonitorClient::State::Attached;
    const bool serving = !selectedPlugin().isEmpty();
    m_closeRoutes->setEnabled(attached && serving);
    m_reload->setEnabled(attached && serving);
    m_unload->setEnabled(attached && serving);
    m_load->setEnabled(attached);
}

QString PluginsPanel::selectedPlugin() const
{
    const int row = m_loaded->currentRow();
    if (row < 0 || row >= m_client->loadedPlugins().size() || m_loaded->selectedItems().isEmpty())
        return {};
    return m_client->loadedPlugins().at(row).id;
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

void PluginsPanel::loadFile()
{
    auto *dialog = new QInputDialog(window());
    dialog->setObjectName(QStringLiteral("loadPluginDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Load a plugin file"));
    dialog->setLabelText(tr("File name in one of the host's plugin directories (e.g. shout.so):"));
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &file) {
        if (!file.trimmed().isEmpty())
            m_client->loadPlugin(file.trimmed());
    });
    dialog->open();
}

void PluginsPanel::unloadSelected()
{
    const QString id = selectedPlugin();
    if (id.isEmpty())
        return;
    auto *box = new QMessageBox(QMessageBox::Question, tr("Unload %1").arg(id),
                                tr("Unload plugin %1? Its routes take no new clients at once (404); its sessions are "
                                   "closed with 1001 after the host's unload grace.").arg(id),
                                QMessageBox::Yes | QMessageBox::Cancel, window());
    box->setObjectName(QStringLiteral("unloadPluginQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, [this, id] { m_client->unloadPlugin(id); });
    box->open();
}

void PluginsPanel::updateSessions()
{
    const HostStats st = m_client->stats();
    for (int row = 0; row < int(m_client->loadedPlugins().size()); ++row) {
        const QString id = m_loaded->item(row, Id)->text();
        int sessions = 0;
        for (const RouteStats &r : st.routes) {
            if (r.pluginId == id)
                sessions += r.current;
        }
        QTableWidgetItem *item = m_loaded->item(row, Sessions);
        if (item && item->text() != QString::number(sessions))
            item->setText(QString::number(sessions));
    }
}

} // namespace WsPlug
