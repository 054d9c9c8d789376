// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "framespanel.h"

#include "framesmodel.h"
#include "monitorclient.h"
#include "senddialog.h"
#include "sessionsmodel.h"
#include "watchrecorder.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <iterator>

namespace WsPlug {

namespace {

constexpr int ColumnWidths[] = {100, 60, 40, 40, 45, 150, 50, 100, 110};

// One colour per header field, the same in the bytes and in the table of fields.
const char *const FinColor = "#f6c7c7";
const char *const RsvColor = "#f6e3b4";
const char *const OpcodeColor = "#c9e7c2";
const char *const MaskColor = "#c4dcf2";
const char *const LengthColor = "#e2d1f0";
const char *const KeyColor = "#d7d7d7";

QString span(const QString &text, const char *color)
{
    return QStringLiteral("<span style=\"background:%1\">%2</span>").arg(QLatin1String(color), text);
}

QString bits(unsigned value, int count)
{
    QString s;
    for (int i = count - 1; i >= 0; --i)
        s += (value >> i) & 1 ? QLatin1Char('1') : QLatin1Char('0');
    return s;
}

//! Lines of 16 bytes: offset, hex, and the printable ones.
QString hexDump(const QByteArray &bytes)
{
    QString out;
    for (qsizetype at = 0; at < bytes.size(); at += 16) {
        const QByteArray line = bytes.mid(at, 16);
        QString printable;
        for (const char c : line)
            printable += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('.');
        out += QStringLiteral("%1  %2  %3\n")
                   .arg(at, 4, 16, QLatin1Char('0'))
                   .arg(QString::fromLatin1(line.toHex(' ')), -47)
                   .arg(printable.toHtmlEscaped());
    }
    return out;
}

//! What the RSV bits mean on this frame, with or without permessage-deflate.
QString rsvMeaning(const Protocol::FrameRecord &f, const Protocol::FrameHeader &h)
{
    if (Protocol::isCompressedMessage(f, h))
        return FramesPanel::tr("RSV1: the message is compressed (permessage-deflate, RFC 7692 6)");
    if (h.rsv && f.deflate)
        return FramesPanel::tr("set where permessage-deflate allows none (only RSV1, on a data message's first "
                               "frame): a compliant peer fails the connection (RFC 7692 6.1)");
    return h.rsv ? FramesPanel::tr("set without an extension: a compliant peer fails the connection (5.2)")
                 : f.deflate ? FramesPanel::tr("not compressed (permessage-deflate agreed)") : FramesPanel::tr("no extension");
}

//! What a compressed message inflates to, as the host inflated it for the inspector.
QString inflatedSection(const Protocol::FrameRecord &f, const Protocol::FrameHeader &h)
{
    if (f.inflatedLength < 0) {
        return QStringLiteral("<p><i>%1</i></p>")
                .arg(FramesPanel::tr("Not inflated here: only a message in one frame whose compressed payload is "
                                     "shown whole, up to 64 KiB inflated, is.").toHtmlEscaped());
    }
    QString html = QStringLiteral("<h4>%1</h4>")
                           .arg(FramesPanel::tr("Inflated (%1 bytes%2)")
                                        .arg(QLocale().toString(f.inflatedLength))
                                        .arg(f.inflated.size() < f.inflatedLength
                                                     ? FramesPanel::tr(", the first %1 shown").arg(f.inflated.size())
                                                     : QString()));
    if (h.opcode == 0x1)
        html += QStringLiteral("<pre style=\"white-space:pre-wrap\">%1</pre>").arg(QString::fromUtf8(f.inflated).toHtmlEscaped());
    else if (!f.inflated.isEmpty())
        html += QStringLiteral("<pre>%1</pre>").arg(hexDump(f.inflated));
    return html;
}
} // namespace

FramesPanel::FramesPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent), m_client(client)
{
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Every frame of the watched sessions, both ways, as it crossed the wire (RFC 6455 5.2) — "
                                "the pings, pongs and close frames too. Watch a session from the Clients tab "
                                "(Watch frames), or every session of a route from here."), this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *controls = new QHBoxLayout;
    m_routes = new QComboBox(this);
    m_routes->setObjectName(QStringLiteral("frameRoutes"));
    m_routes->setMinimumContentsLength(14);
    m_watchRoute = new QPushButton(tr("Watch route"), this);
    m_watchRoute->setObjectName(QStringLiteral("watchRouteButton"));
    m_stop = new QPushButton(tr("Stop watching"), this);
    m_stop->setObjectName(QStringLiteral("stopWatchingButton"));
    auto *clear = new QPushButton(tr("Clear list"), this);
    clear->setObjectName(QStringLiteral("clearFramesButton"));
    m_follow = new QCheckBox(tr("Follow newest"), this);
    m_follow->setChecked(true);
    m_recorder = new WatchRecorder(client, this);
    m_record = new QPushButton(this);
    m_record->setObjectName(QStringLiteral("recordButton"));
    m_record->setToolTip(tr("Record every byte of the watched sessions, both ways, as a pcapng file that "
                            "Wireshark opens as HTTP and WebSocket (at most %1 MiB)")
                                 .arg(Protocol::DefaultRecordingBytes / (1024 * 1024)));
    controls->addWidget(m_routes);
    controls->addWidget(m_watchRoute);
    controls->addWidget(m_stop);
    controls->addWidget(clear);
    controls->addWidget(m_record);
    controls->addWidget(m_follow);
    controls->addStretch(1);
    layout->addLayout(controls);
    m_watching = new QLabel(this);
    m_watching->setObjectName(QStringLiteral("watchingLabel"));
    m_watching->setWordWrap(true);
    layout->addWidget(m_watching);
    m_recording = new QLabel(this);
    m_recording->setObjectName(QStringLiteral("recordingLabel"));
    m_recording->setWordWrap(true);
    m_recording->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_recording);
    layout->addWidget(buildTeachingRow());
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("framesNote"));
    m_note->setWordWrap(true);
    m_note->setVisible(false);
    layout->addWidget(m_note);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_view = new QTableView(split);
    m_view->setObjectName(QStringLiteral("framesView"));
    m_view->setModel(client->frames());
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_detail = new QTextBrowser(split);
    m_detail->setObjectName(QStringLiteral("frameDetail"));
    m_detail->setPlaceholderText(tr("Pick a frame to see its header bit by bit and its payload."));
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    followFont(font(), 1.0);

    connect(m_watchRoute, &QPushButton::clicked, this, [this] {
        if (!m_routes->currentText().isEmpty())
            m_client->watchRoute(m_routes->currentText());
    });
    connect(m_stop, &QPushButton::clicked, m_client, &MonitorClient::unwatchAll);
    connect(m_record, &QPushButton::clicked, this, &FramesPanel::onRecordClicked);
    connect(m_recorder, &WatchRecorder::stateChanged, this, &FramesPanel::updateRecording);
    connect(m_recorder, &WatchRecorder::saved, this, [this](const QString &file, qint64 bytes, int sessions, bool reachedLimit) {
        m_lastRecording = tr("Saved %1 (%2, %3 sessions)%4 — open it in Wireshark.")
                                  .arg(file, QLocale().formattedDataSize(bytes)).arg(sessions)
                                  .arg(reachedLimit ? tr(", cut at its size limit") : QString());
        updateRecording();
    });
    connect(m_recorder, &WatchRecorder::failed, this, [this](const QString &error) {
        m_lastRecording = tr("⚠ Recording: %1.").arg(error);
        updateRecording();
    });
    connect(clear, &QPushButton::clicked, this, [this] {
        m_client->frames()->clear();
        updateControls();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &FramesPanel::showDetail);
    connect(client->frames(), &QAbstractItemModel::rowsInserted, this, &FramesPanel::onRowsInserted);
    connect(client, &MonitorClient::watchesChanged, this, &FramesPanel::updateControls);
    connect(client, &MonitorClient::snapshotReceived, this, &FramesPanel::updateControls);
    connect(client, &MonitorClient::stateChanged, this, &FramesPanel::updateControls);
    updateControls();
}

