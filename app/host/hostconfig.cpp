// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hostconfig.h>

#include <wsplug/protocol/adminprotocol.h>

#include "forwardedfor_p.h"
#include "busenvelope_p.h"
#include "originpolicy_p.h"
#include "permessagedeflate_p.h"
#include "redisaddress_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <limits>

namespace WsPlug {

namespace {

bool readInteger(const QJsonValue &v, const HostConfig::IntSetting &f, qint64 *out, QString *errorString)
{
    const double d = v.toDouble(std::numeric_limits<double>::quiet_NaN());
    if (!v.isDouble() || std::isnan(d) || d != std::floor(d) || d < double(f.min) || d > double(f.max)) {
        if (errorString) {
            *errorString = QStringLiteral("config key \"%1\" must be an integer from %2 to %3")
                               .arg(QLatin1String(f.key)).arg(f.min).arg(f.max);
        }
        return false;
    }
    *out = qint64(d);
    return true;
}


} // namespace

const QList<HostConfig::IntSetting> &HostConfig::intSettings()
{
#define WSPLUG_INT_SETTING(field, type, min, max, flag, help) \
    {#field, min, max, [](const HostConfig &c) { return qint64(c.field); }, \
     [](HostConfig &c, qint64 v) { c.field = type(v); }, flag, help}
    static const QList<IntSetting> settings = {
        WSPLUG_INT_SETTING(port, quint16, 0, 65535, "port", "TCP port, 0 for any free port"),
        WSPLUG_INT_SETTING(listenBacklog, int, 1, 65535, "listen-backlog", "Listen backlog"),
        WSPLUG_INT_SETTING(maxConnections, int, 1, 1000000, "max-connections",
                           "Max concurrent connections; over it: HTTP 503"),
        WSPLUG_INT_SETTING(maxConnectionsPerIp, int, 1, 1000000, "max-connections-per-ip",
                           "Max connections from one address; over it: HTTP 429"),
        WSPLUG_INT_SETTING(maxConnectsPerIpPerSecond, int, 0, 1000000, "max-connects-per-ip-per-s",
                           "New connections a second from one address, 0 for no limit; over it: HTTP 429"),
        WSPLUG_INT_SETTING(maxMessagesPerSecond, int, 0, 100000000, "max-messages-per-s",
                           "Messages a second from one session, 0 for no limit; over it: close 1008"),
        WSPLUG_INT_SETTING(maxBytesPerSecond, qint64, 0, qint64(1) << 40, "max-bytes-per-s",
                           "Message payload bytes a second from one session, 0 for no limit; over it: close 1008"),
        WSPLUG_INT_SETTING(handshakeTimeoutMs, int, 100, 3600000, "handshake-timeout",
                           "Milliseconds a client has to send its request head"),
        WSPLUG_INT_SETTING(maxRequestHeadBytes, int, 256, 1048576, "max-request-head",
                           "Max request head bytes; over it: HTTP 431"),
        WSPLUG_INT_SETTING(maxFrameBytes, qint64, 125, qint64(1) << 40, "max-frame-size",
                           "Max incoming frame bytes; over it: close 1009"),
        WSPLUG_INT_SETTING(maxMessageBytes, qint64, 125, qint64(1) << 40, "max-message-size",
                           "Max incoming message bytes; over it: close 1009"),
        WSPLUG_INT_SETTING(maxSendBacklogBytes, qint64, 1024, qint64(1) << 40, "max-send-backlog",
                           "Max unsent bytes per session before it is cut off"),
        WSPLUG_INT_SETTING(pingIntervalMs, int, 0, 86400000, "ping-interval",
                           "Milliseconds between heartbeat pings, 0 to disable"),
        WSPLUG_INT_SETTING(pongTimeoutMs, int, 10, 86400000, "pong-timeout",
                           "Milliseconds to wait for a pong before aborting"),
        WSPLUG_INT_SETTING(shutdownGraceMs, int, 0, 600000, "shutdown-grace",
                           "Milliseconds to wait for close handshakes on shutdown"),
        WSPLUG_INT_SETTING(unloadGraceMs, int, -1, 86400000, "unload-grace",
                           "Milliseconds a removed or replaced plugin's sessions may stay before they are "
                           "closed with 1001; 0 at once, -1 until they end"),
        WSPLUG_INT_SETTING(maxExecProcesses, int, 1, 100000, "max-exec-processes",
                           "Handler processes (--exec) at once; over it: HTTP 503"),
        WSPLUG_INT_SETTING(captureMaxBytes, qint64, 4096, qint64(1) << 40, "capture-max-bytes",
                           "Max bytes of the --capture file; recording stops there"),
        WSPLUG_INT_SETTING(tokenGraceMs, int, 0, 86400000, "token-grace",
                           "Milliseconds a session may stay past its token's exp before it is closed with 4001"),
        WSPLUG_INT_SETTING(jwtClockSkewSeconds, int, 0, 600, "jwt-clock-skew",
                           "Seconds of clock skew allowed when checking a token's exp and nbf"),
        WSPLUG_INT_SETTING(clusterQueueSize, int, 0, 10000000, "cluster-queue",
                           "Publishes queued while Redis is away; more are refused and counted"),
        WSPLUG_INT_SETTING(clusterTimeoutMs, int, 50, 600000, "cluster-timeout",
                           "Milliseconds for a Redis connect or command before the connection is dropped and retried"),
        WSPLUG_INT_SETTING(drainPeriodMs, int, 0, 86400000, "drain-period",
                           "Milliseconds over which a drain (SIGUSR1, admin drain) closes the sessions with 1001"),
        WSPLUG_INT_SETTING(maxAdminConnections, int, 1, 1000, nullptr, "Admin clients at once; over it: HTTP 503"),
        WSPLUG_INT_SETTING(pluginSettleMs, int, 50, 60000, nullptr,
                           "Milliseconds a new or changed plugin file (or TLS certificate or key) must stay unchanged before it is loaded"),
        WSPLUG_INT_SETTING(handshakeLogSize, int, 1, 100000, nullptr, "Upgrade attempts kept in the handshake log"),
        WSPLUG_INT_SETTING(statsTickMs, int, 50, 60000, nullptr, "Milliseconds between rate samples"),
        WSPLUG_INT_SETTING(rateHistorySeconds, int, 1, 86400, nullptr, "Seconds of rate samples kept"),
    };
#undef WSPLUG_INT_SETTING
    return settings;
}

const QList<HostConfig::TextSetting> &HostConfig::textSettings()
{
    static const QList<TextSetting> settings = {
        {"requireToken", "require-token", "route",
         "Refuse a handshake on ROUTE (a plugin route, or * for all) without a valid bearer token: "
         "401 before the upgrade. Repeatable.", nullptr, &HostConfig::requireToken},
        {"jwtHs256SecretFile", "jwt-hs256-secret-file", "file",
         "File holding the HS256 secret that signs tokens.", &HostConfig::jwtHs256SecretFile, nullptr},
        {"jwtPublicKeyFile", "jwt-public-key-file", "file",
         "PEM public key that verifies tokens: RSA (RS256) or EC P-256 (ES256).", &HostConfig::jwtPublicKeyFile, nullptr},
        {"jwtIssuer", "jwt-issuer", "iss", "A token's \"iss\" must equal this.", &HostConfig::jwtIssuer, nullptr},
        {"jwtAudience", "jwt-audience", "aud", "A token's \"aud\" must name this.", &HostConfig::jwtAudience, nullptr},
        {"allowedOrigins", "allowed-origins", "[route=]origins",
         "Browser origins that may connect, comma-separated: exact (https://class.example.org), a subdomain "
         "pattern (https://*.example.org) or *; with ROUTE= for one route only. A refused Origin gets 403 "
         "before the upgrade; a request without Origin (not a browser) is not refused. Repeatable.",
         nullptr, &HostConfig::allowedOrigins},
        {"deflate", "deflate", "[route=]on|off",
         "permessage-deflate (RFC 7692): offer it to clients (on) or not (off, the default); with ROUTE= "
         "for one route only. Always without context takeover, so an idle connection holds no zlib state. "
         "Repeatable.", nullptr, &HostConfig::deflate},
        {"adminReadToken", "admin-read-token", "token",
         "A read-only admin token: it may watch the host (snapshot, sessions, handshakes, frames) but not "
         "close, kick, send or load plugins.", &HostConfig::adminReadToken, nullptr},
        {"tlsCertFile", "tls-cert", "file",
         "PEM certificate (chain, leaf first): with --tls-key the port serves wss:// and https only "
         "(TLS 1.2 or newer). Reloaded on SIGHUP and when the file changes.", &HostConfig::tlsCertFile, nullptr},
        {"tlsKeyFile", "tls-key", "file", "PEM private key of --tls-cert.", &HostConfig::tlsKeyFile, nullptr},
        {"trustedProxies", "trusted-proxy", "cidr",
         "A proxy (address or CIDR) whose X-Forwarded-For / Forwarded headers name the client; other "
         "peers' forwarding headers are ignored. Repeatable.", nullptr, &HostConfig::trustedProxies},
        {"redis", "redis", "url",
         "Join a cluster through Redis at redis://HOST[:PORT][/DB]: plugins' bus channels reach every host "
         "(docs/scale-out.md).", &HostConfig::redisUrl, nullptr},
        {"nodeId", "node-id", "name",
         "This host's name in the cluster, 1-64 of A-Z a-z 0-9 _ . : - (default: host name:port).",
         &HostConfig::nodeId, nullptr},
    };
    return settings;
}

const HostConfig::IntSetting *HostConfig::intSetting(QLatin1String key)
{
    for (const IntSetting &s : intSettings()) {
        if (key == QLatin1String(s.key))
            return &s;
    }
    return nullptr;
}

bool HostConfig::loadJson(const QByteArray &json, QString *errorString)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (errorString) {
            *errorString = QStringLiteral("invalid JSON at offset %1: %2")
                               .arg(parseError.offset).arg(parseError.errorString());
        }
        return false;
    }
    if (!doc.isObject()) {
        if (errorString)
            *errorString = QStringLiteral("the config must be a JSON object");
        return false;
    }
    HostConfig next = *this;
    const QJsonObject obj = doc.object();

    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        if (const IntSetting *setting = intSetting(QLatin1String(key.toLatin1()))) {
            qint64 v = 0;
            if (!readInteger(value, *setting, &v, errorString))
                return false;
            setting->set(next, v);
            continue;
        }
        const auto text = std::find_if(textSettings().cbegin(), textSettings().cend(),
                                       [&key](const TextSetting &t) { return key == QLatin1String(t.key); });
        if (text != textSettings().cend()) {
            if (text->text && value.isString()) {
                next.*(text->text) = value.toString();
                continue;
            }
            const QJsonArray array = value.toArray();
            const bool strings = value.isArray() && std::all_of(array.cbegin(), array.cend(),
                                                                [](const QJsonValue &v) { return v.isString(); });
            if (!text->list || !strings) {
                if (errorString) {
                    *errorString = QStringLiteral("config key \"%1\" must be %2").arg(key,
                        text->list ? QStringLiteral("an array of strings") : QStringLiteral("a string"));
                }
                return false;
            }
            QStringList items;
            for (const QJsonValue &v : array)
                items << v.toString();
            next.*(text->list) = items;
            continue;
        }
        if (bool *flag = key == QLatin1String("adminEnabled") ? &next.adminEnabled
                       : key == QLatin1String("metricsEnabled") ? &next.metricsEnabled
                       : key == QLatin1String("readyNeedsCluster") ? &next.readyNeedsCluster
                       : key == QLatin1String("pageEnabled") ? &next.pageEnabled
                       : key == QLatin1String("watchPlugins") ? &next.watchPlugins
                       : key == QLatin1String("upgradeWithoutSubprotocol") ? &next.upgradeWithoutSubprotocol : nullptr) {
            if (!value.isBool()) {
                if (errorString)
                    *errorString = QStringLiteral("config key \"%1\" must be true or false").arg(key);
                return false;
            }
            *flag = value.toBool();
        } else if (key == QLatin1String("adminToken")) {
            if (!value.isString()) {
                if (errorString)
                    *errorString = QStringLiteral("config key \"adminToken\" must be a string");
                return false;
            }
            next.adminToken = value.toString();
        } else if (key == QLatin1String("captureFile")) {
            if (!value.isString()) {
                if (errorString)
                    *errorString = QStringLiteral("config key \"captureFile\" must be a string");
                return false;
            }
            next.captureFile = value.toString();
        } else if (key == QLatin1String("address")) {
            QHostAddress address;
            if (!value.isString() || !address.setAddress(value.toString())) {
                if (errorString)
                    *errorString = QStringLiteral("config key \"address\" must be an IP address string");
                return false;
            }
            next.address = address;
        } else if (key == QLatin1String("pluginDirs")) {
            if (!value.isArray()) {
                if (errorString)
                    *errorString = QStringLiteral("config key \"pluginDirs\" must be an array of strings");
                return false;
            }
            QStringList dirs;
            for (const QJsonValue &dir : value.toArray()) {
                if (!dir.isString()) {
                    if (errorString)
                        *errorString = QStringLiteral("config key \"pluginDirs\" must be an array of strings");
                    return false;
                }
                dirs << dir.toString();
            }
            next.pluginDirs = dirs;
        } else if (key == QLatin1String("exec")) {
            // [{"route": "/rev", "command": ["rev"], "shell": false, "binary": false}, ...]
            const QString bad = QStringLiteral("config key \"exec\" must be an array of {\"route\": string, "
                                               "\"command\": [strings], \"shell\": bool, \"binary\": bool}");
            if (!value.isArray()) {
                if (errorString)
                    *errorString = bad;
                return false;
            }
            next.execRoutes.clear();
            for (const QJsonValue &entry : value.toArray()) {
                const QJsonObject o = entry.toObject();
                ExecRoute r;
                r.route = o.value(QStringLiteral("route")).toString();
                for (const QJsonValue &part : o.value(QStringLiteral("command")).toArray())
                    r.command << part.toString();
                r.shell = o.value(QStringLiteral("shell")).toBool();
                r.binary = o.value(QStringLiteral("binary")).toBool();
                static const QStringList keys = {QStringLiteral("route"), QStringLiteral("command"),
                                                 QStringLiteral("shell"), QStringLiteral("binary")};
                const QStringList given = o.keys();
                const bool known = std::all_of(given.cbegin(), given.cend(), [](const QString &k) { return keys.contains(k); });
                if (!entry.isObject() || !known || !o.value(QStringLiteral("route")).isString()
                    || !o.value(QStringLiteral("command")).isArray() || r.command.isEmpty()
                    || r.command.contains(QString()) || (o.contains(QStringLiteral("shell")) && !o.value(QStringLiteral("shell")).isBool())
                    || (o.contains(QStringLiteral("binary")) && !o.value(QStringLiteral("binary")).isBool())) {
                    if (errorString)
                        *errorString = bad;
                    return false;
                }
                next.execRoutes.append(r);
            }
        } else if (key == QLatin1String("plugins")) {
            if (!value.isObject()) {
                if (errorString)
                    *errorString = QStringLiteral("config key \"plugins\" must be an object of plugin Id -> settings object");
                return false;
            }
            const QJsonObject plugins = value.toObject();
            for (auto p = plugins.begin(); p != plugins.end(); ++p) {
                if (!p.value().isObject()) {
                    if (errorString)
                        *errorString = QStringLiteral("settings of plugin \"%1\" must be an object").arg(Protocol::oneLine(p.key()));
                    return false;
                }
                next.pluginSettings.insert(p.key(), p.value().toObject().toVariantMap());
            }
        } else {
            if (errorString)
                *errorString = QStringLiteral("unknown config key \"%1\"").arg(Protocol::oneLine(key));
            return false;
        }
    }
    if (!next.validate(errorString))
        return false;
    *this = next;
    return true;
}

