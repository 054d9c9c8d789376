// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "senddialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QKeyEvent>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace WsPlug {

SendDialog::SendDialog(SessionId id, QWidget *parent)
    : QDialog(parent), m_text(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("sendDialog"));
    setWindowTitle(tr("Send a text message to session %1").arg(id));
    auto *layout = new QVBoxLayout(this);
    auto *label = new QLabel(tr("&Text message (one WebSocket text message; Ctrl+Enter sends it):"), this);
    label->setBuddy(m_text);
    layout->addWidget(label);
    m_text->setObjectName(QStringLiteral("messageEdit"));
    layout->addWidget(m_text);
    // Ctrl+Enter sends, as in chat programs; Enter alone keeps adding lines. Caught
    // before the editor, which would take it as a line break.
    m_text->installEventFilter(this);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Send"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
}

bool SendDialog::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_text && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && (key->modifiers() & Qt::ControlModifier)) {
            accept();
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

QString SendDialog::text() const
{
    return m_text->toPlainText();
}

} // namespace WsPlug
