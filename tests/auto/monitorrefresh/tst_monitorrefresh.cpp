// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Issue 20, item 3: the monitor draws less (charts at most once a second, nothing on a
// hidden tab, one model signal per tick), but never shows less. These tests check what
// is shown, not how long it took.

#include "charts/chartspanel.h"
#include "embeddedhost.h"
#include "mainwindow.h"
#include "monitorclient.h"
#include "monitoroptions.h"

#include "testsupport.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QTabWidget>
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

} // namespace

class tst_MonitorRefresh : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chartsShowEverySampleOfARedraw();
    void chartsKeepTheirWindowWhenARedrawBringsMany();
    void aHiddenDashboardCatchesUpWhenShown();
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

QTEST_MAIN(tst_MonitorRefresh)
#include "tst_monitorrefresh.moc"