QWidget *FramesPanel::buildTeachingRow()
{
    // Two rows, so that the tab fits a 1024-pixel projector in presentation mode.
    auto *row = new QWidget(this);
    auto *rows = new QVBoxLayout(row);
    rows->setContentsMargins(0, 0, 0, 0);
    auto *layout = new QHBoxLayout;
    auto *second = new QHBoxLayout;
    rows->addLayout(layout);
    rows->addLayout(second);
    m_teachSession = new QComboBox(row);
    m_teachSession->setObjectName(QStringLiteral("teachSession"));
    m_teachSession->setToolTip(tr("The watched session the actions act on"));
    layout->addWidget(new QLabel(tr("Teach on"), row));
    layout->addWidget(m_teachSession);

    auto *ping = new QPushButton(tr("Ping… (5.5.2)"), row);
    ping->setObjectName(QStringLiteral("teachPing"));
    ping->setToolTip(tr("The host sends a ping with a payload of your choice; the client must answer with a pong "
                        "carrying the same payload (RFC 6455 5.5.2, 5.5.3)"));
    connect(ping, &QPushButton::clicked, this, [this] {
        const quint64 id = teachingSession();
        if (!id)
            return;
        // Not exec(): the monitor keeps updating while the dialog is open.
        auto *dialog = new QInputDialog(window());
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setWindowTitle(tr("Ping session %1").arg(id));
        dialog->setLabelText(tr("Ping payload (at most %1 bytes):").arg(Protocol::MaxPingPayload));
        dialog->setTextValue(tr("are you there?"));
        connect(dialog, &QInputDialog::textValueSelected, this, [this, id](const QString &payload) {
            m_client->ping(id, payload.toUtf8().left(Protocol::MaxPingPayload));
        });
        dialog->open();
    });
    auto *send = new QPushButton(tr("Send… (5.4, 5.6)"), row);
    send->setObjectName(QStringLiteral("teachSend"));
    send->setToolTip(tr("A text or binary message, in one frame or fragmented into several (RFC 6455 5.4, 5.6)"));
    connect(send, &QPushButton::clicked, this, [this] {
        const quint64 id = teachingSession();
        if (!id)
            return;
        auto *dialog = new SendDialog(id, window());
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this, dialog, id] {
            m_client->sendMessage(id, dialog->isBinary(), dialog->bytes(), dialog->frames());
        });
        dialog->open();
    });
    m_holdHostPongs = new QPushButton(tr("Hold back the host's pongs"), row);
    m_holdHostPongs->setObjectName(QStringLiteral("teachHoldHostPongs"));
    m_holdHostPongs->setCheckable(true);
    m_holdHostPongs->setToolTip(tr("The host drops this client's pings unanswered: a client with a heartbeat of its "
                                   "own sees no pong and gives up on the host (RFC 6455 5.5.2, 5.5.3)"));
    m_holdClientPongs = new QPushButton(tr("Ignore the client's pongs"), row);
    m_holdClientPongs->setObjectName(QStringLiteral("teachHoldClientPongs"));
    m_holdClientPongs->setCheckable(true);
    m_holdClientPongs->setToolTip(tr("The host drops this client's pongs: its heartbeat hears nothing back and reaps "
                                     "the session after the pong timeout (closed as \"timeout\", 1006)"));
    for (QPushButton *button : {m_holdHostPongs, m_holdClientPongs}) {
        connect(button, &QPushButton::clicked, this, [this, button](bool on) {
            const quint64 id = teachingSession();
            if (!id)
                return;
            const bool host = button == m_holdHostPongs;
            auto &held = m_holds[id];
            (host ? held.first : held.second) = on;
            m_client->hold(id, host ? Protocol::HoldKind::HostPongs : Protocol::HoldKind::ClientPongs, on);
        });
    }
    m_fault = new QComboBox(row);
    m_fault->setObjectName(QStringLiteral("teachFault"));
    const QList<std::pair<Protocol::Fault, QString>> faults = {
        {Protocol::Fault::OversizedControl, tr("ping of 126 bytes (5.5)")},
        {Protocol::Fault::FragmentedControl, tr("fragmented ping (5.5)")},
        {Protocol::Fault::InvalidUtf8, tr("invalid UTF-8 text (8.1)")},
        {Protocol::Fault::ReservedOpcode, tr("reserved opcode 0x3 (5.2)")},
        {Protocol::Fault::ReservedBits, tr("RSV1 without extension (5.2)")},
        {Protocol::Fault::NonMinimalLength, tr("non-minimal length (5.2)")},
    };
    for (const auto &[fault, label] : faults)
        m_fault->addItem(label, int(fault));
    auto *sendFault = new QPushButton(tr("Send faulty frame"), row);
    sendFault->setObjectName(QStringLiteral("teachSendFault"));
    sendFault->setToolTip(tr("A frame a compliant client must fail the connection on (1002, or 1007 for UTF-8): "
                             "watch its close frame come back"));
    connect(sendFault, &QPushButton::clicked, this, [this] {
        if (teachingSession())
            m_client->sendFault(teachingSession(), Protocol::Fault(m_fault->currentData().toInt()));
    });
    layout->addWidget(ping);
    layout->addWidget(send);
    layout->addStretch(1);
    second->addWidget(m_holdHostPongs);
    second->addWidget(m_holdClientPongs);
    second->addWidget(m_fault);
    second->addWidget(sendFault);
    second->addStretch(1);
    m_teachControls = {ping, send, m_holdHostPongs, m_holdClientPongs, m_fault, sendFault};
    connect(m_teachSession, &QComboBox::currentIndexChanged, this, [this] {
        const auto held = m_holds.value(teachingSession());
        m_holdHostPongs->setChecked(held.first);
        m_holdClientPongs->setChecked(held.second);
    });
    return row;
}

