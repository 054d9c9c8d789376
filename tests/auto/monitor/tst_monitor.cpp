// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// GUI tests: the real monitor window against a real embedded host (and a remote
// one), driven with mouse and keyboard, with real WebSocket clients.

#include "charts/chartspanel.h"
#include "closesmodel.h"
#include "framesmodel.h"
#include "senddialog.h"
#include "closedialog.h"
#include "embeddedhost.h"
#include "handshakesmodel.h"
#include "handshakespanel.h"
#include "mainwindow.h"
#include "monitorclient.h"
#include "monitoroptions.h"
#include "sessionsmodel.h"
#include "sessiondialog.h"
#include "framespanel.h"
#include "watchrecorder.h"

#include <wsplug/hostserver.h>
#include <wsplug/hostthread.h>
#include <wsplug/protocol/adminprotocol.h>

#include "testsupport.h"
#include "tsharksupport.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QInputDialog>
#include <QTextBrowser>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QCheckBox>
#include <QChartView>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextBrowser>
#include <QToolButton>
#include <QTest>
#include <QWebSocketHandshakeOptions>
#include <QWebSocket>

#include <QScopeGuard>

#include <csignal>
#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

//! A sessions model behind a sorting proxy and a table view, as on the Clients tab.
struct SortedSessionsTable
{
    SortedSessionsTable(int sortColumn, Qt::SortOrder order)
    {
        proxy.setSourceModel(&model);
        proxy.setSortRole(SessionsModel::SortRole);
        view.setModel(&proxy);
        view.setSortingEnabled(true);
        view.sortByColumn(sortColumn, order);
        view.setSelectionBehavior(QAbstractItemView::SelectRows);
    }
    SessionsModel model;
    QSortFilterProxyModel proxy;
    QTableView view;
};

class tst_Monitor : public QObject
{
    Q_OBJECT

private:
    //! \a deflate: the embedded host's permessage-deflate settings (HostConfig::deflate).
    std::unique_ptr<MainWindow> openWindow(const QStringList &deflate = {})
    {
        MonitorOptions options;
        options.hostConfig = testConfig();
        options.hostConfig.statsTickMs = 100;
        options.hostConfig.deflate = deflate;
        auto w = std::make_unique<MainWindow>(options);
        w->show();
        if (!QTest::qWaitForWindowExposed(w.get()))
            return nullptr;
        // The embedded host starts in the background; the tests need its port.
        if (!QTest::qWaitFor([&] { return w->embeddedHost()->state() == EmbeddedHost::State::Running; }, 10000))
            return nullptr;
        return w;
    }
    static quint16 hostPort(MainWindow *w) { return w->embeddedHost()->serverPort(); }
    //! Watches the client at \a localPort from the Clients tab (Ctrl+I), once the tab
    //! lists \a clients; the frames view, or nullptr.
    static QTableView *watchFromClientsTab(MainWindow *w, quint16 localPort, int clients)
    {
        w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
        auto *clientsView = w->findChild<QTableView *>(QStringLiteral("clientsView"));
        if (!QTest::qWaitFor([&] { return clientsView->model()->rowCount() == clients; }, 5000)
            || !selectClient(w, localPort))
            return nullptr;
        QTest::keyClick(w, Qt::Key_I, Qt::ControlModifier);
        auto *watching = w->findChild<QLabel *>(QStringLiteral("watchingLabel"));
        if (!QTest::qWaitFor([&] { return watching->text().contains(QStringLiteral("session")); }, 5000))
            return nullptr;
        QTest::qWait(300);   // the watch reaches the host
        return w->findChild<QTableView *>(QStringLiteral("framesView"));
    }
    //! Clicks the clients-table row of the session whose peer port is \a localPort.
    static bool selectClient(MainWindow *w, quint16 localPort, Qt::KeyboardModifiers modifiers = {})
    {
        auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
        for (int row = 0; row < view->model()->rowCount(); ++row) {
            const QModelIndex address = view->model()->index(row, SessionsModel::Address);
            if (address.data().toString().endsWith(QLatin1Char(':') + QString::number(localPort))) {
                view->scrollTo(address);
                const QRect rect = view->visualRect(address);
                QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers, rect.center());
                return true;
            }
        }
        return false;
    }
    static QDialog *waitForDialog(MainWindow *w, const QString &name)
    {
        QDialog *dialog = nullptr;
        QDeadlineTimer deadline(3000);
        while (!(dialog = w->findChild<QDialog *>(name)) && !deadline.hasExpired())
            QTest::qWait(10);
        return dialog;
    }

private Q_SLOTS:
    void initTestCase();
    void attachesToItsEmbeddedHost();
    void rowsAppearAndDisappear();
    void chartSeriesGrow();
    void selectingAHandshakeShowsItsRawBytes();
    void closeGracefullyActsOnTheSelectedClientOnly();
    void kickActsOnTheSelectedClientOnly();
    void bulkActionsAskFirst();
    void sendsAMessageToTheSelectedClient();
    void filterNarrowsTheTable();
    void closesStayVisibleWithHowTheyEnded();
    void attachesToARemoteHostAndSurvivesItsRestart();
    void presentationModeEnlargesFonts();
    void rendersToAnImage();
    void tenThousandRowsKeepTheSelection();
    void selectionStaysWithItsSessionWhenOthersClose();
    void aBurstOfSessionsIsNotLeftOutOfTheTable();
    void attachesToTheRemoteHostGivenInItsOptions();
    void everyDroppedHandshakeIsCountedAndCountedAfreshOnANewSnapshot();
    void relativeTimesAgeWithoutNewsFromTheHost();
    void saysStartingWhileTheEmbeddedHostStarts();
    void fallsBackToAFreePortWhenItsPortIsTaken();
    void closingTheWindowLeavesTheHostToDrainInTheBackground();
    void programExitJoinsTheDrainingHost();
    void attachDialogAttachesAndRemembersTheHostNotTheToken();
    void withoutADisplayHelpWorksAndAStartSaysWhatToRun();
    void closeDialogOffersEveryCodeAServerMaySend();
    void sendDialogSendsOnCtrlEnter();
    void handshakesSortFilterAndForgetWhatLeft();
    void chartTicksFallOnRoundNumbersAndFollowPresentationMode();
    void closesEverySessionOfAPluginsRoutes();
    void commandLogStartsAfreshOnAnotherHost();
    void embeddedHostTakesTheHostsFlagsAndConfig();
    void framesTabShowsTheFramesOfAWatchedClient();
    void framesTabShowsCompressedMessagesInflated();
    void teachingActionsFromTheFramesTab();
    void recordingTheWatchedSessionsToAFile();
    void aDeadRemoteHostIsShownStaleAndAnotherTokenStopsTheRetries();
    void attachingElsewhereKeepsTheEmbeddedHostsClientsUnlessToldToStop();
    void closingTheWindowWithClientsAsksUnlessToldNotTo();
    void sigtermToTheMonitorGivesItsClients1001();
    void exportsParseBackToWhatTheTablesShow();
    void doubleClickShowsEverythingAboutASession();
    void byAddressCountsSessionsAndRefusalsPerAddress();
    void aSilentHostIsANetworkTimeout();
    void pluginsTabReloadsUnloadsAndShowsEvents();
    void presentationFitsA1024By768ProjectorAndShowsSmallCounts();
    void rttHistoryIsKeptPerSessionFromTheTicks();
    void clientsTableShowsTheTransport();
};

namespace {
// Well under the grace periods below: a call that took this long waited for the host.
constexpr qint64 ReturnsAtOnceMs = 250;
} // namespace

void tst_Monitor::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("wsplug-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_monitor"));
}

void tst_Monitor::attachesToItsEmbeddedHost()
{
    auto w = openWindow();
    QVERIFY(w);
    QVERIFY(w->embeddedHost());
    QVERIFY(!w->windowIcon().pixmap(32, 32).isNull());   // resources/icons/wsplug.svg
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    auto *state = w->findChild<QLabel *>(QStringLiteral("stateLabel"));
    QVERIFY(state->text().contains(QStringLiteral("Attached")));
    auto *hostLabel = w->findChild<QLabel *>(QStringLiteral("hostLabel"));
    QVERIFY2(hostLabel->text().contains(QString::number(hostPort(w.get()))), qPrintable(hostLabel->text()));
    auto *plugins = w->findChild<QTableWidget *>(QStringLiteral("pluginsTable"));
    QTRY_VERIFY(plugins->rowCount() >= 1);
    QStringList ids;
    for (int r = 0; r < plugins->rowCount(); ++r)
        ids << plugins->item(r, 0)->text();
    QVERIFY(ids.contains(QStringLiteral("echo")));
}

void tst_Monitor::rowsAppearAndDisappear()
{
    auto w = openWindow();
    QVERIFY(w);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    QCOMPARE(view->model()->rowCount(), 0);
    auto a = openClient(hostPort(w.get()));
    auto b = openClient(hostPort(w.get()), QStringLiteral("/chat"));
    auto c = openClient(hostPort(w.get()));
    QVERIFY(a && b && c);
    QTRY_COMPARE(view->model()->rowCount(), 3);
    b->close();
    QTRY_COMPARE(view->model()->rowCount(), 2);
    for (int row = 0; row < 2; ++row)
        QVERIFY(!view->model()->index(row, SessionsModel::Route).data().toString().contains(QStringLiteral("chat")));
    a.reset();   // dropped without a close
    QTRY_COMPARE(view->model()->rowCount(), 1);
}

void tst_Monitor::chartSeriesGrow()
{
    auto w = openWindow();
    QVERIFY(w);
    auto *charts = w->findChild<ChartsPanel *>(QStringLiteral("charts"));
    QVERIFY(charts);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    const int before = charts->pointCount(QStringLiteral("messages"));
    auto client = openClient(hostPort(w.get()));
    QVERIFY(client);
    for (int i = 0; i < 20; ++i)
        client->sendTextMessage(QStringLiteral("tick"));
    QTRY_VERIFY(charts->pointCount(QStringLiteral("messages")) >= before + 10);
    QTRY_VERIFY(charts->pointCount(QStringLiteral("connections")) > 0);
    // Bounded: the 1-minute window at 10 samples/s holds at most ~600 points per series.
    QVERIFY(charts->pointCount(QStringLiteral("messages")) <= 2 * 601);
    QVERIFY(w->client()->history().back().messagesIn > 0 || w->client()->stats().in.messages == 20);
}

