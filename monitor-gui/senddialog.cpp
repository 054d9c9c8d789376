// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "senddialog.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QKeyEvent>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace WsPlug {

SendDialog::SendDialog(SessionId id, QWidget *parent)
    : QDialog(parent),
      m_text(new QPlainTextEdit(this)),
      m_kind(new QComboBox(this)),
      m_frames(new QSpinBox(this)),
      m_problem(new QLabel(this))
{
    setObjectName(QStringLiteral("sendDialog"));
    setWindowTitle(tr("Send a message to session %1").arg(id));
    auto *layout = new QVBoxLayout(this);
    auto *label = new QLabel(tr("&Message (one WebSocket message; Ctrl+Enter sends it):"), this);
    label->setBuddy(m_text);
    layout->addWidget(label);
    m_text->setObjectName(QStringLiteral("messageEdit"));
    layout->addWidget(m_text);
    // Ctrl+Enter sends, as in chat programs; Enter alone keeps adding lines. Caught
    // before the editor, which would take it as a line break.
    m_text->installEventFilter(this);
    auto *form = new QFormLayout;
    m_kind->setObjectName(QStringLiteral("messageKind"));
    m_kind->addItem(tr("Text (opcode 0x1)"));
    m_kind->addItem(tr("Binary, bytes in hex (opcode 0x2)"));
    form->addRow(tr("&Kind:"), m_kind);
    m_frames->setObjectName(QStringLiteral("messageFrames"));
    m_frames->setRange(1, Protocol::MaxSendFrames);
    m_frames->setToolTip(tr("More than one: the message is sent fragmented, a first frame and continuations, "
                            "FIN on the last only (RFC 6455 5.4)"));
    form->addRow(tr("&Frames:"), m_frames);
    layout->addLayout(form);
    m_problem->setObjectName(QStringLiteral("sendProblem"));
    m_problem->setStyleSheet(QStringLiteral("color: #b02a2a"));
    layout->addWidget(m_problem);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Send"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_text, &QPlainTextEdit::textChanged, this, &SendDialog::validate);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &SendDialog::validate);
    validate();
}

void SendDialog::validate()
{
    QString problem;
    if (isBinary()) {
        const QString hex = m_text->toPlainText().remove(QRegularExpression(QStringLiteral("\\s")));
        if (hex.size() % 2 != 0 || hex.contains(QRegularExpression(QStringLiteral("[^0-9a-fA-F]"))))
            problem = tr("Binary: type bytes in hex, two digits each (e.g. 01 ff 7e).");
    }
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    if (auto *box = findChild<QDialogButtonBox *>())
        box->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

bool SendDialog::isBinary() const
{
    return m_kind->currentIndex() == 1;
}

QByteArray SendDialog::bytes() const
{
    if (!isBinary())
        return m_text->toPlainText().toUtf8();
    return QByteArray::fromHex(m_text->toPlainText().remove(QRegularExpression(QStringLiteral("\\s"))).toLatin1());
}

int SendDialog::frames() const
{
    return m_frames->value();
}

bool SendDialog::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_text && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && (key->modifiers() & Qt::ControlModifier)) {
            if (m_problem->text().isEmpty())
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
