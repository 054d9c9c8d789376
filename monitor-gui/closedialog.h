// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLineEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace WsPlug {

/*
 * "Close gracefully": the close code (with what each one means) and the reason to send
 * to the selected sessions. Accepted only with a reason that fits a close frame.
 */
class CloseDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit CloseDialog(const QList<SessionId> &ids, QWidget *parent = nullptr);

    quint16 code() const;
    QString reason() const;

private:
    QComboBox *m_codeBox;
    QSpinBox *m_appCode;
    QLineEdit *m_reason;
};

} // namespace WsPlug
