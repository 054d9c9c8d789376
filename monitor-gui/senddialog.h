// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QPlainTextEdit;
QT_END_NAMESPACE

namespace WsPlug {

//! "Send message…": a text message for one session.
class SendDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit SendDialog(SessionId id, QWidget *parent = nullptr);

    QString text() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QPlainTextEdit *m_text;
};

} // namespace WsPlug
