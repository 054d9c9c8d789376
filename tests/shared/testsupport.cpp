// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "testsupport.h"

#include <wsplug/hostserver.h>

#include <QSignalSpy>

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>
#include <QtEndian>

#include <zlib.h>

namespace WsPlug::Test {

namespace {
// The host under test usually runs on this thread: wait by running the event loop,
// never by blocking in waitForReadyRead().
void spin()
{
    QTest::qWait(2);
}
} // namespace

HostConfig testConfig()
{
    HostConfig c;
    c.address = QHostAddress::LocalHost;
    c.port = 0;
    c.pluginDirs = {QStringLiteral(WSPLUG_PLUGIN_DIR)};
    c.pingIntervalMs = 0;
    c.shutdownGraceMs = 2000;
    return c;
}

QUrl wsUrl(quint16 port, const QString &pathAndQuery)
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(port).arg(pathAndQuery));
}

QByteArray runProgram(const QString &program, const QStringList &args, const QString &dir)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (!dir.isEmpty())
        p.setWorkingDirectory(dir);
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return "cannot start " + program.toUtf8();
    if (!QTest::qWaitFor([&p] { return p.state() == QProcess::NotRunning; }, 120000))
        return "timed out: " + p.readAll();
    QByteArray out = p.readAll();
    if (p.exitCode() != 0)
        out += "\nexit code " + QByteArray::number(p.exitCode());
    return out;
}

QString missingPythonWebsockets()
{
    const QByteArray out = runProgram(QLatin1String(DebianPython), {QStringLiteral("-c"), QStringLiteral("import websockets")});
    return out.isEmpty() ? QString() : QStringLiteral("Debian's python3-websockets");
}

QByteArray handshakeRequest(const QString &path, const QByteArray &extraHeaders)
{
    return "GET " + path.toUtf8() + " HTTP/1.1\r\n"
           "Host: 127.0.0.1\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           + extraHeaders + "\r\n";
}

bool connectRaw(QTcpSocket &socket, quint16 port)
{
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(5000);
}

QByteArray readResponseHead(QTcpSocket &socket, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QByteArray data;
    while (!deadline.hasExpired()) {
        data += socket.peek(socket.bytesAvailable());
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end >= 0) {
            socket.skip(end + 4);
            return data.left(end + 4);
        }
        data.clear();
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            break;
        spin();
    }
    return socket.readAll();
}

int statusCode(const QByteArray &responseHead)
{
    if (!responseHead.startsWith("HTTP/1.1 "))
        return -1;
    bool ok = false;
    const int code = responseHead.mid(9, 3).toInt(&ok);
    return ok ? code : -1;
}

QByteArray rawRequest(quint16 port, const QByteArray &request, int timeoutMs)
{
    QTcpSocket socket;
    if (!connectRaw(socket, port))
        return {};
    socket.write(request);
    socket.flush();
    return readResponseHead(socket, timeoutMs);
}

QByteArray clientFrame(int opcode, const QByteArray &payload, bool fin, bool masked, int rsv)
{
    QByteArray frame;
    frame.append(char((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)));
    const quint64 len = quint64(payload.size());
    const char maskBit = masked ? char(0x80) : char(0);
    if (len <= 125) {
        frame.append(char(maskBit | char(len)));
    } else if (len <= 0xffff) {
        frame.append(char(maskBit | 126));
        const quint16 be = qToBigEndian<quint16>(quint16(len));
        frame.append(reinterpret_cast<const char *>(&be), 2);
    } else {
        frame.append(char(maskBit | 127));
        const quint64 be = qToBigEndian<quint64>(len);
        frame.append(reinterpret_cast<const char *>(&be), 8);
    }
    if (!masked)
        return frame + payload;
    const quint32 key = QRandomGenerator::global()->generate();
    const char *k = reinterpret_cast<const char *>(&key);
    frame.append(k, 4);
    QByteArray body = payload;
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char(body[i] ^ k[i % 4]);
    return frame + body;
}

