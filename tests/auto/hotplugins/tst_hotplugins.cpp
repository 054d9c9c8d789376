// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Hot plugins: a real host on a watched directory, real clients, and plugin files
// dropped in, copied over, renamed onto and removed the way users do it.

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>
#include <wsplug/protocol/adminprotocol.h>

#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <cstdio>
#include <memory>

using namespace WsPlug;
using namespace WsPlug::Test;

namespace {

QString built(const QString &name)
{
    return QStringLiteral(WSPLUG_HOT_PLUGIN_DIR "/%1.so").arg(name);
}

QByteArray contentsOf(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

//! Writes \a data to \a path the way cp does: opened for writing with truncation (an
//! existing file keeps its inode, so whoever mapped it sees the new bytes), then
//! written in 64 KiB blocks.
bool cp(const QByteArray &data, const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    for (qsizetype at = 0; at < data.size(); at += 65536) {
        if (f.write(data.constData() + at, std::min<qsizetype>(65536, data.size() - at)) < 0)
            return false;
    }
    return true;
}

//! The private copies of plugin \a fileName this process has mapped (/proc/self/maps),
//! removed ones too: a library that was not really unloaded stays mapped "(deleted)".
QStringList mappedCopies(const QString &fileName)
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    QStringList paths;
    const QString suffix = QLatin1Char('-') + fileName;
    for (const QByteArray &line : maps.readAll().split('\n')) {
        const qsizetype slash = line.indexOf('/');
        QString path = slash < 0 ? QString() : QString::fromLocal8Bit(line.mid(slash)).trimmed();
        if (path.endsWith(QLatin1String(" (deleted)")))
            path.chop(10);
        if (path.endsWith(suffix) && !paths.contains(path))
            paths << path;
    }
    return paths;
}

//! A client on \a path of the host, with the texts it receives.
struct Client
{
    std::unique_ptr<QWebSocket> socket = std::make_unique<QWebSocket>();
    std::unique_ptr<QSignalSpy> texts;
    std::unique_ptr<QSignalSpy> closed;

    bool open(quint16 port, const QString &path)
    {
        texts = std::make_unique<QSignalSpy>(socket.get(), &QWebSocket::textMessageReceived);
        closed = std::make_unique<QSignalSpy>(socket.get(), &QWebSocket::disconnected);
        QSignalSpy up(socket.get(), &QWebSocket::connected);
        socket->open(wsUrl(port, path));
        return up.wait(5000) || up.size() == 1;
    }
    //! Sends \a text and returns the answer, or "(none)" after 5 s.
    QString ask(const QString &text)
    {
        const qsizetype before = texts->size();
        socket->sendTextMessage(text);
        for (int i = 0; i < 500 && texts->size() == before; ++i)
            QTest::qWait(10);
        return texts->size() > before ? texts->at(before).first().toString() : QStringLiteral("(none)");
    }
};

int upgradeStatus(quint16 port, const QString &path)
{
    return statusCode(rawRequest(port, handshakeRequest(path)));
}

} // namespace

class tst_HotPlugins : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void droppedInPluginServesWithinFiveSeconds();
    void copyOverLoadedPluginReloadsAndHostSurvives();
    void removedPluginClosesSessionsWith1001AndRefusesItsRoute();
    void renamedOntoPluginKeepsOldSessionsOnOldBuild();
    void halfWrittenFileIsNotLoadedUntilComplete();
    void refusedPluginIsReportedAndOthersKeepWorking();
    void unloadAndReloadThroughTheApi();
    void watchOffChangesNothing();
    void privateCopiesAreRemovedAtStop();
    void copiesLeftByADeadHostAreRemoved();
    void adminChannelLoadsReloadsUnloadsAndTellsWhatHappened();

private:
    //! A host on m_dir holding hot v1 (as hot.so).
    bool startHost(int unloadGraceMs, bool watch = true, int settleMs = 500);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HostServer> m_host;
    QString m_hot;   // m_dir/hot.so
};

