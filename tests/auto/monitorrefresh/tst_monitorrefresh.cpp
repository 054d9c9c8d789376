// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Issue 20, item 3: the monitor draws less (charts at most once a second, nothing on a
// hidden tab, one model signal per tick), but never shows less. These tests check what
// is shown, not how long it took.

#include "charts/chartspanel.h"
#include "embeddedhost.h"
#include "mainwindow.h"
#include "messagedecoder.h"
#include "monitorclient.h"
#include "monitoroptions.h"
#include "sessionsmodel.h"

#include "testsupport.h"

#include <QChart>
#include <QChartView>
#include <QJsonArray>
#include <QLineSeries>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

RateSample sample(qint64 timeMs, int connections, double messagesIn)
{
    RateSample s;
    s.timeMs = timeMs;
    s.connections = connections;
    s.messagesIn = messagesIn;
    s.messagesOut = messagesIn;
    return s;
}

//! The newest point of the named chart's series called \a series.
QPointF lastPoint(QWidget *w, const QString &chart, const QString &series)
{
    auto *view = w->findChild<QChartView *>(chart + QStringLiteral("Chart"));
    if (!view)
        return {};
    for (QAbstractSeries *s : view->chart()->series()) {
        auto *line = qobject_cast<QLineSeries *>(s);
        if (line && line->name() == series && line->count() > 0)
            return line->at(line->count() - 1);
    }
    return {};
}

SessionSnapshot session(SessionId id)
{
    SessionSnapshot s;
    s.id = id;
    s.peerAddress = QStringLiteral("127.0.0.1");
    s.peerPort = quint16(10000 + id);
    s.route = QStringLiteral("/echo");
    s.connectedAt = QDateTime::currentDateTimeUtc();
    s.lastActivity = s.connectedAt;
    return s;
}

} // namespace

class tst_MonitorRefresh : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chartsShowEverySampleOfARedraw();
    void chartsKeepTheirWindowWhenARedrawBringsMany();
    void aHiddenDashboardCatchesUpWhenShown();
    void oneTickOfOpensAndClosesEndsInItsRows();
    void aFreshListSignalsOnlyTheCellsThatChanged();
    void aSessionListIsDecodedWithItsSessionsOnlyForTheListCommand();
};

void tst_MonitorRefresh::chartsShowEverySampleOfARedraw()
{
    ChartsPanel charts;
    charts.resize(900, 600);
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&charts));
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 30; ++i)
        charts.addSample(sample(t0 + i * 250, i, 100.0 * i));
    // Drawn together, at most a second later, or as soon as something reads them.
    QCOMPARE(charts.pointCount(QStringLiteral("messages")), 2 * 30);
    QCOMPARE(charts.pointCount(QStringLiteral("connections")), 30);
    QCOMPARE(lastPoint(&charts, QStringLiteral("messages"), QStringLiteral("in")), QPointF(double(t0 + 29 * 250), 2900));
    QVERIFY(charts.axisTops().at(2) >= 2900);
    auto *messages = charts.findChild<QChartView *>(QStringLiteral("messagesChart"));
    QVERIFY2(messages->chart()->title().contains(QStringLiteral("in 2.9k")), qPrintable(messages->chart()->title()));

    // The next sample without a read: the timer draws it.
    charts.addSample(sample(t0 + 30 * 250, 30, 3000));
    QTRY_COMPARE(lastPoint(&charts, QStringLiteral("connections"), QStringLiteral("total")).y(), 30.0);
}

