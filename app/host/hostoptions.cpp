// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hostoptions.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>

#include <cstdio>
#include <cstdlib>

namespace WsPlug {

void exitWithError(const QString &message, int code)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()), qPrintable(message));
    std::exit(code);
}

struct HostOptions::Private
{
    HostConfig defaults;
    QStringList programKeys;
    QCommandLineOption config{QStringLiteral("config"),
                              QStringLiteral("JSON config file; flags override its values."), QStringLiteral("file")};
    QCommandLineOption address{QStringLiteral("address"), QString(), QStringLiteral("ip")};
    QCommandLineOption pluginDir{QStringLiteral("plugin-dir"),
                                 QStringLiteral("Directory to load plugins from; repeat for several (default: the bundled plugins)."),
                                 QStringLiteral("dir")};
    QCommandLineOption adminToken{QStringLiteral("admin-token"),
                                  QStringLiteral("Token for the admin channel at /_admin (default: $WSPLUG_ADMIN_TOKEN, the config, or a random one printed at start)."),
                                  QStringLiteral("token")};
    QCommandLineOption capture{QStringLiteral("capture"),
                               QStringLiteral("Record every session's bytes, both ways, to this pcapng file for Wireshark "
                                              "(created anew; admin-channel connections are never recorded)."),
                               QStringLiteral("file")};
    QCommandLineOption admin{QStringLiteral("admin"),
                             QStringLiteral("Serve the admin channel at /_admin: on (default) or off."), QStringLiteral("on|off")};
    QCommandLineOption metrics{QStringLiteral("metrics"),
                               QStringLiteral("Answer GET /metrics, /healthz and /readyz: on (default) or off."),
                               QStringLiteral("on|off")};
    QCommandLineOption page{QStringLiteral("page"),
                            QStringLiteral("Serve a WebSocket client page at GET / (/?connect=/echo connects at once): on (default) or off."),
                            QStringLiteral("on|off")};
    QCommandLineOption upgradeWithoutSubprotocol{
        QStringLiteral("upgrade-without-subprotocol"),
        QStringLiteral("A client offering only subprotocols its route does not speak (see the plugins' \"Subprotocols\"): "
                       "off (default) refuses it with 400, on upgrades it without one."),
        QStringLiteral("on|off")};
    QCommandLineOption watchPlugins{
        QStringLiteral("watch-plugins"),
        QStringLiteral("Watch the plugin directories: a new plugin file is loaded once it stops changing, a replaced "
                       "one reloaded, a removed one drained and unloaded (see --unload-grace): on (default) or off."),
        QStringLiteral("on|off")};
    QCommandLineOption exec{QStringLiteral("exec"),
        QStringLiteral("Serve ROUTE with a program, one process per connection: each text message is a line on its "
                       "stdin, each line it writes is a message back (websocketd's model). Repeatable. No shell: "
                       "quote arguments as on a command line; in a config file \"exec\" also has \"shell\" and \"binary\"."),
        QStringLiteral("ROUTE=COMMAND")};
    QCommandLineOption readyNeedsCluster{
        QStringLiteral("ready-needs-cluster"),
        QStringLiteral("With --redis, /readyz fails (503) while Redis is away: on (default) or off."),
        QStringLiteral("on|off")};
    struct IntOption
    {
        QCommandLineOption option;
        const HostConfig::IntSetting *setting;
    };
    QList<IntOption> ints;
    struct TextOption
    {
        QCommandLineOption option;
        const HostConfig::TextSetting *setting;
    };
    QList<TextOption> texts;
};

HostOptions::HostOptions(const HostConfig &defaults, const QStringList &programKeys)
    : d(std::make_unique<Private>())
{
    d->defaults = defaults;
    d->programKeys = programKeys;
    d->address.setDescription(QStringLiteral("Address to listen on (default %1; 0.0.0.0 or :: for all).")
                                  .arg(defaults.address.toString()));
    for (const HostConfig::IntSetting &s : HostConfig::intSettings()) {
        if (!s.flag)
            continue;
        d->ints.append({QCommandLineOption(QLatin1String(s.flag),
                                           QStringLiteral("%1 (default %2).").arg(QLatin1String(s.help)).arg(s.get(defaults)),
                                           QStringLiteral("n")),
                        &s});
    }
    for (const HostConfig::TextSetting &s : HostConfig::textSettings()) {
        d->texts.append({QCommandLineOption(QLatin1String(s.flag), QLatin1String(s.help), QLatin1String(s.valueName)),
                         &s});
    }
}

HostOptions::~HostOptions() = default;

void HostOptions::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({d->config, d->address, d->pluginDir, d->adminToken, d->capture, d->admin, d->metrics, d->page,
                       d->upgradeWithoutSubprotocol, d->watchPlugins, d->exec, d->readyNeedsCluster});
    for (const Private::IntOption &o : d->ints)
        parser.addOption(o.option);
    for (const Private::TextOption &o : d->texts)
        parser.addOption(o.option);
}

