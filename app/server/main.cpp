// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// wsplug-host: the headless host. Options -> HostConfig -> HostServer -> exec().

#include <wsplug/eventdispatcher.h>
#include <wsplug/hostoptions.h>
#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>
#include <wsplug/stopsignals.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QNetworkInterface>

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

[[noreturn]] void fail(const QString &message, int code = 1)
{
    WsPlug::exitWithError(message, code);
}

bool applyLogLevel(const QString &level)
{
    static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"),
                                       QStringLiteral("warning"), QStringLiteral("error")};
    const int index = levels.indexOf(level);
    if (index < 0)
        return false;
    QString rules = QStringLiteral("wsplug.*.debug=%1\nwsplug.*.info=%2\nwsplug.*.warning=%3\n")
                        .arg(index <= 0 ? QStringLiteral("true") : QStringLiteral("false"),
                             index <= 1 ? QStringLiteral("true") : QStringLiteral("false"),
                             index <= 2 ? QStringLiteral("true") : QStringLiteral("false"));
    QLoggingCategory::setFilterRules(rules);
    return true;
}

// The dispatcher must be installed before the application object exists, so this one
// flag is read straight from argv; QCommandLineParser validates it again later.
QString requestedDispatcher(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "--dispatcher" && i + 1 < argc)
            return QString::fromLocal8Bit(argv[i + 1]);
        if (arg.startsWith("--dispatcher="))
            return QString::fromLocal8Bit(arg.mid(13));
    }
    return QStringLiteral("epoll");
}

} // namespace

