// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <QDialog>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace WsPlug {

//! "Send message…": a text or binary message for one session, in one frame or cut
//! into several (RFC 6455 5.4, for a class).
class SendDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit SendDialog(SessionId id, QWidget *parent = nullptr);

    QString text() const;
    //! Binary: the bytes typed in hex (spaces allowed), else the text.
    bool isBinary() const;
    QByteArray bytes() const;
    int frames() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void validate();

    QPlainTextEdit *m_text;
    QComboBox *m_kind;
    QSpinBox *m_frames;
    QLabel *m_problem;
};

} // namespace WsPlug