QString HostOptions::configOnlyHelp() const
{
    QString text = QStringLiteral("Config file only (--config FILE, a JSON object; the flags' names in camelCase too):\n");
    for (const HostConfig::IntSetting &s : HostConfig::intSettings()) {
        if (!s.flag)
            text += QStringLiteral("  %1 %2 (default %3).\n").arg(QLatin1String(s.key), -22).arg(QLatin1String(s.help))
                        .arg(s.get(d->defaults));
    }
    text += QStringLiteral("  %1 %2\n\n").arg(QStringLiteral("plugins"), -22)
                .arg(QStringLiteral("{\"<plugin Id>\": {...}}: each plugin's own settings (see its PROTOCOL.md)."));
    text += QStringLiteral("Environment:\n"
                           "  WSPLUG_PLUGIN_PATH     Colon-separated plugin directories, searched before the bundled ones\n"
                           "                         (when no --plugin-dir is given).\n"
                           "  WSPLUG_ADMIN_TOKEN     The admin token (flag > environment > config file).\n");
    return text;
}

HostOptions::Result HostOptions::apply(const QCommandLineParser &parser) const
{
    Result r;
    r.config = d->defaults;
    auto fail = [&r](const QString &message, int code) {
        r.error = message;
        r.exitCode = code;
        return r;
    };
    if (parser.isSet(d->config)) {
        const QString path = parser.value(d->config);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read config %1: %2").arg(path, file.errorString()), 1);
        // Larger than any sane config: refuse rather than read a huge file into memory.
        if (file.size() > 1024 * 1024)
            return fail(QStringLiteral("config %1 is larger than 1 MiB").arg(path), 1);
        QByteArray json = file.readAll();
        QJsonObject object = QJsonDocument::fromJson(json).object();
        bool hadProgramKeys = false;
        for (const QString &key : d->programKeys) {
            if (object.contains(key)) {
                r.programSettings.insert(key, object.take(key));
                hadProgramKeys = true;
            }
        }
        if (hadProgramKeys)
            json = QJsonDocument(object).toJson();
        QString error;
        if (!r.config.loadJson(json, &error))
            return fail(QStringLiteral("config %1: %2").arg(path, error), 1);
    }
    if (parser.isSet(d->address) && !r.config.address.setAddress(parser.value(d->address)))
        return fail(QStringLiteral("--address: \"%1\" is not an IP address").arg(parser.value(d->address)), 2);
    if (parser.isSet(d->pluginDir))
        r.config.pluginDirs = parser.values(d->pluginDir);
    if (parser.isSet(d->exec)) {
        r.config.execRoutes.clear();
        for (const QString &value : parser.values(d->exec)) {
            const qsizetype equals = value.indexOf(QLatin1Char('='));
            HostConfig::ExecRoute route;
            route.route = value.left(equals);
            route.command = QProcess::splitCommand(value.mid(equals + 1));
            if (equals <= 0 || route.command.isEmpty())
                return fail(QStringLiteral("--exec: expected ROUTE=COMMAND [ARGS], got \"%1\"").arg(value), 2);
            r.config.execRoutes.append(route);
        }
    }
    if (qEnvironmentVariableIsSet("WSPLUG_ADMIN_TOKEN"))
        r.config.adminToken = qEnvironmentVariable("WSPLUG_ADMIN_TOKEN");
    if (parser.isSet(d->adminToken))
        r.config.adminToken = parser.value(d->adminToken);
    if (parser.isSet(d->capture))
        r.config.captureFile = parser.value(d->capture);
    for (const auto &[option, field] : {std::pair{&d->admin, &r.config.adminEnabled},
                                        std::pair{&d->metrics, &r.config.metricsEnabled},
                                        std::pair{&d->page, &r.config.pageEnabled},
                                        std::pair{&d->upgradeWithoutSubprotocol, &r.config.upgradeWithoutSubprotocol},
                                        std::pair{&d->watchPlugins, &r.config.watchPlugins},
                                        std::pair{&d->readyNeedsCluster, &r.config.readyNeedsCluster}}) {
        if (!parser.isSet(*option))
            continue;
        const QString v = parser.value(*option);
        if (v != QLatin1String("on") && v != QLatin1String("off"))
            return fail(QStringLiteral("--%1: expected on or off, got \"%2\"").arg(option->names().first(), v), 2);
        *field = v == QLatin1String("on");
    }
    for (const Private::IntOption &o : d->ints) {
        if (!parser.isSet(o.option))
            continue;
        bool ok = false;
        const qint64 v = parser.value(o.option).toLongLong(&ok);
        if (!ok || v < o.setting->min || v > o.setting->max) {
            return fail(QStringLiteral("--%1: expected an integer from %2 to %3, got \"%4\"")
                            .arg(o.option.names().first()).arg(o.setting->min).arg(o.setting->max)
                            .arg(parser.value(o.option)), 2);
        }
        o.setting->set(r.config, v);
    }
    for (const Private::TextOption &o : d->texts) {
        if (!parser.isSet(o.option))
            continue;
        if (o.setting->list)
            r.config.*(o.setting->list) = parser.values(o.option);
        else
            r.config.*(o.setting->text) = parser.value(o.option);
    }
    QString error;
    if (!r.config.validate(&error))
        return fail(error, 2);
    return r;
}

} // namespace WsPlug