void tst_HotPlugins::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_hot = m_dir->filePath(QStringLiteral("hot.so"));
    QVERIFY(QFile::exists(built(QStringLiteral("hotv1"))));
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv1"))), m_hot));
}

void tst_HotPlugins::cleanup()
{
    m_host.reset();
    m_dir.reset();
}

bool tst_HotPlugins::startHost(int unloadGraceMs, bool watch, int settleMs)
{
    HostConfig config = testConfig();
    config.pluginDirs = {m_dir->path()};
    config.watchPlugins = watch;
    config.unloadGraceMs = unloadGraceMs;
    config.pluginSettleMs = settleMs;
    config.shutdownGraceMs = 500;
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(config);
    if (!m_host->start())
        return false;
    const QList<PluginMetadata> loaded = m_host->plugins().loaded();
    return loaded.size() == 1 && loaded.first().version == QLatin1String("1.0.0");
}

void tst_HotPlugins::droppedInPluginServesWithinFiveSeconds()
{
    QVERIFY(startHost(-1));
    Client hot;
    QVERIFY(hot.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(hot.ask(QStringLiteral("a")), QStringLiteral("v1:a"));
    QCOMPARE(upgradeStatus(m_host->serverPort(), QStringLiteral("/drop")), 404);

    QSignalSpy loaded(m_host.get(), &HostServer::pluginLoaded);
    QElapsedTimer sinceDrop;
    sinceDrop.start();
    QVERIFY(cp(contentsOf(built(QStringLiteral("drop"))), m_dir->filePath(QStringLiteral("drop.so"))));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 5000);
    QCOMPARE(loaded.first().first().value<PluginMetadata>().id, QStringLiteral("drop"));
    Client drop;
    QVERIFY(drop.open(m_host->serverPort(), QStringLiteral("/drop")));
    QCOMPARE(drop.ask(QStringLiteral("b")), QStringLiteral("drop:b"));
    QVERIFY2(sinceDrop.elapsed() < 5000, qPrintable(QString::number(sinceDrop.elapsed())));
    // The client that was there all along noticed nothing.
    QCOMPARE(hot.ask(QStringLiteral("c")), QStringLiteral("v1:c"));
    QCOMPARE(hot.closed->size(), 0);
}

