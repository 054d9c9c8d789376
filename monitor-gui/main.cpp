// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// wsplug-monitor: watch and steer a wsplug host. Starts an embedded host by default.

#include "embeddedhost.h"
#include "latencyprobe.h"
#include "mainwindow.h"
#include "monitorclient.h"
#include "monitoroptions.h"

#include <wsplug/hostoptions.h>
#include <wsplug/stopsignals.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QSslCertificate>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <memory>


namespace {
[[noreturn]] void fail(const QString &message, int code = 2)
{
    WsPlug::exitWithError(message, code);
}

//! Whether a window can be shown: a platform was chosen, or an X or Wayland display is set.
bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}
} // namespace

int main(int argc, char *argv[])
{
    // Without a display Qt's xcb plugin would abort (a core dump, even for --help): the
    // options are read with a core application then, and a start says what to do instead.
    const bool display = hasDisplay();
    std::unique_ptr<QCoreApplication> application(display ? new QApplication(argc, argv)
                                                          : new QCoreApplication(argc, argv));
    QCoreApplication &app = *application;
    QApplication::setApplicationName(QStringLiteral("wsplug-monitor"));
    QApplication::setOrganizationName(QStringLiteral("wsplug"));
    QApplication::setApplicationVersion(QStringLiteral(WSPLUG_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Watch a wsplug WebSocket host: connections, frames, handshakes; close or kick clients.\n"
        "By default it starts an embedded host with the bundled plugins and attaches to it."));
    parser.addHelpOption();
    parser.addVersionOption();
    // The embedded host takes wsplug-host's own options (one table, HostOptions): --port
    // (a free one if it is taken), --address (0.0.0.0 lets a class connect), --config,
    // every limit. Its defaults suit a window: a short shutdown grace, pings every 5 s.
    WsPlug::HostConfig embeddedDefaults;
    embeddedDefaults.shutdownGraceMs = 1000;   // closing the window should not linger
    embeddedDefaults.pingIntervalMs = 5000;    // ping RTTs show up soon in a classroom
    const WsPlug::HostOptions hostOptions(embeddedDefaults);
    hostOptions.addTo(parser);
    const QCommandLineOption remoteOption(QStringLiteral("remote"),
        QStringLiteral("Attach to this host instead, e.g. ws://10.0.0.5:8765 (with --token)."), QStringLiteral("url"));
    const QCommandLineOption tokenOption(QStringLiteral("token"),
        QStringLiteral("Admin token of the remote host."), QStringLiteral("token"));
    const QCommandLineOption caFileOption(QStringLiteral("ca-file"),
        QStringLiteral("For a wss:// --remote: trust the CA in this PEM file too."), QStringLiteral("file"));
    const QCommandLineOption presentationOption(QStringLiteral("presentation"),
        QStringLiteral("Start in presentation mode (large fonts)."));
    const QCommandLineOption demoOption(QStringLiteral("demo"),
        QStringLiteral("Start demo traffic on the embedded host."));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
        QStringLiteral("Render the window to this PNG once attached (after --screenshot-delay ms) and exit."),
        QStringLiteral("file"));
    const QCommandLineOption delayOption(QStringLiteral("screenshot-delay"),
        QStringLiteral("Milliseconds to wait before the screenshot (default 3000)."), QStringLiteral("ms"));
    const QCommandLineOption tabOption(QStringLiteral("tab"),
        QStringLiteral("Open this tab: dashboard, clients, handshakes, closes, frames or plugins."), QStringLiteral("name"));
    const QCommandLineOption probeOption(QStringLiteral("latency-probe"),
        QStringLiteral("Measure how late the window answers its event loop; print the figures on exit (bench/monitor.sh)."));
    parser.addOptions({remoteOption, tokenOption, caFileOption, presentationOption, demoOption, screenshotOption, delayOption,
                       tabOption, probeOption});
    if (!parser.parse(QApplication::arguments()))
        fail(parser.errorText() + QStringLiteral(" (see --help)"));
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!display) {
        fail(QStringLiteral("no display (DISPLAY and WAYLAND_DISPLAY are not set): run wsplug-host for a host "
                            "without a window, or set QT_QPA_PLATFORM=offscreen (with --screenshot) or use xvfb-run"),
             1);
    }

    WsPlug::MonitorOptions options;
    const WsPlug::HostOptions::Result host = hostOptions.apply(parser);
    if (!host.error.isEmpty())
        fail(host.error, host.exitCode);
    options.hostConfig = host.config;
    if (parser.isSet(remoteOption)) {
        QUrl url = QUrl::fromUserInput(parser.value(remoteOption));
        if (!url.isValid() || url.host().isEmpty())
            fail(QStringLiteral("--remote: \"%1\" is not a URL").arg(parser.value(remoteOption)));
        options.remoteUrl = url;
        options.remoteToken = parser.value(tokenOption);
        options.caFile = parser.value(caFileOption);
        if (!options.caFile.isEmpty() && QSslCertificate::fromPath(options.caFile, QSsl::Pem).isEmpty())
            fail(QStringLiteral("--ca-file: %1 holds no PEM certificate").arg(options.caFile));
    }
    options.presentation = parser.isSet(presentationOption);
    options.demoTraffic = parser.isSet(demoOption);
    int delay = 3000;
    if (parser.isSet(delayOption)) {
        bool ok = false;
        delay = parser.value(delayOption).toInt(&ok);
        if (!ok || delay < 0 || delay > 600000)
            fail(QStringLiteral("--screenshot-delay: expected milliseconds, got \"%1\"").arg(parser.value(delayOption)));
    }
    static const QStringList tabs = {QStringLiteral("dashboard"), QStringLiteral("clients"),
                                     QStringLiteral("handshakes"), QStringLiteral("closes"), QStringLiteral("frames"),
                                     QStringLiteral("plugins")};
    const int tab = parser.isSet(tabOption) ? int(tabs.indexOf(parser.value(tabOption))) : 0;
    if (tab < 0)
        fail(QStringLiteral("--tab: expected one of %1").arg(tabs.join(QStringLiteral(", "))));

    // SIGINT/SIGTERM end the program as closing the window would, without asking: the
    // embedded host's clients get 1001 (as from wsplug-host), not a dropped connection.
    // Set up before the host starts, so that an early signal is not fatal either.
    WsPlug::onStopSignal(&app, [] {
        std::fprintf(stderr, "wsplug-monitor: shutting down\n");
        QCoreApplication::exit(0);
    });

    auto window = std::make_unique<WsPlug::MainWindow>(options);
    if (auto *tabWidget = window->findChild<QTabWidget *>(QStringLiteral("tabs")))
        tabWidget->setCurrentIndex(tab);
    window->show();

    if (parser.isSet(screenshotOption)) {
        const QString file = parser.value(screenshotOption);
        QTimer::singleShot(delay, window.get(), [w = window.get(), file] {
            const bool ok = w->grab().save(file, "PNG");
            if (!ok)
                std::fprintf(stderr, "wsplug-monitor: cannot write %s\n", qPrintable(file));
            QApplication::exit(ok ? 0 : 1);
        });
    }
    std::unique_ptr<WsPlug::LatencyProbe> probe;
    if (parser.isSet(probeOption))
        probe = std::make_unique<WsPlug::LatencyProbe>();
    const int code = app.exec();
    if (probe)
        std::fprintf(stderr, "wsplug-monitor: %s\n", qPrintable(probe->summary()));
    // The window goes at once; its embedded host may still be closing its sessions.
    // Wait for that here, while Qt still delivers events (it stops once app is destroyed).
    window.reset();
    WsPlug::EmbeddedHost::waitForStoppingHosts();
    return code;
}