void tst_MonitorRefresh::chartsKeepTheirWindowWhenARedrawBringsMany()
{
    ChartsPanel charts;
    charts.setWindowSeconds(60);
    const qint64 t0 = 1'800'000'000'000;
    for (int i = 0; i < 100; ++i)
        charts.addSample(sample(t0 + i * 1000, 1, 1));
    // The last 60 s (39..99) and one point before them, so that the line enters from the edge.
    QCOMPARE(charts.pointCount(QStringLiteral("connections")), 62);
    QCOMPARE(charts.pointCount(QStringLiteral("messages")), 2 * 62);

    // A history set at once ends where the same samples one by one end.
    std::deque<RateSample> history;
    for (int i = 0; i < 100; ++i)
        history.push_back(sample(t0 + i * 1000, 2, 1));
    charts.setHistory(history);
    QCOMPARE(charts.pointCount(QStringLiteral("connections")), 62);
    QCOMPARE(lastPoint(&charts, QStringLiteral("connections"), QStringLiteral("total")), QPointF(double(t0 + 99'000), 2));
}

void tst_MonitorRefresh::aHiddenDashboardCatchesUpWhenShown()
{
    MonitorOptions options;
    options.hostConfig = testConfig();
    options.hostConfig.statsTickMs = 100;
    MainWindow w(options);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_COMPARE_WITH_TIMEOUT(w.client()->state(), MonitorClient::State::Attached, 10000);
    auto *tabs = w.findChild<QTabWidget *>(QStringLiteral("tabs"));
    QVERIFY(tabs);
    QTRY_VERIFY(lastPoint(&w, QStringLiteral("connections"), QStringLiteral("total")).x() > 0);

    tabs->setCurrentIndex(1);   // Clients
    const QPointF hiddenAt = lastPoint(&w, QStringLiteral("connections"), QStringLiteral("total"));
    QWebSocket client;
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/echo").arg(w.embeddedHost()->serverPort())));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    QTRY_VERIFY(!w.client()->history().empty() && w.client()->history().back().connections == 1
                && w.client()->history().back().timeMs > qint64(hiddenAt.x()) + 500);
    // Hidden, the charts did no work...
    QCOMPARE(lastPoint(&w, QStringLiteral("connections"), QStringLiteral("total")), hiddenAt);

    // ...but an export from here shows what is current,
    QTemporaryDir dir;
    QVERIFY(w.exportChart(QStringLiteral("connections"), dir.filePath(QStringLiteral("c.png"))));
    const RateSample &exported = w.client()->history().back();
    QCOMPARE(lastPoint(&w, QStringLiteral("connections"), QStringLiteral("total")).x(), double(exported.timeMs));

    // ...and so does the tab once shown, with the samples missed in between.
    QTRY_VERIFY(w.client()->history().back().timeMs > exported.timeMs);
    tabs->setCurrentIndex(0);
    const RateSample &latest = w.client()->history().back();
    QCOMPARE(lastPoint(&w, QStringLiteral("connections"), QStringLiteral("total")),
             QPointF(double(latest.timeMs), latest.connections));
    auto *charts = w.findChild<ChartsPanel *>(QStringLiteral("charts"));
    int inWindow = 0;
    for (const RateSample &s : w.client()->history())
        inWindow += s.timeMs >= latest.timeMs - 60'000 ? 1 : 0;
    QVERIFY(charts->pointCount(QStringLiteral("connections")) >= inWindow);
}

void tst_MonitorRefresh::oneTickOfOpensAndClosesEndsInItsRows()
{
    SessionsModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SessionsModel::SortRole);
    QTableView view;
    view.setModel(&proxy);
    view.setSortingEnabled(true);
    view.sortByColumn(SessionsModel::Id, Qt::AscendingOrder);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    QList<SessionSnapshot> first;
    for (SessionId id = 1; id <= 100; ++id)
        first.append(session(id));
    model.reset(first);
    view.selectRow(int(proxy.mapFromSource(model.index(model.rowOf(60), 0)).row()));

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    // One tick: 300 opened, 150 closed (among them old ones, and new ones of the same tick),
    // counters of 40 sessions.
    QList<SessionSnapshot> opened;
    for (SessionId id = 101; id <= 400; ++id)
        opened.append(session(id));
    QList<SessionId> closed;
    for (SessionId id = 1; id <= 50; ++id)
        closed.append(id);
    for (SessionId id = 301; id <= 400; ++id)
        closed.append(id);
    QList<Protocol::CounterUpdate> updates;
    for (SessionId id = 51; id <= 90; ++id) {
        Protocol::CounterUpdate u = Protocol::CounterUpdate::of(session(id));
        u.messagesIn = quint64(id);
        updates.append(u);
    }
    model.add(opened);
    model.applyUpdates(updates);
    model.remove(closed);

    QCOMPARE(inserted.size(), 1);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(proxy.rowCount(), 250);
    for (int row = 0; row < proxy.rowCount(); ++row)
        QCOMPARE(proxy.index(row, SessionsModel::Id).data(SessionsModel::IdRole).value<SessionId>(), SessionId(51 + row));
    const QModelIndex sixty = proxy.index(9, SessionsModel::MessagesIn);
    QCOMPARE(sixty.data(SessionsModel::SortRole).toULongLong(), 60u);
    // The selection stayed with its session.
    const QModelIndexList selected = view.selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(SessionsModel::IdRole).value<SessionId>(), SessionId(60));
}

