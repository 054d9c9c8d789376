// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "attachdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QUrl>

namespace WsPlug {

namespace {
constexpr int MaxRecentHosts = 10;
} // namespace

AttachDialog::AttachDialog(QWidget *parent)
    : QDialog(parent), m_urlBox(new QComboBox(this)), m_tokenEdit(new QLineEdit(this)), m_caEdit(new QLineEdit(this))
{
    setObjectName(QStringLiteral("attachDialog"));
    setWindowTitle(tr("Attach to a remote host"));
    auto *form = new QFormLayout(this);
    m_urlBox->setObjectName(QStringLiteral("urlBox"));
    m_urlBox->setEditable(true);
    QSettings settings;
    const QStringList recent = settings.value(QStringLiteral("recentHosts")).toStringList();
    m_urlBox->addItems(recent);
    m_urlBox->setCurrentText(recent.isEmpty() ? QStringLiteral("ws://127.0.0.1:8765") : recent.first());
    m_urlBox->setMinimumWidth(360);
    m_tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    m_tokenEdit->setEchoMode(QLineEdit::Password);
    m_tokenEdit->setPlaceholderText(tr("as printed by wsplug-host at start"));
    form->addRow(tr("Host URL:"), m_urlBox);
    form->addRow(tr("Admin token:"), m_tokenEdit);
    m_caEdit->setObjectName(QStringLiteral("caFileEdit"));
    m_caEdit->setPlaceholderText(tr("wss:// only: PEM file of the CA that signed the host (else the system's)"));
    m_caEdit->setText(QSettings().value(QStringLiteral("caFile")).toString());
    form->addRow(tr("CA file:"), m_caEdit);
    form->addRow(new QLabel(tr("Recent hosts are remembered; tokens are not."), this));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, this, &AttachDialog::onAccepted);
}

QString AttachDialog::caFile() const
{
    return m_caEdit->text().trimmed();
}

void AttachDialog::onAccepted()
{
    const QUrl url = QUrl::fromUserInput(m_urlBox->currentText().trimmed());
    if (!url.isValid() || url.host().isEmpty()) {
        QMessageBox::warning(this, tr("Attach"), tr("\"%1\" is not a host URL.").arg(m_urlBox->currentText()));
        return;
    }
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentHosts")).toStringList();
    QUrl remembered = url;
    remembered.setQuery(QString());
    recent.removeAll(remembered.toString());
    recent.prepend(remembered.toString());
    while (recent.size() > MaxRecentHosts)
        recent.removeLast();
    settings.setValue(QStringLiteral("recentHosts"), recent);
    settings.setValue(QStringLiteral("caFile"), caFile());
    Q_EMIT attachRequested(url, m_tokenEdit->text());
    accept();
}

} // namespace WsPlug
