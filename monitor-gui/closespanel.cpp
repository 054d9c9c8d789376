// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "closespanel.h"

#include "closesmodel.h"
#include "monitorclient.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableView>
#include <QVBoxLayout>

#include <iterator>

namespace WsPlug {

namespace {
// Column widths at normal size; presentation mode scales them with the font.
constexpr int ColumnWidths[] = {80, 70, 150, 160, 60, 200, 160, 170, 170, 70, 80, 70, 70};
} // namespace

ClosesPanel::ClosesPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent), m_client(client)
{
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Every session that ended, newest first: the close code and reason recorded, each "
                                "side's close frame as the host saw it (code and reason), who sent the first and the "
                                "time between the two (RFC 6455 7.1.2), or none — an abnormal end is recorded as "
                                "1006 (7.1.5) with its cause."), this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("closesNote"));
    m_note->setVisible(false);
    m_note->setWordWrap(true);
    layout->addWidget(m_note);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("closesView"));
    m_view->setModel(client->closes());
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    layout->addWidget(m_view, 1);
    followFont(font(), 1.0);
    connect(client, &MonitorClient::statsChanged, this, &ClosesPanel::updateNote);
    connect(client, &MonitorClient::snapshotReceived, this, &ClosesPanel::updateNote);
}

void ClosesPanel::followFont(const QFont &font, qreal scale)
{
    m_view->setFont(font);
    m_view->verticalHeader()->setDefaultSectionSize(QFontMetrics(font).height() + 8);
    for (int c = 0; c < int(std::size(ColumnWidths)); ++c)
        m_view->setColumnWidth(c, int(ColumnWidths[c] * scale));
}

void ClosesPanel::updateNote()
{
    const quint64 dropped = m_client->closes()->dropped();
    m_note->setVisible(dropped > 0);
    m_note->setText(tr("⚠ %1 closes are not listed: the list keeps the latest %2, and a burst of more closes in "
                       "one tick than the host sends is only counted.")
                        .arg(QLocale().toString(qulonglong(dropped)), QLocale().toString(ClosesModel::MaxRecords)));
}

} // namespace WsPlug