void tst_Monitor::selectingAHandshakeShowsItsRawBytes()
{
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    const QByteArray key = "AQIDBAUGBwgJCgsMDQ4PEA==";
    const QByteArray request = "GET /echo?lesson=1 HTTP/1.1\r\nHost: classroom\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\n"
                               "Sec-WebSocket-Version: 13\r\nUser-Agent: tst_monitor\r\n\r\n";
    QTcpSocket raw;
    QVERIFY(connectRaw(raw, hostPort(w.get())));
    raw.write(request);
    const QByteArray responseHead = readResponseHead(raw);
    QCOMPARE(statusCode(responseHead), 101);

    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    tabs->setCurrentIndex(2);
    auto *view = w->findChild<QTableView *>(QStringLiteral("handshakesView"));
    int row = -1;
    QTRY_VERIFY([&] {
        for (int r = 0; r < view->model()->rowCount(); ++r) {
            if (w->client()->handshakes()->at(r).request == request)
                row = r;
        }
        return row >= 0;
    }());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(view->model()->index(row, 0)).center());
    auto *rawRequest = w->findChild<QPlainTextEdit *>(QStringLiteral("rawRequest"));
    auto *rawResponse = w->findChild<QPlainTextEdit *>(QStringLiteral("rawResponse"));
    auto *accept = w->findChild<QPlainTextEdit *>(QStringLiteral("acceptDerivation"));
    QCOMPARE(rawRequest->toPlainText(), visibleBytes(request));
    // Undo the visible escapes: the exact bytes come back.
    auto unescape = [](QString text) {
        return text.replace(QStringLiteral("\\n\n"), QStringLiteral("\n")).replace(QStringLiteral("\\r"), QStringLiteral("\r")).toLatin1();
    };
    QCOMPARE(unescape(rawRequest->toPlainText()), request);
    QCOMPARE(unescape(rawResponse->toPlainText()), responseHead);
    QVERIFY(rawRequest->toPlainText().startsWith(QStringLiteral("GET /echo?lesson=1 HTTP/1.1\\r\\n\n")));
    QVERIFY(accept->toPlainText().contains(QString::fromLatin1(key)));
    QVERIFY(accept->toPlainText().contains(QStringLiteral("258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
    QVERIFY2(accept->toPlainText().contains(QStringLiteral("it matches")), qPrintable(accept->toPlainText()));
    // No line longer than the longest field: the key and the GUID stand on lines of
    // their own, the SHA-1 bytes are spaced, so a narrow projector wraps only at seams.
    for (const QString &line : accept->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.contains(QLatin1Char(' ')))
            continue;
        const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        for (const QString &word : words)
            QVERIFY2(word.size() <= 36, qPrintable(word));   // the GUID is the longest field
    }
}

void tst_Monitor::closeGracefullyActsOnTheSelectedClientOnly()
{
    auto w = openWindow();
    QVERIFY(w);
    auto a = openClient(hostPort(w.get()));
    auto b = openClient(hostPort(w.get()));
    auto c = openClient(hostPort(w.get()));
    QVERIFY(a && b && c);
    w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 3);
    QVERIFY(selectClient(w.get(), b->localPort()));
    QCOMPARE(w->selectedSessions().size(), 1);

    auto *closeButton = w->findChild<QPushButton *>(QStringLiteral("closeActionButton"));
    QVERIFY(closeButton && closeButton->isEnabled());
    QTest::mouseClick(closeButton, Qt::LeftButton);
    QDialog *dialog = waitForDialog(w.get(), QStringLiteral("closeDialog"));
    QVERIFY(dialog);
    auto *codeBox = dialog->findChild<QComboBox *>(QStringLiteral("codeBox"));
    codeBox->setCurrentIndex(codeBox->count() - 1);   // application code
    auto *appCode = dialog->findChild<QSpinBox *>(QStringLiteral("appCode"));
    QVERIFY(appCode->isEnabled());
    appCode->setValue(4321);
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("reasonEdit")), QStringLiteral("time for lunch"));
    QSignalSpy bDown(b.get(), &QWebSocket::disconnected);
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);

    QTRY_COMPARE(bDown.size(), 1);
    QCOMPARE(int(b->closeCode()), 4321);
    QCOMPARE(b->closeReason(), QStringLiteral("time for lunch"));
    QCOMPARE(a->state(), QAbstractSocket::ConnectedState);
    QCOMPARE(c->state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(view->model()->rowCount(), 2);
    auto *log = w->findChild<QListWidget *>(QStringLiteral("commandLog"));
    QTRY_COMPARE(log->count(), 1);
    QVERIFY2(log->item(0)->text().contains(QStringLiteral("✔")), qPrintable(log->item(0)->text()));
}

void tst_Monitor::kickActsOnTheSelectedClientOnly()
{
    auto w = openWindow();
    QVERIFY(w);
    QTcpSocket raw;
    QVERIFY(upgradeRaw(raw, hostPort(w.get()), QStringLiteral("/echo")));
    auto other = openClient(hostPort(w.get()));
    QVERIFY(other);
    w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 2);
    QVERIFY(selectClient(w.get(), raw.localPort()));
    QTest::keyClick(w.get(), Qt::Key_K, Qt::ControlModifier);   // the Kick shortcut
    QByteArray rest;
    QVERIFY(waitForDisconnect(raw, 5000, &rest));
    QVERIFY2(!takeFrame(rest), "a kick sends no close frame");
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QCOMPARE(other->state(), QAbstractSocket::ConnectedState);
}

void tst_Monitor::bulkActionsAskFirst()
{
    auto w = openWindow();
    QVERIFY(w);
    auto a = openClient(hostPort(w.get()));
    auto b = openClient(hostPort(w.get()));
    auto keep = openClient(hostPort(w.get()));
    QVERIFY(a && b && keep);
    w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 3);
    QVERIFY(selectClient(w.get(), a->localPort()));
    QVERIFY(selectClient(w.get(), b->localPort(), Qt::ControlModifier));
    QCOMPARE(w->selectedSessions().size(), 2);

    QTest::keyClick(w.get(), Qt::Key_K, Qt::ControlModifier);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = w->findChild<QMessageBox *>(QStringLiteral("confirmBox"))) != nullptr);
    QVERIFY(box->text().contains(QStringLiteral("2 clients")));
    QCOMPARE(a->state(), QAbstractSocket::ConnectedState);   // nothing happens before the answer
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE(a->state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(b->state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(keep->state(), QAbstractSocket::ConnectedState);
}

void tst_Monitor::sendsAMessageToTheSelectedClient()
{
    auto w = openWindow();
    QVERIFY(w);
    auto target = openClient(hostPort(w.get()));
    auto other = openClient(hostPort(w.get()));
    QVERIFY(target && other);
    QSignalSpy targetTexts(target.get(), &QWebSocket::textMessageReceived);
    QSignalSpy otherTexts(other.get(), &QWebSocket::textMessageReceived);
    w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
    QTRY_COMPARE(w->findChild<QTableView *>(QStringLiteral("clientsView"))->model()->rowCount(), 2);
    QVERIFY(selectClient(w.get(), target->localPort()));
    QTest::keyClick(w.get(), Qt::Key_M, Qt::ControlModifier);
    QDialog *dialog = waitForDialog(w.get(), QStringLiteral("sendDialog"));
    QVERIFY(dialog);
    QTest::keyClicks(dialog->findChild<QPlainTextEdit *>(QStringLiteral("messageEdit")), QStringLiteral("look at the board"));
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(targetTexts.size(), 1);
    QCOMPARE(targetTexts.first().first().toString(), QStringLiteral("look at the board"));
    QTest::qWait(200);
    QCOMPARE(otherTexts.size(), 0);
}

void tst_Monitor::filterNarrowsTheTable()
{
    auto w = openWindow();
    QVERIFY(w);
    auto a = openClient(hostPort(w.get()));
    auto b = openClient(hostPort(w.get()), QStringLiteral("/chat"));
    QVERIFY(a && b);
    w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 2);
    QTest::keyClicks(w->findChild<QLineEdit *>(QStringLiteral("clientFilter")), QStringLiteral("CHAT"));
    QCOMPARE(view->model()->rowCount(), 1);
    QVERIFY(view->model()->index(0, SessionsModel::Path).data().toString().contains(QStringLiteral("/chat")));
    // The negotiated subprotocol has a column of its own.
    QWebSocket withSubprotocol;
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({QStringLiteral("wsplug.chat.v1")});
    withSubprotocol.open(QNetworkRequest(wsUrl(hostPort(w.get()), QStringLiteral("/chat?v1"))), options);
    QTRY_COMPARE(view->model()->rowCount(), 2);
    QStringList shown;
    for (int row = 0; row < view->model()->rowCount(); ++row)
        shown << view->model()->index(row, SessionsModel::Subprotocol).data().toString();
    shown.sort();
    QCOMPARE(shown, (QStringList{QStringLiteral("wsplug.chat.v1"), QStringLiteral("–")}));
}

// The Closes tab keeps sessions after they left the clients table, with how each
// ended: a client's close (code, reason, it sent the first close frame), a kick (no
// close frame: 1006).
void tst_Monitor::closesStayVisibleWithHowTheyEnded()
{
    auto w = openWindow();
    QVERIFY(w);
    auto leaving = openClient(hostPort(w.get()));
    auto kicked = openClient(hostPort(w.get()), QStringLiteral("/chat"));
    QVERIFY(leaving && kicked);
    auto *clientsView = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(clientsView->model()->rowCount(), 2);
    leaving->close(QWebSocketProtocol::CloseCode(4001), QStringLiteral("class is over"));
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    tabs->setCurrentIndex(1);
    QTRY_COMPARE(clientsView->model()->rowCount(), 1);
    clientsView->selectRow(0);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("kickActionButton")), Qt::LeftButton);
    QTRY_COMPARE(clientsView->model()->rowCount(), 0);

    tabs->setCurrentWidget(w->findChild<QWidget *>(QStringLiteral("closesView"))->parentWidget());
    QCOMPARE(tabs->tabText(tabs->currentIndex()).remove(QLatin1Char('&')), QStringLiteral("Closes"));
    auto *view = w->findChild<QTableView *>(QStringLiteral("closesView"));
    QTRY_COMPARE(view->model()->rowCount(), 2);
    auto cell = [view](int row, int column) { return view->model()->index(row, column).data().toString(); };
    // Newest first: the kick, then the client's own close.
    QCOMPARE(cell(0, ClosesModel::Code), QStringLiteral("1006"));
    QCOMPARE(cell(0, ClosesModel::Cause), QStringLiteral("kick"));
    QCOMPARE(cell(0, ClosesModel::FirstClose), QStringLiteral("none — 1006"));
    QCOMPARE(cell(0, ClosesModel::Route), QStringLiteral("/chat"));
    QCOMPARE(cell(1, ClosesModel::Code), QStringLiteral("4001"));
    QCOMPARE(cell(1, ClosesModel::Reason), QStringLiteral("class is over"));
    QCOMPARE(cell(1, ClosesModel::FirstClose), QStringLiteral("client"));
    QCOMPARE(cell(1, ClosesModel::Cause), QStringLiteral("client"));
    // Each side's close frame: the client's, and the host's answer with the same code.
    QCOMPARE(cell(1, ClosesModel::ClientFrame), QStringLiteral("4001 “class is over”"));
    QCOMPARE(cell(1, ClosesModel::HostFrame), QStringLiteral("4001 “class is over”"));
    QCOMPARE(cell(0, ClosesModel::ClientFrame), QStringLiteral("none"));
    QCOMPARE(cell(0, ClosesModel::HostFrame), QStringLiteral("none"));
}

void tst_Monitor::attachesToARemoteHostAndSurvivesItsRestart()
{
    auto w = openWindow();
    QVERIFY(w);
    HostConfig config = testConfig();
    config.adminToken = QStringLiteral("remote-secret");
    config.statsTickMs = 100;
    auto remote = std::make_unique<HostThread>();
    QVERIFY(remote->start(config));
    const quint16 port = remote->serverPort();
    auto user = openClient(port, QStringLiteral("/echo?from=remote"));
    QVERIFY(user);

    w->attachToRemote(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)), QStringLiteral("remote-secret"));
    QVERIFY(!w->embeddedHost());   // the embedded host (without clients) is not watched any more
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QVERIFY(view->model()->index(0, SessionsModel::Path).data().toString().contains(QStringLiteral("from=remote")));
    auto *hostLabel = w->findChild<QLabel *>(QStringLiteral("hostLabel"));
    QVERIFY(hostLabel->text().contains(QStringLiteral("Remote")));

    // The host goes away: shown plainly, and retried.
    remote->stop();
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Reconnecting);
    auto *state = w->findChild<QLabel *>(QStringLiteral("stateLabel"));
    QTRY_VERIFY(state->text().contains(QStringLiteral("retrying")));
    QCOMPARE(view->model()->rowCount(), 1);   // the last known state stays visible

    config.port = port;
    QVERIFY(remote->start(config));
    QTRY_COMPARE_WITH_TIMEOUT(w->client()->state(), MonitorClient::State::Attached, 10000);
    QTRY_COMPARE(view->model()->rowCount(), 0);   // a fresh snapshot: the old sessions are gone

    // A wrong token is shown, not swallowed, and not retried.
    w->attachToRemote(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)), QStringLiteral("wrong-token"));
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Failed);
    QVERIFY(w->client()->lastError().contains(QStringLiteral("token refused (401)")));

    w->useEmbeddedHost();
    QVERIFY(w->embeddedHost());
    QTRY_COMPARE(w->embeddedHost()->state(), EmbeddedHost::State::Running);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    QVERIFY(w->embeddedHost());
}

