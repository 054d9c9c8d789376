// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshakespanel.h"

#include "handshakesmodel.h"
#include "monitorclient.h"

#include <QCheckBox>
#include <QCryptographicHash>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <iterator>

namespace WsPlug {

namespace {

// Column widths at normal size; presentation mode scales them with the font.
constexpr int ColumnWidths[] = {95, 140, 120, 55, 75, 70};

QPlainTextEdit *monospaceView(QWidget *parent, const QString &name)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(name);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont f(QStringLiteral("monospace"));
    f.setStyleHint(QFont::TypeWriter);
    edit->setFont(f);
    return edit;
}

//! Sorting by the raw values, and the filters: any column's text, refused attempts only.
class HandshakesProxy final : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    bool refusedOnly = false;
    void refilter() { invalidateFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const auto *model = static_cast<const HandshakesModel *>(sourceModel());
        if (refusedOnly && model->at(row).outcome == HandshakeRecord::Outcome::Upgraded)
            return false;
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override
    {
        const auto *model = static_cast<const HandshakesModel *>(sourceModel());
        const HandshakeRecord &a = model->at(left.row());
        const HandshakeRecord &b = model->at(right.row());
        switch (left.column()) {
        case HandshakesModel::Time: return a.id < b.id;
        case HandshakesModel::Status: return a.status < b.status;
        case HandshakesModel::Duration: return a.durationMs < b.durationMs;
        default: return QSortFilterProxyModel::lessThan(left, right);
        }
    }
};

} // namespace

QString visibleBytes(const QByteArray &bytes)
{
    QString out;
    out.reserve(bytes.size() + bytes.size() / 16);
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        // Escapes every font can show, in the spelling programmers know.
        if (c == '\r') {
            out += QStringLiteral("\\r");
        } else if (c == '\n') {
            out += QStringLiteral("\\n\n");
        } else if (c == '\\') {
            out += QStringLiteral("\\\\");
        } else if (c < 0x20 || c >= 0x7f) {
            out += QStringLiteral("\\x%1").arg(int(c), 2, 16, QLatin1Char('0'));
        } else {
            out += QLatin1Char(char(c));
        }
    }
    return out;
}

QString acceptDerivation(const QByteArray &request, const QByteArray &response)
{
    auto headerValue = [](const QByteArray &head, const QByteArray &name) -> QByteArray {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    };
    const QByteArray key = headerValue(request, "Sec-WebSocket-Key");
    if (key.isEmpty())
        return QObject::tr("This request has no Sec-WebSocket-Key, so there is nothing to derive.");
    const QByteArray guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    const QByteArray sha1 = QCryptographicHash::hash(QByteArray(key + guid), QCryptographicHash::Sha1);
    const QByteArray accept = sha1.toBase64();
    const QByteArray sent = headerValue(response, "Sec-WebSocket-Accept");
    QString text;
    text += QObject::tr("How the server proves it understood the handshake (RFC 6455, 4.2.2):\n\n");
    text += QObject::tr("1. Sec-WebSocket-Key from the client:\n   %1\n\n").arg(QString::fromLatin1(key));
    // The joined string is one line of 60 characters without a space: on a projector it
    // would break anywhere. It is shown at its seam instead, key above GUID.
    text += QObject::tr("2. Append the fixed GUID (one string, no space between):\n   %1\n + %2\n\n")
                .arg(QString::fromLatin1(key), QString::fromLatin1(guid));
    text += QObject::tr("3. SHA-1 of that string (20 bytes, in hex):\n   %1\n\n").arg(QString::fromLatin1(sha1.toHex(' ')));
    text += QObject::tr("4. Base64 of those 20 bytes = Sec-WebSocket-Accept:\n   %1\n\n").arg(QString::fromLatin1(accept));
    if (sent.isEmpty())
        text += QObject::tr("The server sent no Sec-WebSocket-Accept (the upgrade was refused).");
    else if (sent == accept)
        text += QObject::tr("The server sent %1 — it matches. ✔").arg(QString::fromLatin1(sent));
    else
        text += QObject::tr("The server sent %1 — it does NOT match. ✘").arg(QString::fromLatin1(sent));
    return text;
}