QByteArray deflateMessage(const QByteArray &data, int level)
{
    z_stream z{};
    deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(qsizetype(deflateBound(&z, uLong(data.size())) + 16), Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    z.avail_in = uInt(data.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_SYNC_FLUSH);
    out.truncate(out.size() - qsizetype(z.avail_out) - 4);
    deflateEnd(&z);
    return out;
}

QByteArray clientFrameWithLongLength(int opcode, const QByteArray &payload, bool fin, bool masked)
{
    Q_ASSERT(payload.size() < 126);
    // The 7-bit form, rewritten to 126 + two length bytes; key and payload stay.
    const QByteArray frame = clientFrame(opcode, payload, fin, masked);
    return frame.left(1) + char((masked ? 0x80 : 0) | 126) + char(0) + char(payload.size()) + frame.mid(2);
}

std::optional<Frame> takeFrame(QByteArray &buffer)
{
    if (buffer.size() < 2)
        return std::nullopt;
    const auto b0 = quint8(buffer[0]);
    const auto b1 = quint8(buffer[1]);
    quint64 len = b1 & 0x7f;
    qsizetype offset = 2;
    if (len == 126) {
        if (buffer.size() < 4)
            return std::nullopt;
        len = qFromBigEndian<quint16>(buffer.constData() + 2);
        offset = 4;
    } else if (len == 127) {
        if (buffer.size() < 10)
            return std::nullopt;
        len = qFromBigEndian<quint64>(buffer.constData() + 2);
        offset = 10;
    }
    if ((b1 & 0x80) != 0)
        offset += 4;   // a server never masks; tolerate it anyway for parsing
    if (quint64(buffer.size() - offset) < len)
        return std::nullopt;
    Frame f;
    f.fin = (b0 & 0x80) != 0;
    f.opcode = b0 & 0x0f;
    f.payload = buffer.mid(offset, qsizetype(len));
    buffer.remove(0, offset + qsizetype(len));
    return f;
}

std::optional<Frame> readFrame(QTcpSocket &socket, QByteArray &buffer, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        buffer += socket.readAll();
        if (auto f = takeFrame(buffer))
            return f;
        if (deadline.hasExpired() || socket.state() != QAbstractSocket::ConnectedState)
            return std::nullopt;
        spin();
    }
}

QByteArray closePayload(quint16 code, const QByteArray &reason)
{
    QByteArray payload(2, Qt::Uninitialized);
    qToBigEndian<quint16>(code, payload.data());
    return payload + reason;
}

int closeCodeOf(const Frame &frame)
{
    return frame.payload.size() >= 2 ? qFromBigEndian<quint16>(frame.payload.constData()) : -1;
}

QByteArray acceptFor(const QByteArray &key)
{
    return QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                    QCryptographicHash::Sha1).toBase64();
}

int openFdCount()
{
    return int(QDir(QStringLiteral("/proc/self/fd"))
                   .entryList(QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot)
                   .size());
}

bool upgradeRaw(QTcpSocket &socket, quint16 port, const QString &path)
{
    if (!connectRaw(socket, port))
        return false;
    socket.write(handshakeRequest(path));
    return statusCode(readResponseHead(socket)) == 101;
}

std::unique_ptr<QWebSocket> openClient(quint16 port, const QString &path)
{
    auto client = std::make_unique<QWebSocket>();
    QSignalSpy connected(client.get(), &QWebSocket::connected);
    client->open(wsUrl(port, path));
    if (!connected.wait(5000))
        return nullptr;
    return client;
}

bool waitForDisconnect(QTcpSocket &socket, int timeoutMs, QByteArray *received)
{
    QDeadlineTimer deadline(timeoutMs);
    QByteArray discarded;
    QByteArray &sink = received ? *received : discarded;
    while (socket.state() != QAbstractSocket::UnconnectedState) {
        if (deadline.hasExpired())
            return false;
        sink += socket.readAll();
        discarded.clear();
        spin();
    }
    sink += socket.readAll();
    return true;
}

std::unique_ptr<HostServer> startedHost(const HostConfig &config)
{
    auto host = std::make_unique<HostServer>();
    host->setConfig(config);
    if (!host->start())
        return nullptr;
    return host;
}

QString missingBrowserPeers(const QString &browserTestsDir)
{
    QStringList missing;
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
        missing << QStringLiteral("node");
    if (!QFileInfo::exists(qEnvironmentVariable("WSPLUG_CHROMIUM", QStringLiteral("/usr/bin/chromium"))))
        missing << QStringLiteral("Debian's chromium");
    for (const char *package : {"playwright-core", "ws"}) {
        if (!QFileInfo::exists(browserTestsDir + QStringLiteral("/node_modules/") + QLatin1String(package)))
            missing << QStringLiteral("tests/browser/node_modules/%1 (npm ci)").arg(QLatin1String(package));
    }
    return missing.join(QStringLiteral(", "));
}

quint16 freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

quint16 startHostProgram(QProcess &process, const QString &program, const QStringList &args, QByteArray *stdoutSeen)
{
    process.start(program, args);
    if (!process.waitForStarted(5000))
        return 0;
    static const QRegularExpression listening(QStringLiteral("listening on wss?://\\S+:(\\d+)\\s"));
    QByteArray out;
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        process.waitForReadyRead(100);
        out += process.readAllStandardOutput();
        if (const auto m = listening.match(QString::fromUtf8(out)); m.hasMatch()) {
            if (stdoutSeen)
                *stdoutSeen = out;
            return quint16(m.captured(1).toUInt());
        }
        if (process.state() != QProcess::Running)
            break;
    }
    qWarning() << "no listening line:" << out << process.readAllStandardError();
    if (stdoutSeen)
        *stdoutSeen = out;
    return 0;
}

} // namespace WsPlug::Test