void tst_Monitor::presentationModeEnlargesFonts()
{
    auto w = openWindow();
    QVERIFY(w);
    const qreal normal = w->font().pointSizeF();
    QTest::keyClick(w.get(), Qt::Key_F5);
    QVERIFY(w->font().pointSizeF() > normal * 1.4);
    QTest::keyClick(w.get(), Qt::Key_F5);
    QCOMPARE(w->font().pointSizeF(), normal);
}

void tst_Monitor::withoutADisplayHelpWorksAndAStartSaysWhatToRun()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QLatin1String(name));
    for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("--version"), QString()}) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(WSPLUG_MONITOR_PROGRAM), flag.isEmpty() ? QStringList() : QStringList{flag});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);   // no abort, no core dump
        const QByteArray err = p.readAllStandardError();
        if (flag.isEmpty()) {
            QCOMPARE(p.exitCode(), 1);
            QCOMPARE(err.count('\n'), 1);   // one line
            QVERIFY2(err.contains("wsplug-host") && err.contains("QT_QPA_PLATFORM=offscreen"), err.constData());
        } else {
            QCOMPARE(p.exitCode(), 0);
            QVERIFY(p.readAllStandardOutput().contains(flag == QLatin1String("--help") ? "--remote" : "wsplug-monitor"));
        }
    }
}

void tst_Monitor::closeDialogOffersEveryCodeAServerMaySend()
{
    CloseDialog dialog({7});
    auto *codeBox = dialog.findChild<QComboBox *>(QStringLiteral("codeBox"));
    auto *other = dialog.findChild<QSpinBox *>(QStringLiteral("appCode"));
    QVERIFY(codeBox && other);
    codeBox->setCurrentIndex(codeBox->count() - 1);
    // 3000-3999 (registered) as well as 4000-4999 (private), RFC 6455 7.4.2.
    QCOMPARE(other->minimum(), 3000);
    QCOMPARE(other->maximum(), 4999);
    other->setValue(3001);
    QCOMPARE(int(dialog.code()), 3001);
    for (int i = 0; i < codeBox->count() - 1; ++i)
        QVERIFY(Protocol::isSendableCloseCode(codeBox->itemData(i).toInt()));
}

void tst_Monitor::sendDialogSendsOnCtrlEnter()
{
    SendDialog dialog(3);
    dialog.show();
    auto *edit = dialog.findChild<QPlainTextEdit *>(QStringLiteral("messageEdit"));
    QVERIFY(edit);
    QVERIFY(!dialog.findChildren<QLabel *>().isEmpty());   // the box says what it is
    QTest::keyClicks(edit, QStringLiteral("hi"));
    QTest::keyClick(edit, Qt::Key_Return);   // Enter alone adds a line
    QVERIFY(dialog.isVisible());
    QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
    QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.text(), QStringLiteral("hi\n"));
}

void tst_Monitor::handshakesSortFilterAndForgetWhatLeft()
{
    auto w = openWindow();
    QVERIFY(w);
    QVERIFY(openClient(hostPort(w.get())));
    QCOMPARE(statusCode(rawRequest(hostPort(w.get()), handshakeRequest(QStringLiteral("/nowhere")))), 404);
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    auto *view = w->findChild<QTableView *>(QStringLiteral("handshakesView"));
    tabs->setCurrentWidget(view->parentWidget()->parentWidget()->parentWidget());
    QTRY_VERIFY(view->model()->rowCount() >= 3);   // the monitor's own admin attach, the client, the 404
    // Ctrl+F on this tab goes to this tab's filter.
    QTest::keyClick(w.get(), Qt::Key_F, Qt::ControlModifier);
    auto *filter = w->findChild<QLineEdit *>(QStringLiteral("handshakesFilter"));
    QTRY_VERIFY(filter->hasFocus());
    QCOMPARE(tabs->currentWidget(), view->parentWidget()->parentWidget()->parentWidget());
    // Refused only.
    w->findChild<QCheckBox *>(QStringLiteral("refusedOnly"))->setChecked(true);
    QCOMPARE(view->model()->rowCount(), 1);
    QCOMPARE(view->model()->index(0, HandshakesModel::Status).data().toString(), QStringLiteral("404"));
    w->findChild<QCheckBox *>(QStringLiteral("refusedOnly"))->setChecked(false);
    // Sorting by status puts 101s before the 404, and back.
    view->sortByColumn(HandshakesModel::Status, Qt::DescendingOrder);
    QCOMPARE(view->model()->index(0, HandshakesModel::Status).data().toString(), QStringLiteral("404"));
    // The details follow the selection; a record that leaves the view leaves the details.
    view->selectRow(0);
    auto *raw = w->findChild<QPlainTextEdit *>(QStringLiteral("rawRequest"));
    QTRY_VERIFY(raw->toPlainText().contains(QLatin1String("/nowhere")));
    QTest::keyClicks(filter, QStringLiteral("no such text anywhere"));
    QCOMPARE(view->model()->rowCount(), 0);
    QTRY_VERIFY(raw->toPlainText().isEmpty());
}

void tst_Monitor::closesEverySessionOfAPluginsRoutes()
{
    auto w = openWindow();
    QVERIFY(w);
    auto a = openClient(hostPort(w.get()));
    auto b = openClient(hostPort(w.get()));
    auto other = openClient(hostPort(w.get()), QStringLiteral("/chat"));
    QVERIFY(a && b && other);
    auto *table = w->findChild<QTableWidget *>(QStringLiteral("pluginsTable"));
    QTRY_VERIFY(table->rowCount() >= 2);
    int echoRow = -1;
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, 0)->text() == QLatin1String("echo"))
            echoRow = row;
    }
    QVERIFY(echoRow >= 0);
    table->selectRow(echoRow);
    auto *button = w->findChild<QPushButton *>(QStringLiteral("closeRoutesButton"));
    QVERIFY(button->isEnabled());
    QTest::mouseClick(button, Qt::LeftButton);
    CloseDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = w->findChild<CloseDialog *>()));
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("reasonEdit")), QStringLiteral("maintenance"));
    QSignalSpy aGone(a.get(), &QWebSocket::disconnected), bGone(b.get(), &QWebSocket::disconnected);
    dialog->accept();
    QTRY_COMPARE(aGone.size() + bGone.size(), 2);
    QCOMPARE(a->closeReason(), QStringLiteral("maintenance"));
    QCOMPARE(other->state(), QAbstractSocket::ConnectedState);   // another plugin's route
}

void tst_Monitor::commandLogStartsAfreshOnAnotherHost()
{
    auto w = openWindow();
    QVERIFY(w);
    auto client = openClient(hostPort(w.get()));
    QVERIFY(client);
    w->client()->kickSessions({1});
    auto *log = w->findChild<QListWidget *>(QStringLiteral("commandLog"));
    QTRY_COMPARE(log->count(), 1);
    // Ids are the host's: after switching, "session 1" would mean another session.
    w->client()->detach();
    QCOMPARE(log->count(), 0);
}

void tst_Monitor::chartTicksFallOnRoundNumbersAndFollowPresentationMode()
{
    auto w = openWindow();
    QVERIFY(w);
    std::vector<std::unique_ptr<QWebSocket>> clients;
    for (int i = 0; i < 7; ++i)
        clients.push_back(openClient(hostPort(w.get())));
    auto *charts = w->findChild<ChartsPanel *>();
    QVERIFY(charts);
    QTRY_VERIFY(charts->pointCount(QStringLiteral("connections")) > 2);
    // Every axis spans (up to four) intervals of 1, 2, 2.5 or 5 times a power of ten.
    QTRY_VERIFY(charts->axisTops().value(0) >= 7);
    const QList<double> tops = charts->axisTops();
    const QList<int> intervals = charts->axisIntervals();
    for (int i = 0; i < tops.size(); ++i) {
        const double top = tops.at(i);
        if (top <= 0)
            continue;
        const double step = top / intervals.at(i);
        const double magnitude = std::pow(10.0, std::floor(std::log10(step)));
        const double m = step / magnitude;
        QVERIFY2(std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 2.5) < 1e-9 || std::abs(m - 5) < 1e-9,
                 qPrintable(QString::number(top)));
    }
    // Presentation mode: the charts' titles and axis labels grow with the rest.
    auto *view = w->findChild<QChartView *>();
    QVERIFY(view);
    const qreal normal = view->chart()->axes().first()->labelsFont().pointSizeF();
    QTest::keyClick(w.get(), Qt::Key_F5);
    QVERIFY(view->chart()->axes().first()->labelsFont().pointSizeF() > normal * 1.4);
    QVERIFY(view->chart()->titleFont().pointSizeF() > normal * 1.4);
}

void tst_Monitor::rendersToAnImage()
{
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    const QPixmap shot = w->grab();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.width() >= 800 && shot.height() >= 600);
    QTemporaryDir dir;
    QVERIFY(shot.save(dir.filePath(QStringLiteral("monitor.png")), "PNG"));
}

void tst_Monitor::tenThousandRowsKeepTheSelection()
{
    SortedSessionsTable table(SessionsModel::MessagesIn, Qt::DescendingOrder);
    SessionsModel &model = table.model;
    QSortFilterProxyModel &proxy = table.proxy;
    QTableView &view = table.view;

    QList<SessionSnapshot> sessions;
    for (SessionId id = 1; id <= 10000; ++id) {
        SessionSnapshot s;
        s.id = id;
        s.path = QStringLiteral("/echo");
        s.peerAddress = QStringLiteral("127.0.0.1");
        s.peerPort = quint16(10000 + id);
        s.connectedAt = QDateTime::currentDateTimeUtc();
        sessions.append(s);
    }
    model.add(sessions);
    QCOMPARE(proxy.rowCount(), 10000);
    // Select session 5000.
    const QModelIndex target = proxy.mapFromSource(model.index(model.rowOf(5000), 0));
    view.selectionModel()->select(target, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

    // A tick's worth of updates to every row, then a burst of closes elsewhere.
    QList<Protocol::CounterUpdate> updates;
    for (SessionId id = 1; id <= 10000; ++id) {
        SessionSnapshot s = sessions.at(int(id - 1));
        s.in.messages = id % 97;
        s.lastActivity = QDateTime::currentDateTimeUtc();
        updates.append(Protocol::CounterUpdate::of(s));
    }
    model.applyUpdates(updates);
    QList<SessionId> closed;
    for (SessionId id = 1; id <= 10000; id += 3) {
        if (id != 5000)
            closed.append(id);
    }
    model.remove(closed);
    QCOMPARE(proxy.rowCount(), 10000 - int(closed.size()));

    const QModelIndexList selected = view.selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(SessionsModel::IdRole).value<SessionId>(), SessionId(5000));
    QCOMPARE(model.at(model.rowOf(5000)).in.messages, quint64(5000 % 97));
    QCOMPARE(model.rowOf(4), -1);
}

