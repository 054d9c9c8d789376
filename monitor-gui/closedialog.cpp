// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "closedialog.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace WsPlug {

namespace {

// The close codes a server may send (RFC 6455 7.4.1), with what they mean.
struct CloseCodeInfo
{
    int code;
    const char *name;
    const char *meaning;
};
constexpr CloseCodeInfo closeCodes[] = {
    {1000, "Normal Closure", "the purpose of the connection has been fulfilled"},
    {1001, "Going Away", "the server is going down or the client navigates away"},
    {1002, "Protocol Error", "the peer broke the WebSocket protocol"},
    {1003, "Unsupported Data", "a data type the endpoint cannot accept (e.g. binary only)"},
    {1007, "Invalid Payload Data", "a message was not consistent with its type (e.g. bad UTF-8)"},
    {1008, "Policy Violation", "a message violated the server's policy"},
    {1009, "Message Too Big", "a message was too big to process"},
    {1011, "Internal Error", "the server met an unexpected condition"},
    {1012, "Service Restart", "the service is restarting (Qt clients reject 1012-1014)"},
    {1013, "Try Again Later", "temporary overload, try again later"},
    {1014, "Bad Gateway", "a gateway or proxy got an invalid response"},
};

} // namespace

CloseDialog::CloseDialog(const QList<SessionId> &ids, QWidget *parent)
    : QDialog(parent),
      m_codeBox(new QComboBox(this)),
      m_appCode(new QSpinBox(this)),
      m_reason(new QLineEdit(this))
{
    setObjectName(QStringLiteral("closeDialog"));
    setWindowTitle(ids.size() == 1 ? tr("Close session %1 gracefully").arg(ids.first())
                                   : tr("Close %n sessions gracefully", nullptr, int(ids.size())));
    auto *form = new QFormLayout(this);
    m_codeBox->setObjectName(QStringLiteral("codeBox"));
    for (const CloseCodeInfo &c : closeCodes)
        m_codeBox->addItem(QStringLiteral("%1  %2 — %3").arg(c.code).arg(QLatin1String(c.name), tr(c.meaning)), c.code);
    // 3000-3999 are registered with IANA for libraries and frameworks, 4000-4999 are
    // private (RFC 6455 7.4.2): both are the operator's to choose.
    m_codeBox->addItem(tr("Another code (3000–4999: registered 3xxx, application 4xxx)…"), 0);
    m_appCode->setObjectName(QStringLiteral("appCode"));
    m_appCode->setRange(3000, 4999);
    m_appCode->setValue(4000);
    m_appCode->setEnabled(false);
    connect(m_codeBox, &QComboBox::currentIndexChanged, m_appCode, [this] {
        m_appCode->setEnabled(m_codeBox->currentData().toInt() == 0);
    });
    m_reason->setObjectName(QStringLiteral("reasonEdit"));
    m_reason->setPlaceholderText(tr("shown to the client (at most %1 bytes of UTF-8)").arg(Protocol::MaxCloseReasonBytes));
    auto *bytes = new QLabel(this);
    form->addRow(tr("Close code:"), m_codeBox);
    form->addRow(tr("Other code:"), m_appCode);
    form->addRow(tr("Reason:"), m_reason);
    form->addRow(QString(), bytes);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Close"));
    form->addRow(buttons);
    auto updateBytes = [this, bytes, buttons] {
        const int n = int(m_reason->text().toUtf8().size());
        bytes->setText(tr("%1 / %2 bytes").arg(n).arg(Protocol::MaxCloseReasonBytes));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(n <= Protocol::MaxCloseReasonBytes);
    };
    connect(m_reason, &QLineEdit::textChanged, this, updateBytes);
    updateBytes();
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
}

quint16 CloseDialog::code() const
{
    const int code = m_codeBox->currentData().toInt();
    return quint16(code == 0 ? m_appCode->value() : code);
}

QString CloseDialog::reason() const
{
    return m_reason->text();
}

} // namespace WsPlug