quint64 FramesPanel::teachingSession() const
{
    return m_teachSession->currentData().toULongLong();
}

void FramesPanel::updateTeachingSessions()
{
    // The sessions watched by id, and those seen through a route watch that are still open.
    QSet<quint64> ids(m_client->watchedSessions().cbegin(), m_client->watchedSessions().cend());
    const FramesModel *model = m_client->frames();
    for (int row = model->rowCount() - 1; row >= 0 && ids.size() < 200; --row) {
        const quint64 id = model->frame(row).session;
        if (m_client->sessions()->rowOf(id) >= 0)
            ids.insert(id);
    }
    QList<quint64> sorted(ids.cbegin(), ids.cend());
    std::sort(sorted.begin(), sorted.end());
    QList<quint64> shown;
    for (int i = 0; i < m_teachSession->count(); ++i)
        shown.append(m_teachSession->itemData(i).toULongLong());
    if (shown != sorted) {
        const quint64 current = teachingSession();
        QSignalBlocker blocker(m_teachSession);
        m_teachSession->clear();
        for (quint64 id : sorted)
            m_teachSession->addItem(tr("session %1").arg(id), QVariant::fromValue(id));
        const int at = m_teachSession->findData(QVariant::fromValue(current));
        m_teachSession->setCurrentIndex(at >= 0 ? at : 0);
    }
    const bool usable = m_client->state() == MonitorClient::State::Attached && m_teachSession->count() > 0;
    for (QWidget *w : std::as_const(m_teachControls))
        w->setEnabled(usable);
    m_teachSession->setEnabled(usable);
    m_teachSession->setPlaceholderText(tr("watch a session first"));
    const auto held = m_holds.value(teachingSession());
    m_holdHostPongs->setChecked(held.first);
    m_holdClientPongs->setChecked(held.second);
}