void tst_Monitor::selectionStaysWithItsSessionWhenOthersClose()
{
    // Removing a row fills the hole with the last row: the selection must follow the
    // sessions, never pass from a closed session to the one that took its place.
    SortedSessionsTable table(SessionsModel::Id, Qt::AscendingOrder);
    SessionsModel &model = table.model;
    QSortFilterProxyModel &proxy = table.proxy;
    QTableView &view = table.view;
    view.setSelectionMode(QAbstractItemView::MultiSelection);
    QList<SessionSnapshot> sessions;
    for (SessionId id = 1; id <= 10; ++id) {
        SessionSnapshot s;
        s.id = id;
        s.connectedAt = QDateTime::currentDateTimeUtc();
        sessions.append(s);
    }
    model.add(sessions);
    auto select = [&](SessionId id) {
        view.selectionModel()->select(proxy.mapFromSource(model.index(model.rowOf(id), 0)),
                                      QItemSelectionModel::Select | QItemSelectionModel::Rows);
    };
    auto selectedIds = [&] {
        QList<SessionId> ids;
        for (const QModelIndex &index : view.selectionModel()->selectedRows())
            ids.append(index.data(SessionsModel::IdRole).value<SessionId>());
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    select(2);
    select(7);
    select(10);   // the last row: it moves into the first hole
    model.remove({2, 5});
    QCOMPARE(selectedIds(), (QList<SessionId>{7, 10}));
    QCOMPARE(proxy.rowCount(), 8);
    model.remove({1, 3, 4, 6, 8, 9});   // everything but the selected
    QCOMPARE(selectedIds(), (QList<SessionId>{7, 10}));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOf(5), -1);
    model.sync({sessions.at(9)});   // a fresh list without 7
    QCOMPARE(selectedIds(), (QList<SessionId>{10}));
}

void tst_Monitor::aBurstOfSessionsIsNotLeftOutOfTheTable()
{
    // More sessions open (and later close) in one tick than a tick carries (1,000):
    // the monitor sees what the host left out and fetches the list again, and the
    // Handshakes tab says how many attempts it could not list.
    MonitorOptions options;
    options.hostConfig = testConfig();
    options.hostConfig.statsTickMs = 4000;   // the whole burst fits in at most three ticks
    options.hostConfig.maxConnections = 5000;
    options.hostConfig.maxConnectionsPerIp = 5000;
    MainWindow w(options);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_COMPARE(w.client()->state(), MonitorClient::State::Attached);

    // Split over up to three ticks, 3,100 still put more than 1,000 in one of them.
    constexpr int Burst = 3100;
    std::vector<std::unique_ptr<QTcpSocket>> peers;
    for (int i = 0; i < Burst; ++i) {
        peers.push_back(std::make_unique<QTcpSocket>());
        QVERIFY(connectRaw(*peers.back(), hostPort(&w)));
        peers.back()->write(handshakeRequest(QStringLiteral("/echo")));
    }
    auto *view = w.findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), Burst, 20000);
    QVERIFY(w.client()->sessionResyncs() >= 1);
    auto *count = w.findChild<QLabel *>(QStringLiteral("countLabel"));
    QVERIFY2(count->text().startsWith(QStringLiteral("%1 sessions").arg(Burst)), qPrintable(count->text()));
    QVERIFY(w.client()->handshakesOmitted() > 0);
    auto *note = w.findChild<QLabel *>(QStringLiteral("handshakesNote"));
    QTRY_VERIFY(!note->isHidden());   // on the Handshakes tab, which is not the current one
    QVERIFY2(note->text().contains(QLocale().toString(qulonglong(w.client()->handshakesOmitted()))),
             qPrintable(note->text()));

    const int resyncs = w.client()->sessionResyncs();
    peers.clear();   // all at once: more closes in one tick than it carries
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 0, 20000);
    QVERIFY(w.client()->sessionResyncs() > resyncs);
}

void tst_Monitor::attachesToTheRemoteHostGivenInItsOptions()
{
    // What wsplug-monitor --remote URL --token T does: the URL without a path, the
    // token apart; the window builds the admin URL from both.
    HostConfig config = testConfig();
    config.adminToken = QStringLiteral("options-secret");
    auto remote = std::make_unique<HostThread>();
    QVERIFY(remote->start(config));
    MonitorOptions options;
    options.remoteUrl = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(remote->serverPort()));
    options.remoteToken = config.adminToken;
    MainWindow w(options);
    QVERIFY(!w.embeddedHost());
    QTRY_COMPARE(w.client()->state(), MonitorClient::State::Attached);
}

void tst_Monitor::everyDroppedHandshakeIsCountedAndCountedAfreshOnANewSnapshot()
{
    HandshakesModel model;
    const QList<HandshakeRecord> full(HandshakesModel::MaxRecords);
    model.add(full);
    QCOMPARE(model.dropped(), 0u);
    model.add(QList<HandshakeRecord>(5));
    QCOMPARE(model.rowCount(), HandshakesModel::MaxRecords);
    QCOMPARE(model.dropped(), 5u);
    // More than the list holds in one tick: the ones never shown count as dropped too.
    model.add(QList<HandshakeRecord>(HandshakesModel::MaxRecords + 3));
    QCOMPARE(model.rowCount(), HandshakesModel::MaxRecords);
    QCOMPARE(model.dropped(), quint64(5 + HandshakesModel::MaxRecords + 3));
    // A new snapshot (reattach, another host) starts the count again.
    model.reset({});
    QCOMPARE(model.dropped(), 0u);
    model.reset(QList<HandshakeRecord>(HandshakesModel::MaxRecords + 7));
    QCOMPARE(model.rowCount(), HandshakesModel::MaxRecords);
    QCOMPARE(model.dropped(), 7u);
}

void tst_Monitor::relativeTimesAgeWithoutNewsFromTheHost()
{
    // "Connected for" and "Last activity" are relative to now: the view must be told to
    // redraw them even when an idle session's counters do not change.
    SessionsModel model;
    SessionSnapshot s;
    s.id = 1;
    s.connectedAt = QDateTime::currentDateTimeUtc().addSecs(-5);
    s.lastActivity = s.connectedAt;
    model.reset({s});
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.refreshTimes();
    QSet<int> columns;
    for (const QList<QVariant> &args : changed) {
        const QModelIndex from = args.at(0).toModelIndex();
        const QModelIndex to = args.at(1).toModelIndex();
        for (int c = from.column(); c <= to.column(); ++c)
            columns.insert(c);
    }
    QVERIFY(columns.contains(SessionsModel::ConnectedFor));
    QVERIFY(columns.contains(SessionsModel::LastActivity));
}

void tst_Monitor::saysStartingWhileTheEmbeddedHostStarts()
{
    MonitorOptions options;
    options.hostConfig = testConfig();
    QElapsedTimer clock;
    clock.start();
    MainWindow w(options);
    QVERIFY2(clock.elapsed() < 2 * ReturnsAtOnceMs, "the window waited for the embedded host");
    // Nothing is taken from the host thread before this thread's loop runs again.
    QVERIFY(w.embeddedHost());
    QCOMPARE(w.embeddedHost()->state(), EmbeddedHost::State::Starting);
    auto *state = w.findChild<QLabel *>(QStringLiteral("stateLabel"));
    auto *hostLabel = w.findChild<QLabel *>(QStringLiteral("hostLabel"));
    QVERIFY2(state->text().contains(QStringLiteral("Starting the embedded host…")), qPrintable(state->text()));
    QVERIFY2(hostLabel->text().contains(QStringLiteral("starting…")), qPrintable(hostLabel->text()));
    w.show();
    QTRY_COMPARE(w.client()->state(), MonitorClient::State::Attached);
    QVERIFY2(hostLabel->text().contains(QString::number(w.embeddedHost()->serverPort())), qPrintable(hostLabel->text()));
    QVERIFY(!state->text().contains(QStringLiteral("Starting")));
}

void tst_Monitor::fallsBackToAFreePortWhenItsPortIsTaken()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    MonitorOptions options;
    options.hostConfig = testConfig();
    options.hostConfig.port = squatter.serverPort();
    MainWindow w(options);
    w.show();
    QTRY_COMPARE(w.client()->state(), MonitorClient::State::Attached);
    const quint16 port = w.embeddedHost()->serverPort();
    QVERIFY(port != 0 && port != squatter.serverPort());
    auto *state = w.findChild<QLabel *>(QStringLiteral("stateLabel"));
    const QString busy = QStringLiteral("Port %1 was busy").arg(squatter.serverPort());
    const QString instead = QStringLiteral("the embedded host uses %1 instead").arg(port);
    QTRY_VERIFY2(state->text().contains(busy) && state->text().contains(instead), qPrintable(state->text()));
    QVERIFY(openClient(port));
}

void tst_Monitor::closingTheWindowLeavesTheHostToDrainInTheBackground()
{
    MonitorOptions options;
    options.hostConfig = testConfig();
    options.hostConfig.shutdownGraceMs = 3000;
    auto w = std::make_unique<MainWindow>(options);
    w->show();
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    const quint16 port = hostPort(w.get());
    auto client = openClient(port);
    QVERIFY(client);
    QSignalSpy disconnected(client.get(), &QWebSocket::disconnected);
    // A peer that never answers the close keeps the host draining for its whole grace period.
    QTcpSocket deaf;
    QVERIFY(upgradeRaw(deaf, port, QStringLiteral("/echo")));

    QElapsedTimer clock;
    clock.start();
    w.reset();
    QVERIFY2(clock.elapsed() < ReturnsAtOnceMs, "closing the window waited for the host");
    // This thread stays free: the client answers the close, and gets 1001.
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client->closeCode()), 1001);
    QVERIFY2(clock.elapsed() < options.hostConfig.shutdownGraceMs, "the client waited for the grace period");
    // The deaf peer is cut off once the grace period is over, and the port is free again.
    QByteArray received;
    QVERIFY(waitForDisconnect(deaf, options.hostConfig.shutdownGraceMs + 5000, &received));
    QVERIFY2(clock.elapsed() < options.hostConfig.shutdownGraceMs + 2000, "the drain outlasted the grace period");
    const std::optional<Frame> close = takeFrame(received);
    QVERIFY(close);
    QCOMPARE(closeCodeOf(*close), 1001);
    QTRY_VERIFY(QTcpServer().listen(QHostAddress::LocalHost, port));
}

