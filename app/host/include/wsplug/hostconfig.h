// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QHostAddress>
#include <QStringList>
#include <QVariantMap>

namespace WsPlug {

/*
 * Everything a HostServer can be told. Defaults are chosen for a host that faces
 * real clients; the JSON config file and the wsplug-host flags use the same names
 * (see README "Options").
 */
struct WSPLUG_EXPORT HostConfig
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8765;                  //!< 0 = pick a free port
    int listenBacklog = 1024;             //!< Qt's default of 50 drops SYNs under a connect burst

    QStringList pluginDirs;               //!< empty = the bundled plugin directory
    QVariantMap pluginSettings;           //!< plugin Id -> its settings object
    //! Load, reload and unload plugin files as they appear, change and go in pluginDirs.
    bool watchPlugins = true;
    int pluginSettleMs = 500;             //!< a new or changed file is loaded once unchanged this long
    //! A removed or replaced plugin's sessions are closed with 1001 after this;
    //! 0 = at once, -1 = they may stay until they end.
    int unloadGraceMs = 10000;

    //! A route served by a program, one process per connection (websocketd's model).
    struct ExecRoute
    {
        QString route;          //!< e.g. "/rev"; exact, or "/prefix/*"
        QStringList command;    //!< program and arguments; no shell unless \c shell
        bool shell = false;     //!< run command (joined by spaces) with /bin/sh -c
        bool binary = false;    //!< raw bytes both ways instead of a message per line
    };
    QList<ExecRoute> execRoutes;
    int maxExecProcesses = 64;            //!< handler processes at once; over it: 503

    int maxConnections = 10000;           //!< sessions + handshakes in progress; over it: 503
    int maxConnectionsPerIp = 256;        //!< the same, per client address; over it: 429
    // Abuse limits, 0 = off: new connections a second from one address (over it: 429),
    // and messages and payload bytes a second from one session (over it: close 1008).
    int maxConnectsPerIpPerSecond = 0;
    int maxMessagesPerSecond = 0;
    qint64 maxBytesPerSecond = 0;
    int handshakeTimeoutMs = 10000;       //!< a request head must be complete by then
    int maxRequestHeadBytes = 8192;       //!< longer heads get 431
    qint64 maxFrameBytes = 16 * 1024 * 1024;    //!< larger incoming frame: close 1009
    qint64 maxMessageBytes = 16 * 1024 * 1024;  //!< larger incoming message: close 1009
    qint64 maxSendBacklogBytes = 8 * 1024 * 1024; //!< unsent data past this: the peer is cut off

    int pingIntervalMs = 30000;           //!< 0 disables heartbeats; a session's first ping is
                                          //!< due after 0.5-1 interval, spreading bursts
    int pongTimeoutMs = 10000;            //!< no pong within this after a ping: abort
    int shutdownGraceMs = 3000;           //!< how long stop() waits for close handshakes

    bool adminEnabled = true;             //!< serve the admin channel at /_admin
    QString adminToken;                   //!< empty = a random one is made at start()
    //! A second admin token that may watch (snapshot, list, get, handshake, watch) but not
    //! act (close, kick, send, teaching actions, plugins); empty = none.
    QString adminReadToken;
    int maxAdminConnections = 8;          //!< admin clients at once; over it: 503
    bool metricsEnabled = true;           //!< answer GET /metrics, /healthz, /readyz
    bool pageEnabled = true;              //!< serve the client page at GET /
    //! A client that offers only subprotocols its route does not speak: false = refuse
    //! with 400 naming what the route speaks; true = upgrade without a subprotocol.
    bool upgradeWithoutSubprotocol = false;
    int handshakeLogSize = 500;           //!< upgrade attempts kept (oldest dropped first)
    int statsTickMs = 250;                //!< rate sampling period
    int rateHistorySeconds = 600;         //!< rate samples kept