bool HostConfig::validate(QString *errorString) const
{
    auto fail = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return false;
    };
    if (address.isNull())
        return fail(QStringLiteral("no listen address"));
    // Ranges come from the settings table, the same the config file and the flags check.
    for (const IntSetting &s : intSettings()) {
        const qint64 v = s.get(*this);
        if (v < s.min || v > s.max) {
            return fail(QStringLiteral("\"%1\" must be an integer from %2 to %3, not %4")
                            .arg(QLatin1String(s.key)).arg(s.min).arg(s.max).arg(v));
        }
    }
    if (maxFrameBytes > maxMessageBytes)
        return fail(QStringLiteral("max frame size must not exceed max message size"));
    for (const ExecRoute &r : execRoutes) {
        if (r.command.isEmpty() || r.command.first().isEmpty())
            return fail(QStringLiteral("exec route %1 has no command").arg(Protocol::oneLine(r.route)));
    }
    for (const QString &entry : deflate) {
        if (!Internal::PerMessageDeflate::validSetting(entry))
            return fail(QStringLiteral("deflate: \"%1\" is not on, off, ROUTE=on or ROUTE=off").arg(Protocol::oneLine(entry)));
    }
    for (const QString &route : requireToken) {
        if (route != QLatin1String("*") && !route.startsWith(QLatin1Char('/')))
            return fail(QStringLiteral("require-token: \"%1\" is neither * nor a route starting with /").arg(Protocol::oneLine(route)));
    }
    QString originError;
    if (!Internal::OriginPolicy::parse(allowedOrigins, &originError))
        return fail(originError);
    if (!requireToken.isEmpty() && jwtHs256SecretFile.isEmpty() && jwtPublicKeyFile.isEmpty())
        return fail(QStringLiteral("require-token needs a key: --jwt-hs256-secret-file or --jwt-public-key-file"));
    for (const auto &[token, what] : {std::pair{&adminToken, "the admin token"}, std::pair{&adminReadToken, "the read-only admin token"}}) {
        if (!token->isEmpty() && token->size() < 8)
            return fail(QStringLiteral("%1 must have at least 8 characters").arg(QLatin1String(what)));
        for (QChar c : *token) {
            // It travels in a query string and a header: URL-safe characters only.
            const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
                    || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || QStringLiteral("-._~").contains(c);
            if (!ok)
                return fail(QStringLiteral("%1 may only have letters, digits and - . _ ~").arg(QLatin1String(what)));
        }
    }
    if (tlsCertFile.isEmpty() != tlsKeyFile.isEmpty())
        return fail(QStringLiteral("--tls-cert and --tls-key go together: give both or neither"));
    for (const QString &proxy : trustedProxies) {
        if (!Internal::ForwardedFor::parseRange(proxy))
            return fail(QStringLiteral("trusted-proxy: \"%1\" is not an address or CIDR range").arg(Protocol::oneLine(proxy)));
    }
    QString redisError;
    if (!redisUrl.isEmpty() && !Internal::RedisAddress::parse(redisUrl, &redisError))
        return fail(QStringLiteral("redis: %1").arg(redisError));
    if (!nodeId.isEmpty() && !Internal::BusEnvelope::isValidName(nodeId.toUtf8()))
        return fail(QStringLiteral("node-id: 1-64 of A-Z a-z 0-9 _ . : - expected"));
    if (!adminReadToken.isEmpty() && adminReadToken == adminToken)
        return fail(QStringLiteral("the read-only admin token must differ from the admin token"));
    return true;
}

} // namespace WsPlug