// wsplug-monitor takes wsplug-host's flags and config file for its embedded host (one
// option table): a class behind one NAT address can raise the per-address limit.
void tst_Monitor::embeddedHostTakesTheHostsFlagsAndConfig()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    QTemporaryDir dir;
    QFile config(dir.filePath(QStringLiteral("host.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(R"({"maxConnectionsPerIp": 1000, "handshakeLogSize": 77})");
    config.close();
    QProcess monitor;
    monitor.start(QStringLiteral(WSPLUG_MONITOR_PROGRAM),
                  {QStringLiteral("--port"), QString::number(port), QStringLiteral("--plugin-dir"),
                   QStringLiteral(WSPLUG_PLUGIN_DIR), QStringLiteral("--config"), config.fileName(),
                   QStringLiteral("--max-connections"), QStringLiteral("1500"), QStringLiteral("--admin-token"),
                   QStringLiteral("class-token-1"), QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("m.png")),
                   QStringLiteral("--screenshot-delay"), QStringLiteral("4000")});
    QVERIFY(monitor.waitForStarted(5000));
    QWebSocket admin;
    QSignalSpy messages(&admin, &QWebSocket::textMessageReceived);
    QVERIFY(QTest::qWaitFor([&] {
        if (admin.state() == QAbstractSocket::UnconnectedState)
            admin.open(wsUrl(port, QStringLiteral("/_admin?token=class-token-1")));
        return !messages.isEmpty();
    }, 10000));
    const Protocol::Snapshot snapshot = Protocol::snapshotFromJson(Protocol::decode(messages.first().first().toString().toUtf8()));
    QCOMPARE(snapshot.host.limits.value(QStringLiteral("maxConnectionsPerIp")), 1000);   // from the file
    QCOMPARE(snapshot.host.limits.value(QStringLiteral("handshakeLogSize")), 77);          // config-only
    QCOMPARE(snapshot.host.limits.value(QStringLiteral("maxConnections")), 1500);         // the flag
    QCOMPARE(snapshot.host.limits.value(QStringLiteral("shutdownGraceMs")), 1000);        // the monitor's default
    admin.close();
    QVERIFY(monitor.waitForFinished(15000));
    QCOMPARE(monitor.exitCode(), 0);
    // A bad one is one line and exit code 2, as with wsplug-host.
    QProcess bad;
    bad.start(QStringLiteral(WSPLUG_MONITOR_PROGRAM), {QStringLiteral("--max-connections-per-ip"), QStringLiteral("0")});
    QVERIFY(bad.waitForFinished(10000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(bad.readAllStandardError().contains("wsplug-monitor: --max-connections-per-ip: expected an integer"));
}

void tst_Monitor::programExitJoinsTheDrainingHost()
{
    // wsplug-monitor ends while its embedded host still waits for a peer that never
    // answers the close: the window goes at once, the application's end joins the drain
    // (main.cpp gives it 1 s of grace), and no running thread is destroyed.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    QTemporaryDir dir;
    const QString shot = dir.filePath(QStringLiteral("monitor.png"));
    QProcess monitor;
    monitor.setProcessChannelMode(QProcess::SeparateChannels);
    monitor.start(QStringLiteral(WSPLUG_MONITOR_PROGRAM),
                  {QStringLiteral("--port"), QString::number(port), QStringLiteral("--plugin-dir"),
                   QStringLiteral(WSPLUG_PLUGIN_DIR), QStringLiteral("--screenshot"), shot,
                   QStringLiteral("--screenshot-delay"), QStringLiteral("1500")});
    QVERIFY(monitor.waitForStarted(5000));
    // Refused until the program's host listens: a fresh socket for every try.
    std::unique_ptr<QTcpSocket> deaf;
    QVERIFY(QTest::qWaitFor([&] {
        deaf = std::make_unique<QTcpSocket>();
        return upgradeRaw(*deaf, port, QStringLiteral("/echo"));
    }, 10000));
    QVERIFY2(monitor.waitForFinished(15000), "wsplug-monitor did not end");
    const QByteArray errors = monitor.readAllStandardError();
    QCOMPARE(monitor.exitStatus(), QProcess::NormalExit);
    QVERIFY2(monitor.exitCode() == 0, errors.constData());
    QVERIFY2(!errors.contains("QThread: Destroyed while thread is still running"), errors.constData());
    QVERIFY2(!errors.contains("without closing its sessions"), errors.constData());
    QVERIFY(QFile::exists(shot));
    QByteArray received;
    QVERIFY(waitForDisconnect(*deaf, 5000, &received));
    const std::optional<Frame> close = takeFrame(received);
    QVERIFY(close);
    QCOMPARE(closeCodeOf(*close), 1001);
}

void tst_Monitor::attachDialogAttachesAndRemembersTheHostNotTheToken()
{
    QSettings().remove(QStringLiteral("recentHosts"));
    HostConfig config = testConfig();
    config.adminToken = QStringLiteral("dialog-secret");
    HostThread remote;
    QVERIFY(remote.start(config));
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);

    QTest::keyClick(w.get(), Qt::Key_O, Qt::ControlModifier);   // "Attach to remote…"
    QDialog *dialog = waitForDialog(w.get(), QStringLiteral("attachDialog"));
    QVERIFY(dialog);
    const QString url = QStringLiteral("ws://127.0.0.1:%1").arg(remote.serverPort());
    dialog->findChild<QComboBox *>(QStringLiteral("urlBox"))->setCurrentText(url);
    QTest::keyClicks(dialog->findChild<QLineEdit *>(QStringLiteral("tokenEdit")), config.adminToken);
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);

    QVERIFY(!w->embeddedHost());
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    QTRY_COMPARE(w->client()->hostInfo().port, remote.serverPort());
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("hostLabel"))->text().contains(QStringLiteral("Remote")));
    const QStringList recent = QSettings().value(QStringLiteral("recentHosts")).toStringList();
    QCOMPARE(recent.value(0), url);
    QVERIFY(!recent.join(QLatin1Char(' ')).contains(config.adminToken));
}


// The frame inspector driven through its widgets: watch a client from the Clients
// tab, see its frames both ways, pick one for its fields, see a fragmented message
// joined; watch a route from the Frames tab.
void tst_Monitor::framesTabShowsTheFramesOfAWatchedClient()
{
    auto w = openWindow();
    QVERIFY(w);
    auto target = openClient(hostPort(w.get()));
    auto other = openClient(hostPort(w.get()));
    QVERIFY(target && other);
    auto *frames = watchFromClientsTab(w.get(), target->localPort(), 2);
    QVERIFY(frames);
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    QCOMPARE(tabs->currentWidget(), frames->parentWidget()->parentWidget());

    other->sendTextMessage(QStringLiteral("not watched"));
    target->sendTextMessage(QStringLiteral("hello class"));
    QTRY_COMPARE(frames->model()->rowCount(), 2);   // the message and its echo
    auto cell = [frames](int row, int column) { return frames->model()->index(row, column).data().toString(); };
    QCOMPARE(cell(0, FramesModel::Direction), QStringLiteral("→"));
    QCOMPARE(cell(0, FramesModel::Mask), QStringLiteral("1"));
    QCOMPARE(cell(0, FramesModel::Fin), QStringLiteral("1"));
    QVERIFY(cell(0, FramesModel::Opcode).contains(QStringLiteral("text")));
    QCOMPARE(cell(0, FramesModel::Payload), QStringLiteral("hello class"));
    QCOMPARE(cell(1, FramesModel::Direction), QStringLiteral("←"));
    QCOMPARE(cell(1, FramesModel::Mask), QStringLiteral("0"));
    QCOMPARE(cell(1, FramesModel::Key), QString());
    QCOMPARE(cell(0, FramesModel::Key).size(), 11);   // "xx xx xx xx"

    // Picking a frame shows its header field by field and its payload.
    frames->selectRow(0);
    auto *detail = w->findChild<QTextBrowser *>(QStringLiteral("frameDetail"));
    QTRY_VERIFY(detail->toPlainText().contains(QStringLiteral("Masking key")));
    const QString text = detail->toPlainText();
    QVERIFY(text.contains(QStringLiteral("client → host")));
    QVERIFY(text.contains(QStringLiteral("hello class")));
    QVERIFY(text.contains(cell(0, FramesModel::Key)));
    QVERIFY(text.contains(QStringLiteral("7-bit")));

    // A message in fragments: each frame listed, and the message joined.
    target->setOutgoingFrameSize(4);
    target->sendTextMessage(QStringLiteral("fragmented!"));
    QTRY_COMPARE(frames->model()->rowCount(), 2 + 3 + 1);
    QVERIFY(cell(2, FramesModel::Opcode).contains(QStringLiteral("part 1")));
    QCOMPARE(cell(2, FramesModel::Fin), QStringLiteral("0"));
    QVERIFY(cell(4, FramesModel::Opcode).startsWith(QStringLiteral("0 continuation")));
    QCOMPARE(cell(4, FramesModel::Fin), QStringLiteral("1"));
    frames->selectRow(4);
    QTRY_VERIFY(detail->toPlainText().contains(QStringLiteral("joined message")));
    QVERIFY(detail->toPlainText().contains(QStringLiteral("fragmented!")));
    QCOMPARE(cell(5, FramesModel::Payload), QStringLiteral("fragmented!"));   // the echo, in one frame

    // A route, from the Frames tab: a client that connects later is seen from its start.
    auto *routes = w->findChild<QComboBox *>(QStringLiteral("frameRoutes"));
    QVERIFY(routes->findText(QStringLiteral("/chat")) >= 0);
    routes->setCurrentText(QStringLiteral("/chat"));
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("watchRouteButton")), Qt::LeftButton);
    QTRY_VERIFY(w->findChild<QLabel *>(QStringLiteral("watchingLabel"))->text().contains(QStringLiteral("route /chat")));
    QTest::qWait(300);
    auto chat = openClient(hostPort(w.get()), QStringLiteral("/chat?name=ada"));
    QVERIFY(chat);
    chat->sendTextMessage(QStringLiteral("{\"type\":\"message\",\"text\":\"hi\"}"));
    QTRY_VERIFY(frames->model()->rowCount() > 6);
    // Stop watching: nothing more arrives.
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("stopWatchingButton")), Qt::LeftButton);
    QTRY_COMPARE(w->findChild<QLabel *>(QStringLiteral("watchingLabel"))->text(), QStringLiteral("Watching nothing."));
    QTest::qWait(300);
    const int rows = frames->model()->rowCount();
    target->sendTextMessage(QStringLiteral("after"));
    QSignalSpy echoed(target.get(), &QWebSocket::textMessageReceived);
    QVERIFY(echoed.wait(5000));
    QTest::qWait(300);
    QCOMPARE(frames->model()->rowCount(), rows);
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

