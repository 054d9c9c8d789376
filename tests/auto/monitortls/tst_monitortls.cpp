// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The monitor attached to a host over wss://, trusting the CA it is given: through
// MonitorClient, and through the attach dialog's CA file field.
#include "mainwindow.h"
#include "monitorclient.h"
#include "monitoroptions.h"

#include <wsplug/hostserver.h>
#include <wsplug/hostthread.h>

#include "testcertificates.h"
#include "testsupport.h"

#include <QComboBox>
#include <QDeadlineTimer>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace WsPlug;
using namespace WsPlug::Test;

class tst_MonitorTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void attachesOverWssTrustingTheCa();
    void refusesAHostItCannotTrust();
    void attachDialogTakesACaFile();

private:
    HostConfig tlsConfig() const;
    QTemporaryDir m_dir;
    std::unique_ptr<TestCertificates> m_certs;
};

void tst_MonitorTls::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("wsplug-tests-monitortls"));
    if (const QString missing = TestCertificates::missing(); !missing.isEmpty()) {
        if (qEnvironmentVariableIntValue("WSPLUG_REQUIRE_BROWSER"))
            QFAIL(qPrintable(missing + QStringLiteral(" missing")));
        QSKIP(qPrintable(missing + QStringLiteral(" missing")));
    }
    QVERIFY(m_dir.isValid());
    m_certs = std::make_unique<TestCertificates>(m_dir.path());
    const QString error = m_certs->makeServer(QStringLiteral("server"), QStringLiteral("5005"));
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

HostConfig tst_MonitorTls::tlsConfig() const
{
    HostConfig c = testConfig();
    c.tlsCertFile = m_certs->certFile(QStringLiteral("server"));
    c.tlsKeyFile = m_certs->keyFile(QStringLiteral("server"));
    c.adminToken = QStringLiteral("monitor-tls-token");
    return c;
}

void tst_MonitorTls::attachesOverWssTrustingTheCa()
{
    HostThread host;
    QVERIFY(host.start(tlsConfig()));
    MonitorClient client;
    QString why;
    QVERIFY(!client.setCaFile(m_dir.filePath(QStringLiteral("nothing.pem")), &why));
    QVERIFY(client.setCaFile(m_certs->caFile(), &why));
    client.attach(QUrl(QStringLiteral("wss://localhost:%1/_admin?token=monitor-tls-token").arg(host.serverPort())));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), MonitorClient::State::Attached, 10000);
    QTRY_COMPARE(client.hostInfo().port, host.serverPort());
}

void tst_MonitorTls::refusesAHostItCannotTrust()
{
    HostThread host;
    QVERIFY(host.start(tlsConfig()));
    MonitorClient client;   // the system's CAs only: the test CA is not one of them
    client.attach(QUrl(QStringLiteral("wss://localhost:%1/_admin?token=monitor-tls-token").arg(host.serverPort())));
    QTRY_VERIFY_WITH_TIMEOUT(!client.lastError().isEmpty(), 10000);
    QVERIFY(client.state() != MonitorClient::State::Attached);
    QVERIFY2(client.lastError().contains(QLatin1String("TLS")), qPrintable(client.lastError()));
    client.detach();
}

void tst_MonitorTls::attachDialogTakesACaFile()
{
    HostThread host;
    QVERIFY(host.start(tlsConfig()));
    MonitorOptions options;
    options.hostConfig = testConfig();
    MainWindow w(options);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_COMPARE_WITH_TIMEOUT(w.client()->state(), MonitorClient::State::Attached, 10000);   // its embedded host
    QTest::keyClick(&w, Qt::Key_O, Qt::ControlModifier);   // "Attach to remote…"
    QDialog *dialog = nullptr;
    QDeadlineTimer deadline(3000);
    while (!(dialog = w.findChild<QDialog *>(QStringLiteral("attachDialog"))) && !deadline.hasExpired())
        QTest::qWait(10);
    QVERIFY(dialog);
    dialog->findChild<QComboBox *>(QStringLiteral("urlBox"))->setCurrentText(
            QStringLiteral("wss://localhost:%1").arg(host.serverPort()));
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("tokenEdit")), QStringLiteral("monitor-tls-token"));
    dialog->findChild<QLineEdit *>(QStringLiteral("caFileEdit"))->setText(m_certs->caFile());
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(w.client()->state(), MonitorClient::State::Attached, 10000);
    QTRY_COMPARE(w.client()->hostInfo().port, host.serverPort());
    QSettings().remove(QStringLiteral("recentHosts"));
    QSettings().remove(QStringLiteral("caFile"));
}

QTEST_MAIN(tst_MonitorTls)
#include "tst_monitortls.moc"