    //! Bearer tokens (docs/security.md). Routes in requireToken ("*": every plugin
    //! route) refuse a handshake without a valid token with 401 before the upgrade.
    QStringList requireToken;
    //! Browser origins allowed per route ("[ROUTE=]ORIGIN[,ORIGIN...]"; see
    //! docs/security.md); a refused Origin gets 403 before the upgrade. Empty = any.
    QStringList allowedOrigins;
    //! permessage-deflate (RFC 7692) per route: "on", "off", "ROUTE=on", "ROUTE=off";
    //! a route's own entry wins, then the last general one; default off.
    QStringList deflate;
    QString jwtHs256SecretFile;           //!< file holding the HS256 secret (32 bytes or more)
    QString jwtPublicKeyFile;             //!< PEM public key: RSA (RS256) or EC P-256 (ES256)
    QString jwtIssuer;                    //!< if set, "iss" must equal it
    QString jwtAudience;                  //!< if set, "aud" must name it
    int jwtClockSkewSeconds = 30;         //!< allowance for exp and nbf
    //! A session whose token expired, and was not refreshed, is closed with 4001 this long after "exp".
    int tokenGraceMs = 25000;

    //! TLS (docs/security.md): with both set the port serves wss:// and https (TLS 1.2 or
    //! newer); the files are read again on reloadTlsCertificate() and when they change.
    QString tlsCertFile;                  //!< PEM certificate chain, leaf first
    QString tlsKeyFile;                   //!< PEM private key of the leaf
    //! Proxies whose X-Forwarded-For / Forwarded headers are believed (CIDR or address);
    //! empty = the TCP peer is the client.
    QStringList trustedProxies;

    //! Record every session's bytes, both ways, to this pcapng file (created anew at
    //! start()); empty = no capture. See README "Capturing to Wireshark".
    QString captureFile;
    qint64 captureMaxBytes = 256 * 1024 * 1024;  //!< the capture file never grows past this

    //! The cluster (docs/scale-out.md): Redis as redis://HOST[:PORT][/DB]; empty = this host alone.
    QString redisUrl;
    QString nodeId;                       //!< this host in the cluster; empty = host name + ":" + port
    bool readyNeedsCluster = true;        //!< /readyz fails while Redis is away
    int clusterQueueSize = 10000;         //!< publishes queued while Redis is away; more are refused
    int clusterTimeoutMs = 2000;          //!< Redis connect and command timeout
    int drainPeriodMs = 10000;            //!< a drain (SIGUSR1, admin "drain") closes the sessions over this long

    /*! Reads a JSON config object into this config; keys that are absent keep their
        current value. Returns false with a one-line \a errorString on a syntax error,
        an unknown key or a value of the wrong type or range. */
    bool loadJson(const QByteArray &json, QString *errorString);
    /*! Checks ranges; false with a one-line \a errorString for the first bad value. */
    bool validate(QString *errorString) const;

    //! An integer setting: its config key, its range, its command-line flag and help
    //! (none for config-only settings), and how to read and set it.
    struct IntSetting
    {
        const char *key;
        qint64 min;
        qint64 max;
        qint64 (*get)(const HostConfig &config);
        void (*set)(HostConfig &config, qint64 value);
        const char *flag;   //!< nullptr: config file only
        const char *help;
    };
    //! A text setting (a string, or with \c list a repeatable flag and a JSON array of
    //! strings): its config key, its flag and help, and where it lives.
    struct TextSetting
    {
        const char *key;
        const char *flag;
        const char *valueName;
        const char *help;
        QString HostConfig::*text;       //!< or nullptr
        QStringList HostConfig::*list;   //!< or nullptr
    };
    //! Every text setting that has a flag and a config key of the same meaning.
    static const QList<TextSetting> &textSettings();

    //! Every integer setting: the one list validate(), the config file, the programs'
    //! flags and the admin snapshot's limits use.
    static const QList<IntSetting> &intSettings();
    //! The setting with config key \a key, or nullptr.
    static const IntSetting *intSetting(QLatin1String key);
};

} // namespace WsPlug