// With permessage-deflate the inspector shows a compressed message as what it says:
// RSV1 explained, not flagged as a fault, and the inflated text beside the wire's bytes.
void tst_Monitor::framesTabShowsCompressedMessagesInflated()
{
    auto w = openWindow({QStringLiteral("on")});
    QVERIFY(w);
    QTcpSocket raw;
    QVERIFY(connectRaw(raw, hostPort(w.get())));
    raw.write(handshakeRequest(QStringLiteral("/echo"), "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    QVERIFY(readResponseHead(raw).contains("permessage-deflate"));
    auto *frames = watchFromClientsTab(w.get(), raw.localPort(), 1);
    QVERIFY(frames);

    QByteArray json = "{\"lesson\":\"permessage-deflate\",\"readings\":[";
    for (int i = 0; json.size() < 900; ++i)
        json += "{\"sensor\":\"t" + QByteArray::number(i % 4) + "\",\"value\":21.5},";
    json.back() = ']';
    json += '}';
    raw.write(clientFrame(0x1, deflateMessage(json), true, true, 4));
    QTRY_COMPARE(frames->model()->rowCount(), 2);   // the message and its (compressed) echo
    for (int row = 0; row < 2; ++row) {
        const QModelIndex rsv = frames->model()->index(row, FramesModel::Rsv);
        QCOMPARE(rsv.data().toString(), QStringLiteral("100"));
        QVERIFY2(!rsv.data(Qt::ForegroundRole).isValid(), "RSV1 of a compressed message is flagged as a fault");
        const QString payload = frames->model()->index(row, FramesModel::Payload).data().toString();
        QVERIFY2(payload.startsWith(QStringLiteral("inflated: {\"lesson\"")), qPrintable(payload));
    }
    frames->selectRow(0);
    auto *detail = w->findChild<QTextBrowser *>(QStringLiteral("frameDetail"));
    QTRY_VERIFY(detail->toPlainText().contains(QStringLiteral("Inflated (")));
    const QString text = detail->toPlainText();
    QVERIFY(text.contains(QStringLiteral("compressed (permessage-deflate")));
    QVERIFY(text.contains(QStringLiteral("on the wire, compressed")));
    QVERIFY(text.contains(QString::fromUtf8(json.left(200))));
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

// The Record button records the watched route; the file the monitor saves is what
// tshark reads back: the upgrade and each frame both ways.
void tst_Monitor::recordingTheWatchedSessionsToAFile()
{
    REQUIRE_TSHARK();
    auto w = openWindow();
    QVERIFY(w);
    auto *panel = w->findChild<FramesPanel *>();
    QVERIFY(panel);
    auto *routes = w->findChild<QComboBox *>(QStringLiteral("frameRoutes"));
    QTRY_VERIFY(routes->findText(QStringLiteral("/echo")) >= 0);
    routes->setCurrentText(QStringLiteral("/echo"));
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("watchRouteButton")), Qt::LeftButton);
    QTRY_VERIFY(w->findChild<QLabel *>(QStringLiteral("watchingLabel"))->text().contains(QStringLiteral("route /echo")));
    auto *record = w->findChild<QPushButton *>(QStringLiteral("recordButton"));
    QVERIFY(record && record->isEnabled());
    QCOMPARE(record->text(), QStringLiteral("● Record"));
    QTest::mouseClick(record, Qt::LeftButton);
    QTRY_COMPARE(panel->recorder()->state(), WatchRecorder::State::Recording);
    QCOMPARE(record->text(), QStringLiteral("■ Stop and save…"));
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("recordingLabel"))->text().startsWith(QStringLiteral("● Recording")));

    auto client = openClient(hostPort(w.get()), QStringLiteral("/echo?from=monitor"));
    QVERIFY(client);
    QSignalSpy echoed(client.get(), &QWebSocket::textMessageReceived);
    client->sendTextMessage(QStringLiteral("recorded"));
    QVERIFY(echoed.wait(5000));
    client->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE(client->state(), QAbstractSocket::UnconnectedState);

    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("lesson.pcapng"));
    QSignalSpy saved(panel->recorder(), &WatchRecorder::saved);
    panel->recorder()->stopAndSave(file);   // what the button does once a file is chosen
    QVERIFY(saved.wait(10000));
    QCOMPARE(saved.first().at(2).toInt(), 1);
    QCOMPARE(record->text(), QStringLiteral("● Record"));
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("recordingLabel"))->text().startsWith(QStringLiteral("Saved ")));
    QCOMPARE(webSocketFrames(file), (QStringList{frameRow(1, true, true, 8), frameRow(1, true, false, 8),
                                                 frameRow(8, true, true, 5), frameRow(8, true, false, 5)}));
    QCOMPARE(tshark({QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("http.request"), QStringLiteral("-T"),
                     QStringLiteral("fields"), QStringLiteral("-e"), QStringLiteral("http.request.uri")}),
             QByteArray("/echo?from=monitor\n"));

    // A file that cannot be written is said so, and the recording goes on.
    QTest::mouseClick(record, Qt::LeftButton);
    QTRY_COMPARE(panel->recorder()->state(), WatchRecorder::State::Recording);
    QSignalSpy failed(panel->recorder(), &WatchRecorder::failed);
    panel->recorder()->stopAndSave(dir.filePath(QStringLiteral("no/such/dir/x.pcapng")));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(panel->recorder()->state(), WatchRecorder::State::Recording);
    w->findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(4);
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

// The teaching actions, through their buttons, against a real (Qt) client: a message
// in frames, a ping and its pong, a faulty frame and the client's close.
void tst_Monitor::teachingActionsFromTheFramesTab()
{
    auto w = openWindow();
    QVERIFY(w);
    auto client = openClient(hostPort(w.get()));
    QVERIFY(client);
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    tabs->setCurrentIndex(1);
    QTRY_COMPARE(w->findChild<QTableView *>(QStringLiteral("clientsView"))->model()->rowCount(), 1);
    QVERIFY(selectClient(w.get(), client->localPort()));
    QTest::keyClick(w.get(), Qt::Key_I, Qt::ControlModifier);
    auto *session = w->findChild<QComboBox *>(QStringLiteral("teachSession"));
    QTRY_COMPARE(session->count(), 1);
    QTRY_VERIFY(w->findChild<QPushButton *>(QStringLiteral("teachSend"))->isEnabled());
    QTest::qWait(300);   // the watch reaches the host
    auto *frames = w->findChild<QTableView *>(QStringLiteral("framesView"));
    auto cell = [frames](int row, int column) { return frames->model()->index(row, column).data().toString(); };

    // A text message in three frames: the client gets one message.
    QSignalSpy texts(client.get(), &QWebSocket::textMessageReceived);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("teachSend")), Qt::LeftButton);
    QDialog *dialog = waitForDialog(w.get(), QStringLiteral("sendDialog"));
    QVERIFY(dialog);
    QTest::keyClicks(dialog->findChild<QPlainTextEdit *>(QStringLiteral("messageEdit")), QStringLiteral("abcdefghij"));
    dialog->findChild<QSpinBox *>(QStringLiteral("messageFrames"))->setValue(3);
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), QStringLiteral("abcdefghij"));
    QTRY_COMPARE(frames->model()->rowCount(), 3);
    QCOMPARE(cell(0, FramesModel::Fin), QStringLiteral("0"));
    QCOMPARE(cell(2, FramesModel::Fin), QStringLiteral("1"));
    QVERIFY(cell(2, FramesModel::Opcode).startsWith(QStringLiteral("0 continuation")));

    // A ping with a payload: Qt's client answers with the same payload.
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("teachPing")), Qt::LeftButton);
    QInputDialog *input = nullptr;
    QTRY_VERIFY((input = w->findChild<QInputDialog *>()) != nullptr);
    input->setTextValue(QStringLiteral("teacher's ping"));
    input->accept();
    QTRY_COMPARE(frames->model()->rowCount(), 5);
    QVERIFY(cell(3, FramesModel::Opcode).contains(QStringLiteral("ping")));
    QVERIFY(cell(4, FramesModel::Opcode).contains(QStringLiteral("pong")));
    QCOMPARE(cell(4, FramesModel::Payload), QStringLiteral("teacher's ping"));

    // A faulty frame: the client fails the connection with 1007.
    auto *fault = w->findChild<QComboBox *>(QStringLiteral("teachFault"));
    fault->setCurrentIndex(fault->findData(int(Protocol::Fault::InvalidUtf8)));
    QSignalSpy disconnected(client.get(), &QWebSocket::disconnected);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("teachSendFault")), Qt::LeftButton);
    QVERIFY(disconnected.wait(5000));
    QTRY_VERIFY(frames->model()->rowCount() >= 7);
    QVERIFY(cell(6, FramesModel::Opcode).contains(QStringLiteral("close")));
    QVERIFY(cell(6, FramesModel::Payload).startsWith(QStringLiteral("1007")));
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

namespace {

//! A wsplug-host process on \a port with \a token; true once it listens. Its output
//! so far goes to \a log.
bool startHostOn(QProcess &host, quint16 port, const QString &token, QByteArray *log = nullptr)
{
    host.setProcessChannelMode(QProcess::MergedChannels);
    return startHostProgram(host, QStringLiteral(WSPLUG_HOST_PROGRAM),
                            {QStringLiteral("--port"), QString::number(port), QStringLiteral("--plugin-dir"),
                             QStringLiteral(WSPLUG_PLUGIN_DIR), QStringLiteral("--admin-token"), token},
                            log) != 0;
}

//! RFC 4180 CSV, as tableexport.cpp writes it.
QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row << field;
            field.clear();
        } else if (c == QLatin1Char('\r')) {
            continue;
        } else if (c == QLatin1Char('\n')) {
            row << field;
            field.clear();
            rows << row;
            row.clear();
        } else {
            field += c;
        }
    }
    return rows;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

// A remote host killed while attached: at once the banner, the grey and no actions,
// with the last state still readable. Restarted with another token: said in words,
// and no more retries (the host's log gets no more 401s).
void tst_Monitor::aDeadRemoteHostIsShownStaleAndAnotherTokenStopsTheRetries()
{
    const quint16 port = freePort();
    QProcess host;
    QVERIFY(startHostOn(host, port, QStringLiteral("first-token-1")));
    auto user = openClient(port);
    QVERIFY(user);
    auto w = openWindow();
    QVERIFY(w);
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(port));
    w->switchToRemote(url, QStringLiteral("first-token-1"), MainWindow::EmbeddedChoice::Keep);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    tabs->setCurrentIndex(1);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 1);
    view->selectRow(0);
    auto *kick = w->findChild<QPushButton *>(QStringLiteral("kickActionButton"));
    auto *banner = w->findChild<QWidget *>(QStringLiteral("staleBanner"));
    auto *state = w->findChild<QLabel *>(QStringLiteral("stateLabel"));
    QVERIFY(kick->isEnabled());
    QVERIFY(!banner->isVisible());
    QVERIFY(!tabs->property("stale").toBool());
    auto *charts = w->findChild<ChartsPanel *>();
    QVERIFY(!charts->isGreyed());
    const QColor liveText = view->palette().color(QPalette::Text);

    host.kill();
    QVERIFY(host.waitForFinished(5000));
    QTRY_VERIFY(banner->isVisible());
    QVERIFY(w->client()->isStale());
    QVERIFY(tabs->property("stale").toBool());   // greyed: the table and the charts
    QVERIFY(view->palette().color(QPalette::Text) != liveText);
    QVERIFY(charts->isGreyed());
    QVERIFY(!kick->isEnabled());
    QVERIFY(!w->findChild<QAction *>(QStringLiteral("closeAction"))->isEnabled());
    QCOMPARE(view->model()->rowCount(), 1);   // the last known state, still readable
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("staleBannerText"))->text().contains(QStringLiteral("Not live since")));
    // Told apart: the refused retries say so, with the time to the next one.
    QTRY_VERIFY2(state->text().contains(QStringLiteral("connection refused")), qPrintable(state->text()));
    QTRY_VERIFY2(state->text().contains(QRegularExpression(QStringLiteral("retrying in \\d s"))), qPrintable(state->text()));

    QProcess restarted;
    QByteArray log;
    QVERIFY(startHostOn(restarted, port, QStringLiteral("second-token-2"), &log));
    QTRY_COMPARE_WITH_TIMEOUT(w->client()->state(), MonitorClient::State::Failed, 10000);
    const QString expected = QStringLiteral("token refused (401) — open the attach dialog to enter the new token");
    QVERIFY2(state->text().contains(expected), qPrintable(state->text()));
    QVERIFY2(!state->text().contains(QStringLiteral("QWebSocket")), qPrintable(state->text()));
    QVERIFY(banner->isVisible());
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("staleBannerText"))->text().contains(QStringLiteral("Retrying stopped")));
    QVERIFY(!kick->isEnabled());
    QCOMPARE(w->client()->retryInMs(), -1);
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
    // No more tries: the host's log gains no 401 over a few former retry periods.
    QTRY_VERIFY((log += restarted.readAll()).contains(" 401 "));
    const qsizetype refusals = log.count(" 401 ");
    QTest::qWait(2500);
    log += restarted.readAll();
    QCOMPARE(log.count(" 401 "), refusals);
    QCOMPARE(w->client()->state(), MonitorClient::State::Failed);

    // The right token: live again, the table rebuilt from the new host's snapshot.
    auto newcomer = openClient(port);
    QVERIFY(newcomer);
    w->switchToRemote(url, QStringLiteral("second-token-2"), MainWindow::EmbeddedChoice::Keep);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    QTRY_VERIFY(!banner->isVisible());
    QVERIFY(!tabs->property("stale").toBool());
    QVERIFY(!charts->isGreyed());
    QCOMPARE(view->palette().color(QPalette::Text), liveText);
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QVERIFY(view->model()->index(0, SessionsModel::Address).data().toString()
                .endsWith(QLatin1Char(':') + QString::number(newcomer->localPort())));
    restarted.terminate();
    QVERIFY(restarted.waitForFinished(5000));
}