void tst_MonitorRefresh::aFreshListSignalsOnlyTheCellsThatChanged()
{
    SessionsModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(SessionsModel::SortRole);
    proxy.sort(SessionsModel::Id);
    QList<SessionSnapshot> list;
    for (SessionId id = 1; id <= 1000; ++id)
        list.append(session(id));
    model.reset(list);
    const QPersistentModelIndex selected = proxy.index(499, 0);   // session 500

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.sync(list);   // the same list again: nothing to redraw
    QCOMPARE(changed.size(), 0);

    list[9].in.messages = 5;                                   // session 10
    list[899].lastActivity = list[899].lastActivity.addSecs(3);   // session 900
    list.removeAt(0);
    list.append(session(1001));
    model.sync(list);
    QCOMPARE(changed.size(), 1);
    const QModelIndex from = changed.first().at(0).toModelIndex();
    const QModelIndex to = changed.first().at(1).toModelIndex();
    QCOMPARE(from.column(), int(SessionsModel::MessagesIn));
    QCOMPARE(to.column(), int(SessionsModel::LastActivity));
    QCOMPARE(model.data(model.index(model.rowOf(10), SessionsModel::MessagesIn), SessionsModel::SortRole).toULongLong(), 5u);
    // No sort column changed: the proxy kept its order and the selection its session.
    QCOMPARE(proxy.rowCount(), 1000);
    for (int row = 0; row < proxy.rowCount(); ++row)
        QCOMPARE(proxy.index(row, 0).data(SessionsModel::IdRole).value<SessionId>(), SessionId(row + 2));
    QCOMPARE(selected.data(SessionsModel::IdRole).value<SessionId>(), SessionId(500));
}

void tst_MonitorRefresh::aSessionListIsDecodedWithItsSessionsOnlyForTheListCommand()
{
    // The decoder runs off the GUI thread for large messages: it takes no state but the
    // number of the list command in flight.
    QJsonArray list;
    for (SessionId id = 1; id <= 3; ++id)
        list.append(Protocol::toJson(session(id)));
    const QString text = QString::fromUtf8(Protocol::replyOk(42, list));
    const DecodedMessage listed = decodeMessage(text, 42);
    QCOMPARE(listed.type, Protocol::MessageType::Reply);
    QVERIFY(listed.hasSessions);
    QCOMPARE(listed.sessions.size(), 3);
    QCOMPARE(listed.sessions.at(2).id, SessionId(3));
    const DecodedMessage other = decodeMessage(text, 41);
    QCOMPARE(other.reply.id, 42);
    QVERIFY(!other.hasSessions);
    QCOMPARE(decodeMessage(QStringLiteral("{\"type\":\"news\"}"), 0).type, Protocol::MessageType::Unknown);
}

QTEST_MAIN(tst_MonitorRefresh)
#include "tst_monitorrefresh.moc"