void FramesPanel::followFont(const QFont &font, qreal scale)
{
    m_view->setFont(font);
    m_detail->setFont(font);
    m_view->verticalHeader()->setDefaultSectionSize(QFontMetrics(font).height() + 8);
    for (int c = 0; c < int(std::size(ColumnWidths)); ++c)
        m_view->setColumnWidth(c, int(ColumnWidths[c] * scale));
}

void FramesPanel::onRowsInserted()
{
    if (m_follow->isChecked())
        m_view->scrollToBottom();
    updateControls();
}

void FramesPanel::updateControls()
{
    const bool attached = m_client->state() == MonitorClient::State::Attached;
    const QString current = m_routes->currentText();
    QStringList routes;
    for (const Protocol::PluginInfo &p : m_client->loadedPlugins())
        routes += p.routes;
    routes.sort();
    if (routes != m_routeNames) {
        m_routeNames = routes;
        m_routes->clear();
        m_routes->addItems(routes);
        m_routes->setCurrentText(current);
    }
    m_routes->setEnabled(attached);
    m_watchRoute->setEnabled(attached && m_routes->count() > 0);
    QStringList watched;
    for (const QString &r : m_client->watchedRoutes())
        watched += tr("route %1").arg(r);
    QList<SessionId> ids(m_client->watchedSessions().cbegin(), m_client->watchedSessions().cend());
    std::sort(ids.begin(), ids.end());
    for (SessionId id : ids)
        watched += tr("session %1").arg(id);
    m_stop->setEnabled(attached && !watched.isEmpty());
    m_watching->setText(watched.isEmpty() ? tr("Watching nothing.") : tr("Watching: %1.").arg(watched.join(QStringLiteral(", "))));

    const FramesModel *model = m_client->frames();
    QStringList notes;
    if (model->omittedByHost() > 0) {
        notes += tr("%1 frames were sampled out by the host: a watched session shows at most 100 frames a second.")
                     .arg(QLocale().toString(qulonglong(model->omittedByHost())));
    }
    if (model->dropped() > 0) {
        notes += tr("%1 older frames are no longer listed: the list keeps the latest %2.")
                     .arg(QLocale().toString(qulonglong(model->dropped())), QLocale().toString(FramesModel::MaxRecords));
    }
    m_note->setVisible(!notes.isEmpty());
    m_note->setText(QStringLiteral("⚠ ") + notes.join(QLatin1Char(' ')));
    updateTeachingSessions();
    updateRecording();
}