// Attaching to a remote host does not shut the embedded one down unasked: kept (the
// default), its 20 clients stay connected and "Embedded host" goes back to them;
// only "Stop it" closes them, with 1001.
void tst_Monitor::attachingElsewhereKeepsTheEmbeddedHostsClientsUnlessToldToStop()
{
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    std::vector<std::unique_ptr<QWebSocket>> clients;
    std::vector<std::unique_ptr<QSignalSpy>> gone;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(openClient(hostPort(w.get())));
        QVERIFY(clients.back());
        gone.push_back(std::make_unique<QSignalSpy>(clients.back().get(), &QWebSocket::disconnected));
    }
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 20);
    HostConfig config = testConfig();
    config.adminToken = QStringLiteral("remote-secret");
    HostThread remote;
    QVERIFY(remote.start(config));
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1").arg(remote.serverPort()));

    w->attachToRemote(url, config.adminToken);
    auto *box = qobject_cast<QMessageBox *>(waitForDialog(w.get(), QStringLiteral("embeddedQuestion")));
    QVERIFY(box);
    QVERIFY(box->text().contains(QStringLiteral("20 client")));
    auto *keep = box->findChild<QPushButton *>(QStringLiteral("keepEmbeddedButton"));
    QCOMPARE(box->defaultButton(), keep);
    QTest::mouseClick(keep, Qt::LeftButton);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    QTRY_COMPARE(w->client()->hostInfo().port, remote.serverPort());
    QTRY_COMPARE(view->model()->rowCount(), 0);
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("hostLabel"))->text().contains(QStringLiteral("still runs")));
    // Still there, and still served.
    QSignalSpy echoed(clients.front().get(), &QWebSocket::textMessageReceived);
    clients.front()->sendTextMessage(QStringLiteral("still here"));
    QTRY_COMPARE(echoed.size(), 1);
    for (const auto &spy : gone)
        QCOMPARE(spy->size(), 0);

    // Back to it: its clients are all there.
    w->useEmbeddedHost();
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    QTRY_COMPARE(view->model()->rowCount(), 20);

    // Cancel changes nothing; "Stop it" gives every client 1001.
    w->attachToRemote(url, config.adminToken);
    box = qobject_cast<QMessageBox *>(waitForDialog(w.get(), QStringLiteral("embeddedQuestion")));
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("cancelButton")), Qt::LeftButton);
    QTRY_VERIFY(!w->findChild<QMessageBox *>(QStringLiteral("embeddedQuestion")));
    QVERIFY(w->embeddedHost());
    w->attachToRemote(url, config.adminToken);
    box = qobject_cast<QMessageBox *>(waitForDialog(w.get(), QStringLiteral("embeddedQuestion")));
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("stopEmbeddedButton")), Qt::LeftButton);
    for (size_t i = 0; i < clients.size(); ++i) {
        QTRY_COMPARE(gone[i]->size(), 1);
        QCOMPARE(int(clients[i]->closeCode()), 1001);
    }
    QTRY_COMPARE(w->client()->hostInfo().port, remote.serverPort());
}

// Closing the window with clients on the embedded host asks first; "Don't ask again"
// is remembered.
void tst_Monitor::closingTheWindowWithClientsAsksUnlessToldNotTo()
{
    QSettings().remove(QLatin1String(MainWindow::ConfirmCloseKey));
    auto w = openWindow();
    QVERIFY(w);
    auto client = openClient(hostPort(w.get()));
    QVERIFY(client);
    QSignalSpy disconnected(client.get(), &QWebSocket::disconnected);

    QVERIFY(!w->close());
    auto *box = qobject_cast<QMessageBox *>(waitForDialog(w.get(), QStringLiteral("closeQuestion")));
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("cancelButton")), Qt::LeftButton);
    QTRY_VERIFY(!w->findChild<QMessageBox *>(QStringLiteral("closeQuestion")));
    QVERIFY(w->isVisible());
    QVERIFY(w->embeddedHost());

    QVERIFY(!w->close());
    box = qobject_cast<QMessageBox *>(waitForDialog(w.get(), QStringLiteral("closeQuestion")));
    QVERIFY(box);
    QTest::mouseClick(box->findChild<QCheckBox *>(QStringLiteral("dontAskAgain")), Qt::LeftButton);
    QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("closeAnywayButton")), Qt::LeftButton);
    QTRY_VERIFY(!w->isVisible());
    QCOMPARE(QSettings().value(QLatin1String(MainWindow::ConfirmCloseKey)).toBool(), false);
    w.reset();
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(int(client->closeCode()), 1001);

    // Not asked again.
    w = openWindow();
    QVERIFY(w);
    auto another = openClient(hostPort(w.get()));
    QVERIFY(another);
    QVERIFY(w->close());
    QSettings().remove(QLatin1String(MainWindow::ConfirmCloseKey));
}

// SIGTERM to wsplug-monitor stops its embedded host as wsplug-host does: 1001.
void tst_Monitor::sigtermToTheMonitorGivesItsClients1001()
{
    const quint16 port = freePort();
    QProcess monitor;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    monitor.setProcessEnvironment(env);
    monitor.start(QStringLiteral(WSPLUG_MONITOR_PROGRAM),
                  {QStringLiteral("--port"), QString::number(port), QStringLiteral("--plugin-dir"),
                   QStringLiteral(WSPLUG_PLUGIN_DIR)});
    QVERIFY(monitor.waitForStarted(5000));
    QWebSocket client;
    QVERIFY(QTest::qWaitFor([&] {
        if (client.state() == QAbstractSocket::UnconnectedState)
            client.open(wsUrl(port, QStringLiteral("/echo")));
        return client.state() == QAbstractSocket::ConnectedState;
    }, 10000));
    QSignalSpy disconnected(&client, &QWebSocket::disconnected);
    monitor.terminate();   // SIGTERM
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, 5000);
    QCOMPARE(int(client.closeCode()), 1001);
    QVERIFY2(monitor.state() == QProcess::NotRunning || monitor.waitForFinished(5000),
             monitor.readAllStandardError().constData());
    QCOMPARE(monitor.exitStatus(), QProcess::NormalExit);
    QCOMPARE(monitor.exitCode(), 0);
}

// The sessions, the handshake log and the disconnect history export as CSV and JSON
// that parse back to exactly the rows the tables show; a chart exports as a PNG.
void tst_Monitor::exportsParseBackToWhatTheTablesShow()
{
    auto w = openWindow();
    QVERIFY(w);
    auto a = openClient(hostPort(w.get()), QStringLiteral("/echo?class=\"7b\",room=2"));
    auto b = openClient(hostPort(w.get()), QStringLiteral("/chat"));
    auto c = openClient(hostPort(w.get()));
    QVERIFY(a && b && c);
    c->close(QWebSocketProtocol::CloseCode(4001), QStringLiteral("done, \"bye\""));
    auto *sessions = w->findChild<QTableView *>(QStringLiteral("clientsView"))->model();
    auto *closes = w->findChild<QTableView *>(QStringLiteral("closesView"))->model();
    auto *handshakes = w->findChild<QTableView *>(QStringLiteral("handshakesView"))->model();
    QTRY_COMPARE(sessions->rowCount(), 2);
    QTRY_COMPARE(closes->rowCount(), 1);
    QTRY_VERIFY(handshakes->rowCount() >= 3);
    // The clock moves "connected for": compare against a still table.
    w->client()->detach();
    QVERIFY(w->client()->state() == MonitorClient::State::Detached);
    QTRY_COMPARE(sessions->rowCount(), 0);
    QCOMPARE(closes->rowCount(), 0);
    // Detaching empties the tables; attach again and take them as shown then.
    w->useEmbeddedHost();
    QTRY_COMPARE(sessions->rowCount(), 2);
    QTRY_VERIFY(handshakes->rowCount() >= 3);
    c.reset();
    a->close(QWebSocketProtocol::CloseCode(4002), QStringLiteral("done, \"bye\""));
    QTRY_COMPARE(closes->rowCount(), 1);
    QTRY_COMPARE(sessions->rowCount(), 1);

    QTemporaryDir dir;
    const struct
    {
        MainWindow::Table table;
        QAbstractItemModel *model;
    } tables[] = {{MainWindow::Table::Sessions, sessions}, {MainWindow::Table::Handshakes, handshakes},
                  {MainWindow::Table::Closes, closes}};
    for (const auto &t : tables) {
        const QString csv = dir.filePath(QStringLiteral("t%1.csv").arg(int(t.table)));
        const QString json = dir.filePath(QStringLiteral("t%1.json").arg(int(t.table)));
        QString error;
        QVERIFY2(w->exportTable(t.table, csv, &error), qPrintable(error));
        QVERIFY2(w->exportTable(t.table, json, &error), qPrintable(error));
        const QList<QStringList> rows = parseCsv(QString::fromUtf8(readAll(csv)));
        const QJsonArray array = QJsonDocument::fromJson(readAll(json)).array();
        QCOMPARE(rows.size(), t.model->rowCount() + 1);
        QCOMPARE(array.size(), t.model->rowCount());
        QVERIFY(t.model->rowCount() > 0);
        for (int col = 0; col < t.model->columnCount(); ++col)
            QCOMPARE(rows[0].value(col), t.model->headerData(col, Qt::Horizontal).toString());
        for (int r = 0; r < t.model->rowCount(); ++r) {
            QCOMPARE(rows[r + 1].size(), t.model->columnCount());
            for (int col = 0; col < t.model->columnCount(); ++col) {
                const QString shown = t.model->index(r, col).data().toString();
                const QString header = t.model->headerData(col, Qt::Horizontal).toString();
                if (t.table == MainWindow::Table::Sessions
                    && (col == SessionsModel::ConnectedFor || col == SessionsModel::LastActivity))
                    continue;   // relative to now: may move on between the export and here
                QCOMPARE(rows[r + 1][col], shown);
                QCOMPARE(array[r].toObject().value(header).toString(), shown);
            }
        }
    }
    // The quoted cells came back whole.
    QVERIFY(QString::fromUtf8(readAll(dir.filePath(QStringLiteral("t2.csv")))).contains(QStringLiteral("\"done, \"\"bye\"\"\"")));

    const QString png = dir.filePath(QStringLiteral("connections.png"));
    QVERIFY(w->exportChart(QStringLiteral("connections"), png));
    const QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 280 && image.height() >= 180);
    QVERIFY(!w->exportChart(QStringLiteral("no such chart"), dir.filePath(QStringLiteral("x.png"))));
}