int main(int argc, char *argv[])
{
    qSetMessagePattern(QStringLiteral("%{time hh:mm:ss.zzz} %{category}: %{message}"));
    const QString dispatcher = requestedDispatcher(argc, argv);
    const std::optional<WsPlug::EventDispatcherKind> requested = WsPlug::eventDispatcherKind(dispatcher);
    // An unknown name installs nothing; it is refused once the parser has run.
    const WsPlug::EventDispatcherKind dispatcherInUse =
        requested ? WsPlug::installEventDispatcher(*requested) : WsPlug::EventDispatcherKind::Qt;
#if defined(__GLIBC__)
    // glibc gives the top of the heap back whenever 128 KiB of it is free, and takes it
    // again on the next allocations: with connections opening and closing all the time
    // that is a brk() and fresh page faults every few connections. The host returns
    // memory itself after a large drain (HeapTrimmer); between those, keep up to 8 MiB.
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("wsplug-host"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSPLUG_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Headless wsplug WebSocket host: routes each connection by path to a handler plugin."));
    parser.addHelpOption();
    parser.addVersionOption();
    // "logLevel" in a config file belongs to this program, not to the host library.
    const WsPlug::HostOptions hostOptions{WsPlug::HostConfig(), {QStringLiteral("logLevel")}};
    hostOptions.addTo(parser);
    const QCommandLineOption logLevelOption(QStringLiteral("log-level"),
        QStringLiteral("debug, info, warning or error (default info)."), QStringLiteral("level"));
    const QCommandLineOption dispatcherOption(QStringLiteral("dispatcher"),
        QStringLiteral("Event dispatcher: epoll (default; cost does not grow with idle connections) or qt."),
        QStringLiteral("name"));
    parser.addOptions({logLevelOption, dispatcherOption});

    if (!parser.parse(QCoreApplication::arguments()))
        fail(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(QStringLiteral("help"))) {
        // After Qt's list of options: what the plugins found here serve, what only a
        // config file sets, the environment, and the exit codes.
        QString help = parser.helpText() + QLatin1Char('\n');
        const QStringList dirs = parser.isSet(QStringLiteral("plugin-dir")) ? parser.values(QStringLiteral("plugin-dir"))
                                                                             : WsPlug::PluginRegistry::defaultPluginDirs();
        help += QStringLiteral("Routes of the plugins found in %1:\n").arg(dirs.join(QStringLiteral(", ")));
        const QList<WsPlug::PluginMetadata> plugins = WsPlug::PluginRegistry::inspect(dirs);
        for (const WsPlug::PluginMetadata &p : plugins) {
            help += QStringLiteral("  %1 %2%3\n").arg(p.routes.join(QStringLiteral(", ")), -26).arg(p.id)
                        .arg(p.subprotocols.isEmpty() ? QString()
                                                      : QStringLiteral(" (subprotocol %1)").arg(p.subprotocols.join(QStringLiteral(", "))));
        }
        if (plugins.isEmpty())
            help += QStringLiteral("  none: every path would answer 404\n");
        help += QStringLiteral("  %1 %2\n\n").arg(QStringLiteral("/ /metrics /healthz /readyz"), -26)
                    .arg(QStringLiteral("the host's own HTTP answers; /_admin: the admin channel (docs/admin-protocol.md)"));
        help += hostOptions.configOnlyHelp();
        help += QStringLiteral("\nExit codes: 0 stopped by SIGINT or SIGTERM (every session closed with 1001); "
                               "1 cannot start (address in use, config file unreadable or invalid); "
                               "2 bad command line or setting.\n");
        std::fputs(qPrintable(help), stdout);
        return 0;
    }
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!requested)
        fail(QStringLiteral("--dispatcher: expected epoll or qt, got \"%1\"").arg(dispatcher), 2);
    if (!parser.positionalArguments().isEmpty())
        fail(QStringLiteral("unexpected argument \"%1\" (see --help)").arg(parser.positionalArguments().first()), 2);

    const WsPlug::HostOptions::Result options = hostOptions.apply(parser);
    if (!options.error.isEmpty())
        fail(options.error, options.exitCode);
    const WsPlug::HostConfig &config = options.config;
    QString logLevel = options.programSettings.value(QStringLiteral("logLevel")).toString(QStringLiteral("info"));
    if (parser.isSet(logLevelOption))
        logLevel = parser.value(logLevelOption);
    if (!applyLogLevel(logLevel))
        fail(QStringLiteral("log level \"%1\" is not one of debug, info, warning, error").arg(logLevel), 2);

    WsPlug::HostServer host;
    host.setConfig(config);
    // SIGINT/SIGTERM -> graceful stop (1001 to everyone) -> exit 0. Set up before the host
    // starts: a signal right after the "listening" line must not kill the host before it
    // has cleaned up (its private plugin copies, for one).
    WsPlug::onStopSignal(&host, [&host] {
        std::fprintf(stderr, "wsplug-host: shutting down\n");
        host.stop();
    });
    // SIGUSR1 -> graceful drain (docs/scale-out.md): no new sessions, the open ones closed
    // with 1001 over --drain-period; the host runs on until SIGTERM.
    WsPlug::onDrainSignal(&host, [&host] {
        if (host.drain())
            std::fprintf(stderr, "wsplug-host: draining\n");
    });
    if (!host.start())
        fail(host.errorString());
    if (host.isTls()) {
        WsPlug::onReloadSignal(&host, [&host] {
            QString why;
            if (!host.reloadTlsCertificate(&why))
                std::fprintf(stderr, "wsplug-host: SIGHUP: %s\n", qPrintable(why));
        });
    }
    const QString ws = host.isTls() ? QStringLiteral("wss") : QStringLiteral("ws");
    const QString http = host.isTls() ? QStringLiteral("https") : QStringLiteral("http");

    // A wildcard address is not one a client can use: name the machine's own instead.
    QStringList bases;
    const QHostAddress listening = host.serverAddress();
    const bool any = listening == QHostAddress::Any || listening == QHostAddress::AnyIPv4
                  || listening == QHostAddress::AnyIPv6;
    for (const QHostAddress &a : any ? QNetworkInterface::allAddresses() : QList<QHostAddress>{listening}) {
        if (any && (a.isLinkLocal() || (listening == QHostAddress::AnyIPv4 && a.protocol() != QAbstractSocket::IPv4Protocol)))
            continue;
        const QString address = a.protocol() == QAbstractSocket::IPv6Protocol ? QLatin1Char('[') + a.toString() + QLatin1Char(']')
                                                                              : a.toString();
        bases << QStringLiteral("%1://%2:%3").arg(ws, address).arg(host.serverPort());
    }
    // "listening on ws://ADDRESS:PORT" is what scripts (bench/run.sh, the tests) read.
    const QString address = listening.protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + listening.toString() + QLatin1Char(']') : listening.toString();
    std::printf("wsplug-host %s listening on %s://%s:%d (dispatcher: %s)\n", WSPLUG_VERSION, qPrintable(ws), qPrintable(address),
                int(host.serverPort()), qPrintable(WsPlug::eventDispatcherName(dispatcherInUse)));
    for (const QString &base : std::as_const(bases))
        std::printf("  url        %s\n", qPrintable(base));
    for (const WsPlug::PluginMetadata &p : host.plugins().loaded())
        std::printf("  %-10s %s\n", qPrintable(p.id), qPrintable(p.routes.join(QStringLiteral(", "))));
    for (const WsPlug::RefusedPlugin &p : host.plugins().refused())
        std::printf("  refused    %s: %s\n", qPrintable(p.fileName), qPrintable(p.reason));
    if (config.metricsEnabled) {
        const QString base = bases.value(0).replace(ws + QStringLiteral("://"), http + QStringLiteral("://"));
        std::printf("  %-10s %s/metrics  %s/healthz  %s/readyz\n", qPrintable(http), qPrintable(base), qPrintable(base), qPrintable(base));
    }
    if (config.adminEnabled) {
        // Like Jupyter: say how to attach, token included, since it may be random.
        std::printf("  admin      %s\n", qPrintable(host.adminUrl().toString()));
    }
    if (host.plugins().loaded().isEmpty())
        std::fprintf(stderr, "wsplug-host: warning: no plugins loaded; every path answers 404\n");
    std::fflush(stdout);

    QObject::connect(&host, &WsPlug::HostServer::stopped, &app, [] { QCoreApplication::exit(0); },
                     Qt::QueuedConnection);
    return app.exec();
}
