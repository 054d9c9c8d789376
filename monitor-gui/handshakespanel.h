// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QPlainTextEdit;
class QTableView;
QT_END_NAMESPACE

namespace WsPlug {

class MonitorClient;

/*
 * The Handshakes tab: every upgrade attempt the host logged, and for the selected one
 * the request and response exactly as they went over the wire, with the
 * Sec-WebSocket-Accept derivation worked through.
 */
class HandshakesPanel final : public QWidget
{
    Q_OBJECT
public:
    explicit HandshakesPanel(MonitorClient *client, QWidget *parent = nullptr);

    //! Row heights, column widths (\a scale times normal) and the raw views follow \a font.
    void followFont(const QFont &font, qreal scale);
    void focusFilter();

private:
    void showHandshake(int row);
    void updateNote();
    void setColumnWidths(qreal scale);

    MonitorClient *m_client;
    QLabel *m_note = nullptr;   // says when records were dropped or left out
    QTableView *m_view = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;   // sorting and the filters, over the model
    QLineEdit *m_filter = nullptr;
    QCheckBox *m_refusedOnly = nullptr;
    QPlainTextEdit *m_rawRequest = nullptr;
    QPlainTextEdit *m_rawResponse = nullptr;
    QPlainTextEdit *m_acceptDerivation = nullptr;
};

//! Raw protocol bytes made visible: CR and LF as \r and \n, a backslash doubled, other
//! control and non-ASCII bytes as \xNN.
QString visibleBytes(const QByteArray &bytes);
//! The RFC 6455 4.2.2 steps from Sec-WebSocket-Key to Sec-WebSocket-Accept, for teaching.
QString acceptDerivation(const QByteArray &request, const QByteArray &response);

} // namespace WsPlug