// A double-click on a client row: all counters, its handshake's headers, its
// subprotocol; and how it ended, once it has.
void tst_Monitor::doubleClickShowsEverythingAboutASession()
{
    auto w = openWindow();
    QVERIFY(w);
    QWebSocket client;
    QWebSocketHandshakeOptions options;
    options.setSubprotocols({QStringLiteral("wsplug.chat.v1")});
    QNetworkRequest request(wsUrl(hostPort(w.get()), QStringLiteral("/chat?room=detail")));
    request.setRawHeader("X-Classroom", "B12");
    client.open(request, options);
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    client.sendTextMessage(QStringLiteral("hello"));
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    tabs->setCurrentIndex(1);
    auto *view = w->findChild<QTableView *>(QStringLiteral("clientsView"));
    QTRY_COMPARE(view->model()->rowCount(), 1);
    QTRY_VERIFY(view->model()->index(0, SessionsModel::MessagesIn).data().toString() == QStringLiteral("1"));
    const QRect rect = view->visualRect(view->model()->index(0, SessionsModel::Address));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    auto *dialog = qobject_cast<SessionDialog *>(waitForDialog(w.get(), QStringLiteral("sessionDialog")));
    QVERIFY(dialog);
    QTRY_VERIFY2(dialog->text().contains(QStringLiteral("X-Classroom: B12")), qPrintable(dialog->text()));
    QVERIFY(dialog->text().contains(QStringLiteral("Sec-WebSocket-Key")));
    QVERIFY(dialog->text().contains(QStringLiteral("wsplug.chat.v1")));
    QVERIFY(dialog->text().contains(QStringLiteral("/chat?room=detail")));
    QVERIFY(dialog->text().contains(QStringLiteral("1 messages (1 text, 0 binary)")));
    QVERIFY(dialog->text().contains(QStringLiteral("Ping RTT")));

    client.close(QWebSocketProtocol::CloseCode(4001), QStringLiteral("class is over"));
    QTRY_VERIFY2(dialog->text().contains(QStringLiteral("Close code")), qPrintable(dialog->text()));
    QVERIFY(dialog->text().contains(QStringLiteral("4001")));
    QVERIFY(dialog->text().contains(QStringLiteral("class is over")));
    QVERIFY(dialog->text().contains(QStringLiteral("client")));
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        dialog->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

// "By address": sessions and refused handshakes per client address, to find who hits
// the per-address limit; a click narrows the table to that address.
void tst_Monitor::byAddressCountsSessionsAndRefusalsPerAddress()
{
    MonitorOptions options;
    options.hostConfig = testConfig();
    options.hostConfig.statsTickMs = 100;
    options.hostConfig.maxConnectionsPerIp = 2;
    MainWindow w(options);
    w.show();
    QTRY_COMPARE(w.client()->state(), MonitorClient::State::Attached);
    const quint16 port = w.embeddedHost()->serverPort();
    auto a = openClient(port);
    auto b = openClient(port);
    QVERIFY(a && b);
    QTcpSocket refused;
    QVERIFY(connectRaw(refused, port));
    refused.write(handshakeRequest(QStringLiteral("/echo")));
    QCOMPARE(statusCode(readResponseHead(refused)), 429);

    w.findChild<QTabWidget *>(QStringLiteral("tabs"))->setCurrentIndex(1);
    auto *button = w.findChild<QToolButton *>(QStringLiteral("byAddressButton"));
    QTest::mouseClick(button, Qt::LeftButton);
    auto *addresses = w.findChild<QTableWidget *>(QStringLiteral("addressesView"));
    QVERIFY(addresses->isVisible());
    QTRY_COMPARE(addresses->rowCount(), 1);
    QTRY_COMPARE(addresses->item(0, 1)->text(), QStringLiteral("2"));
    QTRY_VERIFY(addresses->item(0, 2)->data(Qt::DisplayRole).toInt() >= 1);
    QCOMPARE(addresses->item(0, 0)->text(), QStringLiteral("127.0.0.1"));
    QTest::mouseClick(addresses->viewport(), Qt::LeftButton, {}, addresses->visualItemRect(addresses->item(0, 0)).center());
    QCOMPARE(w.findChild<QLineEdit *>(QStringLiteral("clientFilter"))->text(), QStringLiteral("127.0.0.1:"));
    QCOMPARE(w.findChild<QTableView *>(QStringLiteral("clientsView"))->model()->rowCount(), 2);
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w.grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

// A host that goes silent (a paused process, a pulled cable) sends no FIN: without a
// watchdog its last state would pass for live forever. Both a handshake never answered
// and a connection gone quiet are network timeouts, in words.
void tst_Monitor::aSilentHostIsANetworkTimeout()
{
    QTcpServer mute;   // accepts, never answers
    QVERIFY(mute.listen(QHostAddress::LocalHost, 0));
    MonitorClient client;
    client.setTimeouts(300, 1000);
    client.attach(QUrl(QStringLiteral("ws://127.0.0.1:%1/_admin?token=whatever").arg(mute.serverPort())));
    QTRY_COMPARE(client.state(), MonitorClient::State::Reconnecting);
    QVERIFY2(client.lastError().contains(QStringLiteral("no answer from 127.0.0.1:%1 within 0.3 s (network timeout)")
                                             .arg(mute.serverPort())), qPrintable(client.lastError()));
    client.detach();

    const quint16 port = freePort();
    QProcess host;
    QVERIFY(startHostOn(host, port, QStringLiteral("silent-token-1")));
    auto w = openWindow();
    QVERIFY(w);
    w->client()->setTimeouts(3000, 1000);
    w->switchToRemote(QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port)), QStringLiteral("silent-token-1"),
                      MainWindow::EmbeddedChoice::Keep);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    auto *banner = w->findChild<QWidget *>(QStringLiteral("staleBanner"));
    QVERIFY(!banner->isVisible());
    const auto pid = pid_t(host.processId());
    ::kill(pid, SIGSTOP);
    auto resume = qScopeGuard([pid] { ::kill(pid, SIGCONT); });
    QTRY_VERIFY(banner->isVisible());
    QVERIFY2(w->client()->lastError().contains(QStringLiteral("no news from the host for 1 s (network timeout)")),
             qPrintable(w->client()->lastError()));
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("stateLabel"))->text().contains(QStringLiteral("network timeout")));
    resume.dismiss();
    ::kill(pid, SIGCONT);
    QTRY_COMPARE_WITH_TIMEOUT(w->client()->state(), MonitorClient::State::Attached, 10000);
    QTRY_VERIFY(!banner->isVisible());
    host.terminate();
    QVERIFY(host.waitForFinished(5000));
}

// Hot plugins from the Plugins tab: reload one, unload another (asked first), each
// event listed, the tables following.
void tst_Monitor::pluginsTabReloadsUnloadsAndShowsEvents()
{
    auto w = openWindow();
    QVERIFY(w);
    QTRY_COMPARE(w->client()->state(), MonitorClient::State::Attached);
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    auto *table = w->findChild<QTableWidget *>(QStringLiteral("pluginsTable"));
    tabs->setCurrentWidget(table->parentWidget());
    auto rowOf = [table](const QString &id) {
        for (int row = 0; row < table->rowCount(); ++row) {
            if (table->item(row, 0)->text() == id)
                return row;
        }
        return -1;
    };
    QTRY_VERIFY(rowOf(QStringLiteral("echo")) >= 0);
    auto *events = w->findChild<QListWidget *>(QStringLiteral("pluginEvents"));
    auto eventText = [events] {
        QStringList lines;
        for (int i = 0; i < events->count(); ++i)
            lines << events->item(i)->text();
        return lines.join(QLatin1Char('\n'));
    };

    table->selectRow(rowOf(QStringLiteral("echo")));
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("reloadPluginButton")), Qt::LeftButton);
    QTRY_VERIFY(eventText().contains(QStringLiteral("reloaded echo")));
    auto echo = openClient(hostPort(w.get()));
    QVERIFY(echo);   // the new build serves

    const int chatRow = rowOf(QStringLiteral("chat"));
    QVERIFY(chatRow >= 0);
    table->selectRow(chatRow);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("unloadPluginButton")), Qt::LeftButton);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = w->findChild<QMessageBox *>(QStringLiteral("unloadPluginQuestion"))) != nullptr);
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_VERIFY(eventText().contains(QStringLiteral("unloaded chat")));
    QTRY_COMPARE(rowOf(QStringLiteral("chat")), -1);
    QCOMPARE(statusCode(rawRequest(hostPort(w.get()), handshakeRequest(QStringLiteral("/chat")))), 404);
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG"))
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
}

// Issue 13: a class reads the monitor on a 1024x768 projector in presentation mode.
// Every tab fits (nothing pushed off screen), and a handful of close frames beside
// hundreds of text frames still shows as a bar (the axis turns logarithmic).
void tst_Monitor::presentationFitsA1024By768ProjectorAndShowsSmallCounts()
{
    auto w = openWindow();
    QVERIFY(w);
    QTest::keyClick(w.get(), Qt::Key_F5);
    QVERIFY(w->findChild<QAction *>(QStringLiteral("presentationAction"))->isChecked());
    auto *tabs = w->findChild<QTabWidget *>(QStringLiteral("tabs"));
    for (int i = 0; i < tabs->count(); ++i) {
        const QSize min = tabs->widget(i)->minimumSizeHint();
        QVERIFY2(min.width() <= 1000 && min.height() <= 600,
                 qPrintable(QStringLiteral("tab %1 needs %2x%3").arg(tabs->tabText(i)).arg(min.width()).arg(min.height())));
    }
    const QSize window = w->minimumSizeHint();
    QVERIFY2(window.width() <= 1024 && window.height() <= 768,
             qPrintable(QStringLiteral("window needs %1x%2").arg(window.width()).arg(window.height())));

    auto client = openClient(hostPort(w.get()));
    QVERIFY(client);
    QSignalSpy echoed(client.get(), &QWebSocket::textMessageReceived);
    for (int i = 0; i < 300; ++i)
        client->sendTextMessage(QStringLiteral("m"));
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), 300, 10000);
    client->close();
    auto *charts = w->findChild<ChartsPanel *>();
    QVERIFY(charts);
    QTRY_VERIFY_WITH_TIMEOUT(charts->breakdownLogScales().at(0), 5000);
    w->resize(1024, 768);
    if (qEnvironmentVariableIsSet("WSPLUG_MONITOR_PNG")) {
        QTest::qWait(500);
        w->grab().save(qEnvironmentVariable("WSPLUG_MONITOR_PNG"), "PNG");
    }
}

// Issue 19: a session's round trips as the ticks brought them, kept by the table (so the
// detail dialog shows the history from before it opened), bounded, gone with the session.
void tst_Monitor::rttHistoryIsKeptPerSessionFromTheTicks()
{
    SessionsModel model;
    SessionSnapshot s;
    s.id = 7;
    s.pingRttMs = 3;
    model.reset({s});
    auto update = [&model](qint64 rtt) {
        SessionSnapshot next;
        next.id = 7;
        next.pingRttMs = rtt;
        model.applyUpdates({Protocol::CounterUpdate::of(next)});
    };
    update(5);
    update(5);   // the same pong again: not a new round trip
    update(9);
    QCOMPARE(model.rttHistory(7), (QList<qint64>{3, 5, 9}));
    for (int i = 0; i < 50; ++i)
        update(100 + i);
    QCOMPARE(model.rttHistory(7).size(), SessionsModel::MaxRttHistory);
    QCOMPARE(model.rttHistory(7).last(), qint64(149));
    model.remove({7});
    QVERIFY(model.rttHistory(7).isEmpty());
}

void tst_Monitor::clientsTableShowsTheTransport()
{
    // Engine.IO sessions (docs/fallback.md) say what carries them, an upgrade when.
    SessionsModel model;
    SessionSnapshot ws;
    ws.id = 1;
    SessionSnapshot upgraded;
    upgraded.id = 2;
    upgraded.transport = QStringLiteral("polling→websocket");
    upgraded.upgradedAt = QDateTime::currentDateTimeUtc();
    model.reset({ws, upgraded});
    QCOMPARE(model.headerData(SessionsModel::Transport, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Transport"));
    QCOMPARE(model.index(0, SessionsModel::Transport).data().toString(), QStringLiteral("websocket"));
    const QString shown = model.index(1, SessionsModel::Transport).data().toString();
    QVERIFY2(shown.startsWith(QStringLiteral("polling→websocket (at ")), qPrintable(shown));
    QCOMPARE(model.index(1, SessionsModel::Transport).data(SessionsModel::SortRole).toString(),
             QStringLiteral("polling→websocket"));
}

QTEST_MAIN(tst_Monitor)
#include "tst_monitor.moc"
