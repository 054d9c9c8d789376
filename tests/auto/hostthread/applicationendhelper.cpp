// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// A program that ends while its host is still closing a session that never answers the
// close; run by tst_HostThread::applicationEndStopsADrainLeftRunning. Its argument says
// how the host was left:
//   wait       handed to deleteWhenStopped(), waitForBackgroundStops() after exec()
//   forgotten  handed to deleteWhenStopped(), nothing after exec()
//   child      a running HostThread the application object owns, never stopped

#include <wsplug/hostthread.h>

#include "testsupport.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString mode = app.arguments().value(1);
    WsPlug::HostConfig config = WsPlug::Test::testConfig();
    config.shutdownGraceMs = 1000;
    auto *thread = new WsPlug::HostThread(mode == QLatin1String("child") ? &app : nullptr);
    QString error;
    if (!thread->start(config, &error)) {
        std::fprintf(stderr, "cannot start: %s\n", qPrintable(error));
        return 2;
    }
    // Never deleted: closing it would end the session, and with it the drain. Held by a
    // global so that LeakSanitizer sees it as reachable, not leaked.
    static QTcpSocket *deaf = nullptr;
    deaf = new QTcpSocket;
    if (!WsPlug::Test::upgradeRaw(*deaf, thread->serverPort(), QStringLiteral("/echo")))
        return 3;
    if (mode != QLatin1String("child"))
        thread->deleteWhenStopped();
    QTimer::singleShot(0, &app, &QCoreApplication::quit);
    const int code = app.exec();
    if (mode == QLatin1String("wait"))
        WsPlug::HostThread::waitForBackgroundStops();
    std::printf("leaving main\n");
    std::fflush(stdout);
    return code;
}
