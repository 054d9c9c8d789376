// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "sessiondialog.h"

#include "closesmodel.h"
#include "handshakesmodel.h"
#include "monitorclient.h"
#include "sessionsmodel.h"

#include <QDialogButtonBox>
#include <QLocale>
#include <QScrollBar>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace WsPlug {

namespace {

constexpr size_t MaxRtts = 20;

QString row(const QString &name, const QString &value)
{
    return QStringLiteral("<tr><th align=left>%1</th><td>%2</td></tr>").arg(name.toHtmlEscaped(), value.toHtmlEscaped());
}

QString counters(const Protocol::TrafficCounters &c)
{
    const QLocale l;
    return QObject::tr("%1 messages (%2 text, %3 binary), %4 frames, %5")
        .arg(l.toString(c.messages), l.toString(c.textMessages), l.toString(c.binaryMessages), l.toString(c.frames),
             formatBytes(double(c.bytes)));
}

} // namespace

SessionDialog::SessionDialog(MonitorClient *client, SessionId id, QWidget *parent)
    : QDialog(parent), m_client(client), m_id(id), m_details(new QTextBrowser(this))
{
    setObjectName(QStringLiteral("sessionDialog"));
    setWindowTitle(tr("Session %1").arg(id));
    m_details->setObjectName(QStringLiteral("sessionDetails"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_details);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(640, 560);
    // Every tick may bring new counters, a round trip or the close.
    connect(client, &MonitorClient::statsChanged, this, &SessionDialog::refresh);
    connect(client, &MonitorClient::snapshotReceived, this, &SessionDialog::refresh);
    refresh();
}

QString SessionDialog::text() const
{
    return m_details->toPlainText();
}

void SessionDialog::refresh()
{
    const SessionsModel *sessions = m_client->sessions();
    const int r = sessions->rowOf(m_id);
    QDateTime closedAt;
    const SessionSnapshot *closed = r < 0 ? m_client->closes()->find(m_id, &closedAt) : nullptr;
    if (r < 0 && !closed) {
        m_details->setHtml(tr("<p>Session %1 is no longer known: it ended before the monitor saw how, or the monitor "
                              "attached to another host.</p>").arg(m_id));
        return;
    }
    const SessionSnapshot &s = r >= 0 ? sessions->at(r) : *closed;
    // The table keeps the round trips of every open session since the monitor saw it;
    // once it closed, what this dialog collected stays.
    const QList<qint64> history = r >= 0 ? sessions->rttHistory(m_id) : QList<qint64>();
    if (!history.isEmpty())
        m_rtts.assign(history.cbegin(), history.cend());
    else if (s.pingRttMs >= 0 && (m_rtts.empty() || m_rtts.back() != s.pingRttMs)) {
        m_rtts.push_back(s.pingRttMs);
        if (m_rtts.size() > MaxRtts)
            m_rtts.pop_front();
    }
    const QLocale l;
    QString html = QStringLiteral("<h3>%1</h3><table cellspacing=4>").arg(tr("Session %1").arg(m_id).toHtmlEscaped());
    if (m_client->isStale())
        html.prepend(tr("<p><b>Not live</b>: the connection to the host is lost; this is the last state known.</p>"));
    html += row(tr("Client"), s.peerAddress + QLatin1Char(':') + QString::number(s.peerPort));
    html += row(tr("Path"), s.query.isEmpty() ? s.path : s.path + QLatin1Char('?') + s.query);
    html += row(tr("Route"), s.route.isEmpty() ? QStringLiteral("–") : s.route + QStringLiteral(" (") + s.pluginId + QLatin1Char(')'));
    html += row(tr("Subprotocol"), s.subprotocol.isEmpty() ? tr("none") : s.subprotocol);
    html += row(tr("Transport"), s.upgradedAt.isValid()
                    ? tr("%1, upgraded at %2").arg(s.transport, s.upgradedAt.toLocalTime().toString(Qt::ISODate))
                    : s.transport);
    html += row(tr("Connected at"), s.connectedAt.toLocalTime().toString(Qt::ISODate));
    html += row(tr("State"), closed ? tr("closed") : Protocol::stateName(s.state));
    html += row(tr("In"), counters(s.in));
    html += row(tr("Out"), counters(s.out));
    html += row(tr("Last activity"), s.lastActivity.toLocalTime().toString(Qt::ISODate));
    QStringList rtts;
    for (qint64 rtt : m_rtts)
        rtts << QString::number(rtt);
    html += row(tr("Ping RTT"), s.pingRttMs < 0 ? tr("no pong yet") : tr("%1 ms").arg(s.pingRttMs));
    if (rtts.size() > 1)
        html += row(tr("RTT history (ms)"), rtts.join(QStringLiteral(", ")));
    if (closed) {
        html += row(tr("Closed at"), closedAt.toLocalTime().toString(Qt::ISODate));
        html += row(tr("Close code"), QString::number(s.closeCode));
        html += row(tr("Close reason"), s.closeReason.isEmpty() ? tr("none") : s.closeReason);
        html += row(tr("Cause"), Protocol::closeCauseName(s.closeCause));
        html += row(tr("First close frame"), ClosesModel::firstCloseFrame(s));
        html += row(tr("Lasted"), formatDuration(s.connectedAt.secsTo(closedAt)));
    }
    html += QStringLiteral("</table>");

    // Its handshake, if the log still has it (the host keeps a bounded log).
    const HandshakesModel *handshakes = m_client->handshakes();
    const HandshakeRecord *record = nullptr;
    for (int i = handshakes->rowCount() - 1; i >= 0 && !record; --i) {
        if (handshakes->at(i).sessionId == m_id && !handshakes->at(i).admin)
            record = &handshakes->at(i);
    }
    html += QStringLiteral("<h4>%1</h4>").arg(tr("Handshake").toHtmlEscaped());
    if (record) {
        html += QStringLiteral("<pre>%1</pre>").arg(QString::fromLatin1(record->request).trimmed().toHtmlEscaped());
        html += tr("<p>Answered %1 in %2 ms.</p>").arg(record->status).arg(l.toString(record->durationMs));
    } else {
        html += tr("<p>No longer in the handshake log (it keeps the latest ones only).</p>");
    }
    const int scroll = m_details->verticalScrollBar() ? m_details->verticalScrollBar()->value() : 0;
    m_details->setHtml(html);
    m_details->verticalScrollBar()->setValue(scroll);
}

} // namespace WsPlug