void FramesPanel::onRecordClicked()
{
    if (m_recorder->state() == WatchRecorder::State::Idle) {
        m_lastRecording.clear();
        m_recorder->start(Protocol::DefaultRecordingBytes);
        return;
    }
    const QString name = QStringLiteral("wsplug-%1.pcapng").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the recording"), name, tr("pcapng capture (*.pcapng)"));
    if (!path.isEmpty())
        m_recorder->stopAndSave(path);   // cancelled: the recording goes on
}

void FramesPanel::updateRecording()
{
    const bool attached = m_client->state() == MonitorClient::State::Attached;
    const WatchRecorder::State state = m_recorder->state();
    m_record->setText(state == WatchRecorder::State::Recording ? tr("■ Stop and save…") : tr("● Record"));
    m_record->setEnabled(attached && (state == WatchRecorder::State::Idle || state == WatchRecorder::State::Recording));
    QString text = m_lastRecording;
    if (state == WatchRecorder::State::Recording) {
        text = tr("● Recording the watched sessions since %1: those watched now from this moment, those that open "
                  "on a watched route from their upgrade.")
                       .arg(QLocale().toString(m_recorder->startedAt().time(), QLocale::ShortFormat));
        if (!m_lastRecording.isEmpty())
            text += QLatin1Char(' ') + m_lastRecording;   // a file that could not be written
    } else if (state == WatchRecorder::State::Saving) {
        text = tr("Saving the recording…");
    }
    m_recording->setText(text);
    m_recording->setVisible(!text.isEmpty());
}

void FramesPanel::showDetail()
{
    const QModelIndex current = m_view->currentIndex();
    m_detail->setHtml(current.isValid() ? detailHtml(current.row()) : QString());
}