HandshakesPanel::HandshakesPanel(MonitorClient *client, QWidget *parent)
    : QWidget(parent), m_client(client)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    layout->addWidget(splitter);
    auto *list = new QWidget(splitter);
    auto *listLayout = new QVBoxLayout(list);
    listLayout->setContentsMargins(0, 0, 0, 0);
    m_note = new QLabel(list);
    m_note->setObjectName(QStringLiteral("handshakesNote"));
    m_note->setWordWrap(true);
    m_note->setContentsMargins(4, 2, 4, 2);
    m_note->hide();
    listLayout->addWidget(m_note);
    auto *filters = new QHBoxLayout;
    m_filter = new QLineEdit(list);
    m_filter->setObjectName(QStringLiteral("handshakesFilter"));
    m_filter->setPlaceholderText(tr("Filter by client, path, status, reason… (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_refusedOnly = new QCheckBox(tr("&Refused only"), list);
    m_refusedOnly->setObjectName(QStringLiteral("refusedOnly"));
    filters->addWidget(m_filter, 1);
    filters->addWidget(m_refusedOnly);
    listLayout->addLayout(filters);
    m_view = new QTableView(list);
    listLayout->addWidget(m_view);
    m_view->setObjectName(QStringLiteral("handshakesView"));
    auto *proxy = new HandshakesProxy(this);
    proxy->setSourceModel(m_client->handshakes());
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    proxy->setFilterKeyColumn(-1);
    m_proxy = proxy;
    connect(m_filter, &QLineEdit::textChanged, proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_refusedOnly, &QCheckBox::toggled, this, [proxy](bool on) {
        proxy->refusedOnly = on;
        proxy->refilter();
    });
    m_view->setModel(proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(HandshakesModel::Time, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->horizontalHeader()->setStretchLastSection(true);
    setColumnWidths(1.0);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showHandshake(m_proxy->mapToSource(current).row()); });
    // The record on show left the list (the oldest go first) or the filter: show nothing
    // rather than what is no longer there.
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (!m_view->selectionModel()->currentIndex().isValid())
            showHandshake(-1);
    });
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] { showHandshake(-1); });
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, [this] {
        showHandshake(m_proxy->mapToSource(m_view->selectionModel()->currentIndex()).row());
    });
    // Follow new attempts while the view is at the bottom, like a terminal.
    connect(m_client->handshakes(), &QAbstractItemModel::rowsInserted, this, [this] {
        QScrollBar *bar = m_view->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            QMetaObject::invokeMethod(m_view, &QTableView::scrollToBottom, Qt::QueuedConnection);
    });

    auto *details = new QTabWidget(splitter);
    m_rawRequest = monospaceView(details, QStringLiteral("rawRequest"));
    m_rawResponse = monospaceView(details, QStringLiteral("rawResponse"));
    m_acceptDerivation = monospaceView(details, QStringLiteral("acceptDerivation"));
    m_acceptDerivation->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_rawRequest->setPlaceholderText(tr("Select a handshake to see the request exactly as it arrived."));
    details->addTab(m_rawRequest, tr("Request (raw)"));
    details->addTab(m_rawResponse, tr("Response (raw)"));
    details->addTab(m_acceptDerivation, tr("Sec-WebSocket-Accept"));
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 4);

    connect(m_client, &MonitorClient::snapshotReceived, this, [this] {
        // Show something from the start: the latest attempt.
        if (!m_view->currentIndex().isValid() && m_proxy->rowCount() > 0)
            m_view->selectRow(m_proxy->rowCount() - 1);
        updateNote();
    });
    connect(m_client, &MonitorClient::statsChanged, this, &HandshakesPanel::updateNote);
    connect(m_client, &MonitorClient::stateChanged, this, &HandshakesPanel::updateNote);
}

void HandshakesPanel::followFont(const QFont &font, qreal scale)
{
    for (QPlainTextEdit *edit : {m_rawRequest, m_rawResponse, m_acceptDerivation}) {
        QFont mono = edit->font();
        mono.setPointSizeF(font.pointSizeF());
        edit->setFont(mono);
    }
    m_view->verticalHeader()->setDefaultSectionSize(QFontMetrics(font).height() + 8);
    setColumnWidths(scale);
}

void HandshakesPanel::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

void HandshakesPanel::setColumnWidths(qreal scale)
{
    for (int c = 0; c < int(std::size(ColumnWidths)); ++c)
        m_view->setColumnWidth(c, int(ColumnWidths[c] * scale));
}

void HandshakesPanel::showHandshake(int row)
{
    if (row < 0 || row >= m_client->handshakes()->rowCount()) {
        m_rawRequest->clear();
        m_rawResponse->clear();
        m_acceptDerivation->clear();
        return;
    }
    const HandshakeRecord &r = m_client->handshakes()->at(row);
    m_rawRequest->setPlainText(visibleBytes(r.request));
    m_rawResponse->setPlainText(r.response.isEmpty() ? tr("(no response was sent: %1)").arg(r.reason)
                                                     : visibleBytes(r.response));
    m_acceptDerivation->setPlainText(acceptDerivation(r.request, r.response));
}

void HandshakesPanel::updateNote()
{
    // The handshake list is bounded on both ends; say so when that hides attempts.
    const QLocale locale;
    QStringList missing;
    if (const quint64 dropped = m_client->handshakes()->dropped())
        missing << tr("%1 older ones dropped here (the list keeps the latest %2)")
                       .arg(locale.toString(qulonglong(dropped)), locale.toString(HandshakesModel::MaxRecords));
    if (const quint64 omitted = m_client->handshakesOmitted())
        missing << tr("%1 not sent by the host (bursts of more than it sends per tick)")
                       .arg(locale.toString(qulonglong(omitted)));
    m_note->setVisible(!missing.isEmpty());
    m_note->setText(tr("⚠ Not every attempt is listed: %1.").arg(missing.join(QStringLiteral("; "))));
}

} // namespace WsPlug
