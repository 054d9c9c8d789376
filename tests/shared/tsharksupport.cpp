// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "tsharksupport.h"

#include <QDeadlineTimer>
#include <QProcess>

namespace WsPlug::Test {

QByteArray tshark(const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start(Tshark, arguments);
    if (!process.waitForStarted(10000))
        return "tshark did not start";
    QDeadlineTimer deadline(60000);
    QByteArray out;
    while (process.state() != QProcess::NotRunning && !deadline.hasExpired()) {
        QTest::qWait(10);
        out += process.readAllStandardOutput();
    }
    out += process.readAllStandardOutput();
    if (process.state() != QProcess::NotRunning || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        return "tshark " + arguments.join(QLatin1Char(' ')).toUtf8() + " failed: "
                + process.readAllStandardError().simplified();
    }
    return out;
}

QStringList flattenedRows(const QByteArray &output)
{
    QStringList rows;
    for (const QByteArray &line : output.split('\n')) {
        if (line.isEmpty())
            continue;
        QList<QList<QByteArray>> columns;
        for (const QByteArray &field : line.split('\t'))
            columns.append(field.split(','));
        for (qsizetype i = 0; i < columns.first().size(); ++i) {
            QStringList row;
            for (const QList<QByteArray> &column : columns)
                row << QString::fromUtf8(i < column.size() ? column.at(i) : QByteArray("?"));
            rows << row.join(QLatin1Char(' '));
        }
    }
    return rows;
}

QStringList webSocketFrames(const QString &file, const QStringList &extraFields)
{
    QStringList arguments = {QStringLiteral("-r"), file, QStringLiteral("-Y"), QStringLiteral("websocket"),
                             QStringLiteral("-T"), QStringLiteral("fields")};
    for (const QString &field : extraFields)
        arguments << QStringLiteral("-e") << field;
    for (const char *field : {"websocket.opcode", "websocket.fin", "websocket.mask", "websocket.payload_length"})
        arguments << QStringLiteral("-e") << QLatin1String(field);
    return flattenedRows(tshark(arguments));
}

QString frameRow(int opcode, bool fin, bool masked, qsizetype length)
{
    const qsizetype field = length < 126 ? length : length <= 0xffff ? 126 : 127;
    return QStringLiteral("%1 %2 %3 %4").arg(opcode).arg(int(fin)).arg(int(masked)).arg(field);
}

QByteArray tsharkComplaints(const QString &file)
{
    return tshark({QStringLiteral("-r"), file, QStringLiteral("-o"), QStringLiteral("tcp.check_checksum:TRUE"),
                   QStringLiteral("-o"), QStringLiteral("ip.check_checksum:TRUE"), QStringLiteral("-Y"),
                   QStringLiteral("tcp.analysis.flags || tcp.checksum.status != 1 || ip.checksum.status == 0"
                                  " || _ws.malformed || _ws.expert.severity >= \"warning\"")});
}

} // namespace WsPlug::Test
