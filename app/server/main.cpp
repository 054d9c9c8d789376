// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// wsplug-host: the headless host. Options -> HostConfig -> HostServer -> exec().

#include <wsplug/eventdispatcher.h>
#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>

#include <sys/socket.h>
#include <unistd.h>

namespace {

int signalFds[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    // Only async-signal-safe work here; the event loop does the rest.
    [[maybe_unused]] const auto n = ::write(signalFds[0], &byte, 1);
}

[[noreturn]] void fail(const QString &message, int code = 1)
{
    std::fprintf(stderr, "wsplug-host: %s\n", qPrintable(message));
    std::exit(code);
}

struct IntOption
{
    QCommandLineOption option;
    const WsPlug::HostConfig::IntSetting *setting;
};

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
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("wsplug-host"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WSPLUG_VERSION));

    const WsPlug::HostConfig defaults;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Headless wsplug WebSocket host: routes each connection by path to a handler plugin."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
        QStringLiteral("JSON config file; flags override its values."), QStringLiteral("file"));
    const QCommandLineOption addressOption(QStringLiteral("address"),
        QStringLiteral("Address to listen on (default %1; 0.0.0.0 or :: for all).").arg(defaults.address.toString()),
        QStringLiteral("ip"));
    const QCommandLineOption pluginDirOption(QStringLiteral("plugin-dir"),
        QStringLiteral("Directory to load plugins from; repeat for several (default: the bundled plugins)."),
        QStringLiteral("dir"));
    const QCommandLineOption logLevelOption(QStringLiteral("log-level"),
        QStringLiteral("debug, info, warning or error (default info)."), QStringLiteral("level"));
    const QCommandLineOption dispatcherOption(QStringLiteral("dispatcher"),
        QStringLiteral("Event dispatcher: epoll (default; cost does not grow with idle connections) or qt."),
        QStringLiteral("name"));
    const QCommandLineOption adminTokenOption(QStringLiteral("admin-token"),
        QStringLiteral("Token for the admin channel at /_admin (default: $WSPLUG_ADMIN_TOKEN, the config, or a random one printed at start)."),
        QStringLiteral("token"));
    const QCommandLineOption adminOption(QStringLiteral("admin"),
        QStringLiteral("Serve the admin channel at /_admin: on (default) or off."), QStringLiteral("on|off"));
    const QCommandLineOption metricsOption(QStringLiteral("metrics"),
        QStringLiteral("Answer GET /metrics, /healthz and /readyz: on (default) or off."), QStringLiteral("on|off"));
    parser.addOptions({configOption, addressOption, pluginDirOption, logLevelOption, dispatcherOption,
                       adminTokenOption, adminOption, metricsOption});

    // Ranges and setters come from HostConfig, the same ones a config file goes through.
    auto intOption = [&defaults](const char *flag, const char *key, const QString &help) {
        const WsPlug::HostConfig::IntSetting *setting = WsPlug::HostConfig::intSetting(QLatin1String(key));
        Q_ASSERT(setting);
        return IntOption{QCommandLineOption(QLatin1String(flag),
                                            QStringLiteral("%1 (default %2).").arg(help).arg(setting->get(defaults)),
                                            QStringLiteral("n")),
                         setting};
    };
    const std::vector<IntOption> intOptions = {
        intOption("port", "port", QStringLiteral("TCP port, 0 for any free port")),
        intOption("listen-backlog", "listenBacklog", QStringLiteral("Listen backlog")),
        intOption("max-connections", "maxConnections", QStringLiteral("Max concurrent connections; over it: HTTP 503")),
        intOption("max-connections-per-ip", "maxConnectionsPerIp",
                  QStringLiteral("Max connections from one address; over it: HTTP 429")),
        intOption("handshake-timeout", "handshakeTimeoutMs",
                  QStringLiteral("Milliseconds a client has to send its request head")),
        intOption("max-request-head", "maxRequestHeadBytes", QStringLiteral("Max request head bytes; over it: HTTP 431")),
        intOption("max-frame-size", "maxFrameBytes", QStringLiteral("Max incoming frame bytes; over it: close 1009")),
        intOption("max-message-size", "maxMessageBytes", QStringLiteral("Max incoming message bytes; over it: close 1009")),
        intOption("max-send-backlog", "maxSendBacklogBytes",
                  QStringLiteral("Max unsent bytes per session before it is cut off")),
        intOption("ping-interval", "pingIntervalMs", QStringLiteral("Milliseconds between heartbeat pings, 0 to disable")),
        intOption("pong-timeout", "pongTimeoutMs", QStringLiteral("Milliseconds to wait for a pong before aborting")),
        intOption("shutdown-grace", "shutdownGraceMs",
                  QStringLiteral("Milliseconds to wait for close handshakes on shutdown")),
    };
    for (const IntOption &o : intOptions)
        parser.addOption(o.option);

    if (!parser.parse(QCoreApplication::arguments()))
        fail(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!requested)
        fail(QStringLiteral("--dispatcher: expected epoll or qt, got \"%1\"").arg(dispatcher), 2);
    if (!parser.positionalArguments().isEmpty())
        fail(QStringLiteral("unexpected argument \"%1\" (see --help)").arg(parser.positionalArguments().first()), 2);

    WsPlug::HostConfig config;
    QString logLevel = QStringLiteral("info");
    if (parser.isSet(configOption)) {
        const QString path = parser.value(configOption);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            fail(QStringLiteral("cannot read config %1: %2").arg(path, file.errorString()));
        // Larger than any sane config: refuse rather than read a huge file into memory.
        if (file.size() > 1024 * 1024)
            fail(QStringLiteral("config %1 is larger than 1 MiB").arg(path));
        QByteArray json = file.readAll();
        // "logLevel" belongs to this program, not to the host library.
        QJsonObject object = QJsonDocument::fromJson(json).object();
        if (object.contains(QStringLiteral("logLevel"))) {
            logLevel = object.take(QStringLiteral("logLevel")).toString();
            json = QJsonDocument(object).toJson();
        }
        QString error;
        if (!config.loadJson(json, &error))
            fail(QStringLiteral("config %1: %2").arg(path, error));
    }
    if (parser.isSet(addressOption)) {
        if (!config.address.setAddress(parser.value(addressOption)))
            fail(QStringLiteral("--address: \"%1\" is not an IP address").arg(parser.value(addressOption)), 2);
    }
    if (parser.isSet(pluginDirOption))
        config.pluginDirs = parser.values(pluginDirOption);
    if (qEnvironmentVariableIsSet("WSPLUG_ADMIN_TOKEN"))
        config.adminToken = qEnvironmentVariable("WSPLUG_ADMIN_TOKEN");
    if (parser.isSet(adminTokenOption))
        config.adminToken = parser.value(adminTokenOption);
    for (const auto &[option, field] : {std::pair{&adminOption, &config.adminEnabled},
                                        std::pair{&metricsOption, &config.metricsEnabled}}) {
        if (!parser.isSet(*option))
            continue;
        const QString v = parser.value(*option);
        if (v != QLatin1String("on") && v != QLatin1String("off"))
            fail(QStringLiteral("--%1: expected on or off, got \"%2\"").arg(option->names().first(), v), 2);
        *field = v == QLatin1String("on");
    }
    for (const IntOption &o : intOptions) {
        if (!parser.isSet(o.option))
            continue;
        bool ok = false;
        const qint64 v = parser.value(o.option).toLongLong(&ok);
        if (!ok || v < o.setting->min || v > o.setting->max) {
            fail(QStringLiteral("--%1: expected an integer from %2 to %3, got \"%4\"")
                     .arg(o.option.names().first()).arg(o.setting->min).arg(o.setting->max).arg(parser.value(o.option)), 2);
        }
        o.setting->set(config, v);
    }
    if (parser.isSet(logLevelOption))
        logLevel = parser.value(logLevelOption);
    if (!applyLogLevel(logLevel))
        fail(QStringLiteral("log level \"%1\" is not one of debug, info, warning, error").arg(logLevel), 2);
    QString error;
    if (!config.validate(&error))
        fail(error, 2);

    WsPlug::HostServer host;
    host.setConfig(config);
    if (!host.start())
        fail(host.errorString());

    const QString base = QStringLiteral("ws://%1:%2").arg(host.serverAddress().toString()).arg(host.serverPort());
    std::printf("wsplug-host %s listening on %s (dispatcher: %s)\n", WSPLUG_VERSION, qPrintable(base),
                qPrintable(WsPlug::eventDispatcherName(dispatcherInUse)));
    for (const WsPlug::PluginMetadata &p : host.plugins().loaded())
        std::printf("  %-10s %s\n", qPrintable(p.id), qPrintable(p.routes.join(QStringLiteral(", "))));
    if (config.adminEnabled) {
        // Like Jupyter: say how to attach, token included, since it may be random.
        std::printf("  admin      %s\n", qPrintable(host.adminUrl().toString()));
    }
    if (host.plugins().loaded().isEmpty())
        std::fprintf(stderr, "wsplug-host: warning: no plugins loaded; every path answers 404\n");
    std::fflush(stdout);

    // SIGINT/SIGTERM -> graceful stop (1001 to everyone) -> exit 0.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalFds) != 0)
        fail(QStringLiteral("cannot set up signal handling"));
    QSocketNotifier signalNotifier(signalFds[1], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &host, [&] {
        char byte;
        [[maybe_unused]] const auto n = ::read(signalFds[1], &byte, 1);
        std::fprintf(stderr, "wsplug-host: shutting down\n");
        host.stop();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    QObject::connect(&host, &WsPlug::HostServer::stopped, &app, [] { QCoreApplication::exit(0); },
                     Qt::QueuedConnection);
    return app.exec();
}