QString FramesPanel::detailHtml(int row) const
{
    const FramesModel *model = m_client->frames();
    if (row < 0 || row >= model->rowCount())
        return {};
    const Protocol::FrameRecord &f = model->frame(row);
    const Protocol::FrameHeader &h = model->header(row);
    const QByteArray &hb = f.header;
    const auto byte = [&hb](int i) { return static_cast<unsigned char>(hb.at(i)); };
    const bool in = f.direction == Protocol::Direction::ClientToHost;

    // The header, bit by bit for its first two bytes, then byte by byte.
    // A thin space between fields inside a byte, a wide one between bytes.
    const QString thin = QStringLiteral("&#8201;");
    const QString wide = QStringLiteral("&nbsp;&nbsp;");
    QString bytesLine = span(bits(byte(0) >> 7, 1), FinColor) + thin + span(bits((byte(0) >> 4) & 7, 3), RsvColor)
            + thin + span(bits(byte(0) & 0xF, 4), OpcodeColor) + wide + span(bits(byte(1) >> 7, 1), MaskColor) + thin
            + span(bits(byte(1) & 0x7F, 7), LengthColor);
    const int extended = h.lengthBits == 16 ? 2 : h.lengthBits == 64 ? 8 : 0;
    if (extended > 0)
        bytesLine += wide + span(QString::fromLatin1(hb.mid(2, extended).toHex(' ')), LengthColor);
    if (h.masked)
        bytesLine += wide + span(QString::fromLatin1(h.maskingKey.toHex(' ')), KeyColor);

    const QString lengthForm = h.lengthBits == 7 ? tr("7-bit (0–125)")
            : h.lengthBits == 16 ? tr("16-bit (126, then 2 bytes)") : tr("64-bit (127, then 8 bytes)");
    struct Row { const char *color; QString field; QString value; QString meaning; };
    const QList<Row> rows = {
        {FinColor, QStringLiteral("FIN"), QString::number(int(h.fin)),
         h.fin ? tr("the last frame of its message") : tr("more frames of this message follow (5.4)")},
        {RsvColor, QStringLiteral("RSV1-3"), bits(unsigned(h.rsv), 3), rsvMeaning(f, h)},
        {OpcodeColor, tr("Opcode"), QStringLiteral("0x%1").arg(h.opcode, 1, 16),
         Protocol::opcodeName(h.opcode) + (h.opcode >= 0x8 ? tr(" — a control frame (5.5)") : QString())},
        {MaskColor, QStringLiteral("MASK"), QString::number(int(h.masked)),
         in ? tr("client frames must be masked (5.3)") : tr("server frames are never masked (5.1)")},
        {LengthColor, tr("Payload length"), QLocale().toString(qulonglong(f.payloadLength)),
         lengthForm + (Protocol::isNonMinimalLength(h) ? tr(" — not the shortest form: forbidden (5.2)") : QString())},
    };
    QString table = QStringLiteral("<table cellspacing=0 cellpadding=3>");
    for (const Row &r : rows) {
        table += QStringLiteral("<tr><td style=\"background:%1\"><b>%2</b></td><td>%3</td><td>%4</td></tr>")
                     .arg(QLatin1String(r.color), r.field.toHtmlEscaped(), r.value.toHtmlEscaped(), r.meaning.toHtmlEscaped());
    }
    if (h.masked) {
        table += QStringLiteral("<tr><td style=\"background:%1\"><b>%2</b></td><td>%3</td><td>%4</td></tr>")
                     .arg(QLatin1String(KeyColor), tr("Masking key"), QString::fromLatin1(h.maskingKey.toHex(' ')),
                          tr("payload byte i is XORed with key byte i mod 4; shown unmasked below (5.3)").toHtmlEscaped());
    }
    table += QStringLiteral("</table>");

    QString html = QStringLiteral("<h3>%1 — %2, session %3</h3>")
                       .arg(Protocol::opcodeName(h.opcode).toHtmlEscaped(),
                            in ? tr("client → host") : tr("host → client"))
                       .arg(f.session);
    html += QStringLiteral("<p>%1 <tt>%2</tt></p>").arg(tr("Header bytes:"), bytesLine);
    html += table;

    // The payload: a close frame's code and reason, then text and hex.
    QByteArray payload = f.payload;
    if (h.opcode == 0x8 && payload.size() >= 2) {
        const int code = (static_cast<unsigned char>(payload.at(0)) << 8) | static_cast<unsigned char>(payload.at(1));
        html += QStringLiteral("<p>%1</p>").arg(tr("Close code <b>%1</b>, reason “%2” (5.5.1, 7.4)")
                                                   .arg(code).arg(QString::fromUtf8(payload.mid(2)).toHtmlEscaped()));
    }
    const bool compressed = Protocol::isCompressedMessage(f, h);
    html += QStringLiteral("<h4>%1</h4>").arg(tr("Payload (%1 bytes%2%3)")
                                                  .arg(QLocale().toString(qulonglong(f.payloadLength)))
                                                  .arg(compressed ? tr(" on the wire, compressed") : QString())
                                                  .arg(quint64(payload.size()) < f.payloadLength
                                                           ? tr(", the first %1 shown").arg(payload.size()) : QString()));
    if (!compressed
        && (h.opcode == 0x1 || (h.opcode == 0x0 && !payload.isEmpty() && QString::fromUtf8(payload).indexOf(QChar::ReplacementCharacter) < 0)))
        html += QStringLiteral("<pre style=\"white-space:pre-wrap\">%1</pre>").arg(QString::fromUtf8(payload).toHtmlEscaped());
    if (!payload.isEmpty())
        html += QStringLiteral("<pre>%1</pre>").arg(hexDump(payload));
    if (compressed)
        html += inflatedSection(f, h);

    if (f.fragment >= 0 && !(f.fragment == 0 && h.fin)) {
        bool complete = false;
        const QByteArray joined = model->joinedMessage(row, &complete);
        html += QStringLiteral("<h4>%1</h4>").arg(tr("Message %1, fragment %2 — the joined message%3")
                                                      .arg(f.message).arg(f.fragment + 1)
                                                      .arg(complete ? QString() : tr(" (so far, or in part: not every fragment is listed whole)")));
        html += QStringLiteral("<pre style=\"white-space:pre-wrap\">%1</pre>").arg(QString::fromUtf8(joined).toHtmlEscaped());
    }
    return html;
}

} // namespace WsPlug
