// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLineEdit;
QT_END_NAMESPACE

namespace WsPlug {

/*
 * "Attach to remote…": a host URL (recent ones remembered, tokens never) and its admin
 * token. Emits attachRequested() for a URL that names a host, and closes.
 */
class AttachDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit AttachDialog(QWidget *parent = nullptr);
    //! The CA file for a wss:// host (empty: the system's CAs).
    QString caFile() const;

Q_SIGNALS:
    void attachRequested(const QUrl &url, const QString &token);

private:
    void onAccepted();

    QComboBox *m_urlBox;
    QLineEdit *m_tokenEdit;
    QLineEdit *m_caEdit;
};

} // namespace WsPlug