// The crash of issue 18: cp over a loaded plugin rewrote the pages the host ran.
void tst_HotPlugins::copyOverLoadedPluginReloadsAndHostSurvives()
{
    QVERIFY(startHost(-1));
    // The host runs a private copy, never the file in the plugin directory.
    QVERIFY(!mappedCopies(QStringLiteral("hot.so")).isEmpty());
    Client old;
    QVERIFY(old.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(old.ask(QStringLiteral("a")), QStringLiteral("v1:a"));

    QSignalSpy reloaded(m_host.get(), &HostServer::pluginReloaded);
    QSignalSpy unloaded(m_host.get(), &HostServer::pluginUnloaded);
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv2"))), m_hot));
    // The session on the old build runs old code, intact, while the file changes.
    QCOMPARE(old.ask(QStringLiteral("during")), QStringLiteral("v1:during"));
    QTRY_COMPARE_WITH_TIMEOUT(reloaded.size(), 1, 5000);
    QCOMPARE(reloaded.first().at(0).value<PluginMetadata>().version, QStringLiteral("2.0.0"));
    QCOMPARE(reloaded.first().at(1).value<PluginMetadata>().version, QStringLiteral("1.0.0"));

    Client fresh;
    QVERIFY(fresh.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(fresh.ask(QStringLiteral("b")), QStringLiteral("v2:b"));
    QCOMPARE(old.ask(QStringLiteral("c")), QStringLiteral("v1:c"));
    QCOMPARE(m_host->plugins().draining().size(), 1);
    QCOMPARE(mappedCopies(QStringLiteral("hot.so")).size(), 2);

    // The old build goes once its last session has.
    old.socket->close();
    QTRY_COMPARE_WITH_TIMEOUT(unloaded.size(), 1, 5000);
    QCOMPARE(unloaded.first().first().value<PluginMetadata>().version, QStringLiteral("1.0.0"));
    QVERIFY(m_host->plugins().draining().isEmpty());
    QCOMPARE(mappedCopies(QStringLiteral("hot.so")).size(), 1);
    QCOMPARE(fresh.ask(QStringLiteral("d")), QStringLiteral("v2:d"));
}

void tst_HotPlugins::removedPluginClosesSessionsWith1001AndRefusesItsRoute()
{
    QVERIFY(startHost(300));
    const QStringList copies = mappedCopies(QStringLiteral("hot.so"));
    QCOMPARE(copies.size(), 1);
    Client client;
    QVERIFY(client.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(client.ask(QStringLiteral("a")), QStringLiteral("v1:a"));

    QSignalSpy draining(m_host.get(), &HostServer::pluginDraining);
    QSignalSpy unloaded(m_host.get(), &HostServer::pluginUnloaded);
    QVERIFY(QFile::remove(m_hot));
    QTRY_COMPARE_WITH_TIMEOUT(draining.size(), 1, 5000);
    QCOMPARE(draining.first().at(1).toInt(), 1);
    // Its route takes no new session at once; its session gets the grace period.
    QCOMPARE(upgradeStatus(m_host->serverPort(), QStringLiteral("/hot")), 404);
    QTRY_COMPARE_WITH_TIMEOUT(client.closed->size(), 1, 5000);
    QCOMPARE(int(client.socket->closeCode()), 1001);
    QTRY_COMPARE_WITH_TIMEOUT(unloaded.size(), 1, 5000);
    QVERIFY(m_host->plugins().loaded().isEmpty());
    QVERIFY(m_host->plugins().draining().isEmpty());
    // Unloaded for real: its code is unmapped and its private copy is gone.
    QVERIFY(mappedCopies(QStringLiteral("hot.so")).isEmpty());
    QVERIFY(!QFile::exists(copies.first()));
    QCOMPARE(m_host->sessionCount(), 0);
}

void tst_HotPlugins::renamedOntoPluginKeepsOldSessionsOnOldBuild()
{
    QVERIFY(startHost(-1));
    Client old;
    QVERIFY(old.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(old.ask(QStringLiteral("a")), QStringLiteral("v1:a"));

    QSignalSpy reloaded(m_host.get(), &HostServer::pluginReloaded);
    // Written beside it, then renamed onto it, as installers and editors do.
    const QString part = m_dir->filePath(QStringLiteral("hot.so.part"));
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv2"))), part));
    QCOMPARE(std::rename(QFile::encodeName(part).constData(), QFile::encodeName(m_hot).constData()), 0);
    QTRY_COMPARE_WITH_TIMEOUT(reloaded.size(), 1, 5000);
    Client fresh;
    QVERIFY(fresh.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(fresh.ask(QStringLiteral("b")), QStringLiteral("v2:b"));
    // With unloadGraceMs -1 the old session stays on the old build as long as it likes.
    QCOMPARE(old.ask(QStringLiteral("c")), QStringLiteral("v1:c"));
    QCOMPARE(old.closed->size(), 0);

    // The rename replaced the watched file: it is watched again, so a later cp over it
    // (seen only by a watch on the file itself) reloads once more.
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv1"))), m_hot));
    QTRY_COMPARE_WITH_TIMEOUT(reloaded.size(), 2, 5000);
    Client third;
    QVERIFY(third.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(third.ask(QStringLiteral("d")), QStringLiteral("v1:d"));
    QCOMPARE(fresh.ask(QStringLiteral("e")), QStringLiteral("v2:e"));
    QCOMPARE(old.ask(QStringLiteral("f")), QStringLiteral("v1:f"));
    QCOMPARE(m_host->plugins().draining().size(), 2);
}

void tst_HotPlugins::halfWrittenFileIsNotLoadedUntilComplete()
{
    // Pieces come 100 ms apart; a settle time of 1 s leaves a loaded machine room to be late.
    QVERIFY(startHost(-1, true, 1000));
    QSignalSpy loaded(m_host.get(), &HostServer::pluginLoaded);
    QSignalSpy refused(m_host.get(), &HostServer::pluginRefused);
    const QByteArray data = contentsOf(built(QStringLiteral("drop")));
    QVERIFY(data.size() > 1000);
    const QString target = m_dir->filePath(QStringLiteral("drop.so"));
    QFile file(target);
    QVERIFY(file.open(QIODevice::WriteOnly));
    // A slow writer: 20 pieces, one every 100 ms.
    const qsizetype piece = data.size() / 20 + 1;
    for (qsizetype at = 0; at < data.size(); at += piece) {
        QVERIFY(file.write(data.mid(at, piece)) > 0);
        QVERIFY(file.flush());
        QTest::qWait(100);
        QCOMPARE(loaded.size(), 0);
        QCOMPARE(refused.size(), 0);   // never even tried
    }
    file.close();
    QCOMPARE(upgradeStatus(m_host->serverPort(), QStringLiteral("/drop")), 404);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 5000);
    QCOMPARE(refused.size(), 0);
    Client drop;
    QVERIFY(drop.open(m_host->serverPort(), QStringLiteral("/drop")));
    QCOMPARE(drop.ask(QStringLiteral("x")), QStringLiteral("drop:x"));
}

void tst_HotPlugins::refusedPluginIsReportedAndOthersKeepWorking()
{
    QVERIFY(startHost(-1));
    Client hot;
    QVERIFY(hot.open(m_host->serverPort(), QStringLiteral("/hot")));
    QSignalSpy refused(m_host.get(), &HostServer::pluginRefused);
    QSignalSpy loaded(m_host.get(), &HostServer::pluginLoaded);
    const QString clash = m_dir->filePath(QStringLiteral("clash.so"));
    const QString junk = m_dir->filePath(QStringLiteral("junk.so"));
    QVERIFY(cp(contentsOf(built(QStringLiteral("clash"))), clash));
    QVERIFY(cp(QByteArray(4096, 'x'), junk));
    QTRY_COMPARE_WITH_TIMEOUT(refused.size(), 2, 5000);
    QHash<QString, QString> reasons;
    for (const QList<QVariant> &args : refused)
        reasons.insert(args.at(0).toString(), args.at(1).toString());
    QVERIFY2(reasons.value(clash).contains(QStringLiteral("already served by plugin \"hot\"")), qPrintable(reasons.value(clash)));
    QVERIFY2(reasons.value(junk).contains(QStringLiteral("not a Qt plugin")), qPrintable(reasons.value(junk)));
    QCOMPARE(m_host->plugins().refused().size(), 2);
    QCOMPARE(loaded.size(), 0);
    QCOMPARE(upgradeStatus(m_host->serverPort(), QStringLiteral("/clash")), 404);
    QCOMPARE(hot.ask(QStringLiteral("still")), QStringLiteral("v1:still"));
    // A refused file that goes is forgotten.
    QVERIFY(QFile::remove(junk));
    QTRY_COMPARE_WITH_TIMEOUT(m_host->plugins().refused().size(), 1, 5000);
}

void tst_HotPlugins::unloadAndReloadThroughTheApi()
{
    QVERIFY(startHost(0, false));
    QSignalSpy unloaded(m_host.get(), &HostServer::pluginUnloaded);
    Client client;
    QVERIFY(client.open(m_host->serverPort(), QStringLiteral("/hot")));
    QString why;
    QVERIFY(!m_host->unloadPlugin(QStringLiteral("nosuch"), &why));
    QVERIFY(why.contains(QStringLiteral("nosuch")));
    QVERIFY2(m_host->unloadPlugin(QStringLiteral("hot"), &why), qPrintable(why));
    QTRY_COMPARE_WITH_TIMEOUT(client.closed->size(), 1, 5000);
    QCOMPARE(int(client.socket->closeCode()), 1001);
    QTRY_COMPARE_WITH_TIMEOUT(unloaded.size(), 1, 5000);
    QCOMPARE(upgradeStatus(m_host->serverPort(), QStringLiteral("/hot")), 404);

    QVERIFY2(m_host->loadPlugin(m_hot, &why), qPrintable(why));
    Client again;
    QVERIFY(again.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(again.ask(QStringLiteral("a")), QStringLiteral("v1:a"));
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv2"))), m_hot));
    QSignalSpy reloaded(m_host.get(), &HostServer::pluginReloaded);
    QVERIFY2(m_host->reloadPlugin(m_hot, &why), qPrintable(why));
    QCOMPARE(reloaded.size(), 1);
    QCOMPARE(m_host->plugins().loaded().first().version, QStringLiteral("2.0.0"));
    // unloadGraceMs 0: the session on the replaced build is closed at once.
    QTRY_COMPARE_WITH_TIMEOUT(again.closed->size(), 1, 5000);
    QCOMPARE(int(again.socket->closeCode()), 1001);
    Client fresh;
    QVERIFY(fresh.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(fresh.ask(QStringLiteral("b")), QStringLiteral("v2:b"));
}

void tst_HotPlugins::watchOffChangesNothing()
{
    QVERIFY(startHost(-1, false));
    Client client;
    QVERIFY(client.open(m_host->serverPort(), QStringLiteral("/hot")));
    QSignalSpy loaded(m_host.get(), &HostServer::pluginLoaded);
    QSignalSpy reloaded(m_host.get(), &HostServer::pluginReloaded);
    QSignalSpy refused(m_host.get(), &HostServer::pluginRefused);
    QVERIFY(cp(contentsOf(built(QStringLiteral("drop"))), m_dir->filePath(QStringLiteral("drop.so"))));
    // Even unwatched, a cp over the loaded file cannot touch the code the host runs.
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv2"))), m_hot));
    // Three times the settle time: a watching host would have acted by then.
    QTest::qWait(1500);
    QCOMPARE(loaded.size(), 0);
    QCOMPARE(reloaded.size(), 0);
    QCOMPARE(refused.size(), 0);
    QCOMPARE(upgradeStatus(m_host->serverPort(), QStringLiteral("/drop")), 404);
    QCOMPARE(client.ask(QStringLiteral("a")), QStringLiteral("v1:a"));
    Client fresh;
    QVERIFY(fresh.open(m_host->serverPort(), QStringLiteral("/hot")));
    QCOMPARE(fresh.ask(QStringLiteral("b")), QStringLiteral("v1:b"));
}

void tst_HotPlugins::privateCopiesAreRemovedAtStop()
{
    QVERIFY(startHost(-1));
    const QStringList copies = mappedCopies(QStringLiteral("hot.so"));
    QCOMPARE(copies.size(), 1);
    const QString copyDir = QFileInfo(copies.first()).absolutePath();
    QVERIFY(copyDir != m_dir->path());
    QVERIFY(QFileInfo(copyDir).isDir());
    QSignalSpy stopped(m_host.get(), &HostServer::stopped);
    m_host->stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 5000);
    QVERIFY(!QFileInfo::exists(copies.first()));
    QVERIFY(!QFileInfo::exists(copyDir));
    QVERIFY(mappedCopies(QStringLiteral("hot.so")).isEmpty());
    // The file in the plugin directory is the user's: untouched.
    QCOMPARE(contentsOf(m_hot), contentsOf(built(QStringLiteral("hotv1"))));
}

// A host that was killed could not remove its copies: the next one does.
void tst_HotPlugins::copiesLeftByADeadHostAreRemoved()
{
    // A pid that is gone: a child's, taken while it runs (processId() is 0 after).
    QProcess sleeper;
    sleeper.start(QStringLiteral("sleep"), {QStringLiteral("10")});
    QVERIFY(sleeper.waitForStarted(5000));
    const qint64 pid = sleeper.processId();
    sleeper.kill();
    QVERIFY(sleeper.waitForFinished(5000));
    const QString stale = QDir::tempPath() + QStringLiteral("/wsplug-plugins-%1-AbC123").arg(pid);
    const QString alive = QDir::tempPath() + QStringLiteral("/wsplug-plugins-%1-AbC123").arg(QCoreApplication::applicationPid());
    QVERIFY(QDir().mkpath(stale));
    QVERIFY(QDir().mkpath(alive));
    QVERIFY(cp("leftover", stale + QStringLiteral("/1-hot.so")));
    QVERIFY(startHost(-1));
    QVERIFY(!QFileInfo::exists(stale));
    QVERIFY(QFileInfo::exists(alive));   // a living process's, even if it looks like ours
    QVERIFY(QDir(alive).removeRecursively());
}

// The same through the admin channel, as the monitor's Plugins tab does it: commands,
// then the new state and each event in the ticks, the settings from the config shown.
void tst_HotPlugins::adminChannelLoadsReloadsUnloadsAndTellsWhatHappened()
{
    HostConfig config = testConfig();
    config.pluginDirs = {m_dir->path()};
    config.watchPlugins = false;
    config.unloadGraceMs = 0;
    config.adminToken = QStringLiteral("hot-admin-token");
    config.statsTickMs = 50;
    config.pluginSettings.insert(QStringLiteral("drop"), QVariantMap{{QStringLiteral("greeting"), QStringLiteral("hi")}});
    m_host = std::make_unique<HostServer>();
    m_host->setConfig(config);
    QVERIFY(m_host->start());

    QWebSocket admin;
    QList<QJsonObject> messages;
    connect(&admin, &QWebSocket::textMessageReceived, this, [&messages](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    admin.open(wsUrl(m_host->serverPort(), QStringLiteral("/_admin?token=hot-admin-token")));
    QTRY_VERIFY(!messages.isEmpty());
    auto command = [&](const QByteArray &json) {
        const qint64 id = QJsonDocument::fromJson(json).object().value(QStringLiteral("id")).toInteger();
        admin.sendTextMessage(QString::fromUtf8(json));
        QJsonObject reply;
        (void)QTest::qWaitFor([&] {
            for (const QJsonObject &m : std::as_const(messages)) {
                if (m.value(QStringLiteral("type")) == QLatin1String("reply") && m.value(QStringLiteral("id")).toInteger() == id)
                    reply = m;
            }
            return !reply.isEmpty();
        }, 5000);
        return Protocol::replyFromJson(reply);
    };
    // The events that reached the admin client so far, as "kind plugin".
    auto events = [&messages] {
        QStringList out;
        for (const QJsonObject &m : std::as_const(messages)) {
            if (Protocol::messageType(m) != Protocol::MessageType::Tick)
                continue;
            const Protocol::Tick t = Protocol::tickFromJson(m);
            for (const Protocol::PluginEvent &e : t.plugins.events)
                out << e.kind + QLatin1Char(' ') + (e.plugin.isEmpty() ? QFileInfo(e.fileName).fileName() : e.plugin);
        }
        return out;
    };
    auto lastPlugins = [&messages] {
        Protocol::PluginsState state;
        for (const QJsonObject &m : std::as_const(messages)) {
            if (Protocol::messageType(m) == Protocol::MessageType::Tick && m.contains(QStringLiteral("plugins")))
                state = Protocol::tickFromJson(m).plugins;
        }
        return state;
    };

    // Only a file of a plugin directory.
    Protocol::Reply r = command(R"({"id":1,"cmd":"loadPlugin","file":"/usr/lib/x86_64-linux-gnu/libz.so.1"})");
    QVERIFY(!r.ok);
    QVERIFY2(r.error.contains(QStringLiteral("no file")), qPrintable(r.error));
    r = command(R"({"id":2,"cmd":"loadPlugin","file":"../drop.so"})");
    QVERIFY(!r.ok);
    QVERIFY(cp(contentsOf(built(QStringLiteral("drop"))), m_dir->filePath(QStringLiteral("drop.so"))));
    r = command(R"({"id":3,"cmd":"loadPlugin","file":"drop.so"})");
    QVERIFY2(r.ok, qPrintable(r.error));
    QTRY_VERIFY(events().contains(QStringLiteral("loaded drop")));
    const Protocol::PluginsState afterLoad = lastPlugins();
    QCOMPARE(afterLoad.loaded.size(), 2);
    for (const Protocol::PluginInfo &p : afterLoad.loaded) {
        if (p.id == QLatin1String("drop"))
            QCOMPARE(p.settings.value(QStringLiteral("greeting")).toString(), QStringLiteral("hi"));
    }

    Client client;
    QVERIFY(client.open(m_host->serverPort(), QStringLiteral("/hot")));
    QVERIFY(cp(contentsOf(built(QStringLiteral("hotv2"))), m_hot));
    r = command(R"({"id":4,"cmd":"reloadPlugin","plugin":"hot"})");
    QVERIFY2(r.ok, qPrintable(r.error));
    QTRY_VERIFY(events().contains(QStringLiteral("reloaded hot")));
    QTRY_VERIFY(events().contains(QStringLiteral("unloaded hot")));   // the old build, once drained
    QTRY_COMPARE_WITH_TIMEOUT(client.closed->size(), 1, 5000);
    r = command(R"({"id":5,"cmd":"unloadPlugin","plugin":"drop"})");
    QVERIFY2(r.ok, qPrintable(r.error));
    QTRY_VERIFY(events().contains(QStringLiteral("unloaded drop")));
    QCOMPARE(lastPlugins().loaded.size(), 1);
    QCOMPARE(lastPlugins().loaded.first().version, QStringLiteral("2.0.0"));
    r = command(R"({"id":6,"cmd":"unloadPlugin","plugin":"nosuch"})");
    QVERIFY(!r.ok);
    QVERIFY(r.error.contains(QStringLiteral("nosuch")));
    // A junk file is refused with its reason, as an event too.
    QVERIFY(cp("not a library", m_dir->filePath(QStringLiteral("junk.so"))));
    r = command(R"({"id":7,"cmd":"loadPlugin","file":"junk.so"})");
    QVERIFY(!r.ok);
    QTRY_VERIFY(events().contains(QStringLiteral("refused junk.so")));
    QVERIFY(!lastPlugins().refused.isEmpty());
    // A monitor attaching now gets the history in its snapshot.
    QWebSocket late;
    QList<QJsonObject> lateMessages;
    connect(&late, &QWebSocket::textMessageReceived, this, [&lateMessages](const QString &text) {
        lateMessages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    late.open(wsUrl(m_host->serverPort(), QStringLiteral("/_admin?token=hot-admin-token")));
    QTRY_VERIFY(!lateMessages.isEmpty());
    const Protocol::Snapshot snapshot = Protocol::snapshotFromJson(lateMessages.first());
    QStringList history;
    for (const Protocol::PluginEvent &e : snapshot.pluginEvents)
        history << e.kind;
    QVERIFY2(history.contains(QStringLiteral("reloaded")) && history.contains(QStringLiteral("refused")),
             qPrintable(history.join(QLatin1Char(','))));
}

QTEST_GUILESS_MAIN(tst_HotPlugins)
#include "tst_hotplugins.moc"
