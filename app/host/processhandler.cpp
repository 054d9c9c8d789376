// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "processhandler_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QProcess>
#include <QTimer>

namespace WsPlug::Internal {

namespace {
// A child asked to terminate (SIGTERM) that is still there after this is killed.
constexpr int KillGraceMs = 2000;
// Input the child has not read yet; past it, the child is not keeping up.
constexpr qint64 MaxUnreadInput = 8 * 1024 * 1024;
} // namespace

ProcessHandler::ProcessHandler(const HostConfig::ExecRoute &route, int maxProcesses, qint64 maxLineBytes,
                               int *running, Environment environment, QObject *parent)
    : QObject(parent),
      m_route(route),
      m_maxProcesses(maxProcesses),
      m_maxLineBytes(maxLineBytes),
      m_running(running),
      m_environment(std::move(environment))
{
}

ProcessHandler::~ProcessHandler()
{
    aboutToShutdown();
}

PluginMetadata ProcessHandler::metadataFor(const HostConfig::ExecRoute &route, int index)
{
    PluginMetadata md;
    md.id = QStringLiteral("exec.%1").arg(index);
    md.name = route.command.join(QLatin1Char(' '));
    md.version = QStringLiteral(WSPLUG_VERSION);
    md.apiVersion = QStringLiteral("%1.%2").arg(WSPLUG_SDK_VERSION_MAJOR).arg(WSPLUG_SDK_VERSION_MINOR);
    md.description = QStringLiteral("%1 served by the program %2 (%3 mode%4)")
                         .arg(route.route, route.command.value(0), route.binary ? QStringLiteral("binary") : QStringLiteral("line"),
                              route.shell ? QStringLiteral(", through /bin/sh") : QString());
    md.routes = {route.route};
    md.fileName = QStringLiteral("--exec %1=%2").arg(route.route, md.name);
    return md;
}

bool ProcessHandler::hasCapacity(QByteArray *why) const
{
    if (*m_running < m_maxProcesses)
        return true;
    *why = "every handler process is busy (" + QByteArray::number(m_maxProcesses) + " running)";
    return false;
}

bool ProcessHandler::initialize(HostContext *context, QString *errorString)
{
    if (m_route.command.isEmpty() || m_route.command.first().isEmpty()) {
        *errorString = QStringLiteral("no command for %1").arg(m_route.route);
        return false;
    }
    m_context = context;
    return true;
}

void ProcessHandler::sessionOpened(const SessionInfo &session)
{
    QByteArray why;
    if (!hasCapacity(&why)) {   // the gate answers 503 before this; two at once may still race
        m_context->closeSession(session.id, 1013, QString::fromUtf8(why));
        return;
    }
    auto *process = new QProcess(this);
    if (m_route.shell) {
        process->setProgram(QStringLiteral("/bin/sh"));
        process->setArguments({QStringLiteral("-c"), m_route.command.join(QLatin1Char(' '))});
    } else {
        process->setProgram(m_route.command.first());
        process->setArguments(m_route.command.mid(1));
    }
    process->setProcessEnvironment(m_environment(session));
    const SessionId id = session.id;
    connect(process, &QProcess::readyReadStandardOutput, this, [this, id, process] { onOutput(id, process); });
    connect(process, &QProcess::readyReadStandardError, this, [this, id, process] {
        // The child's diagnostics belong in the host's log, a line each.
        const QList<QByteArray> lines = process->readAllStandardError().split('\n');
        for (const QByteArray &line : lines) {
            if (!line.trimmed().isEmpty()) {
                qCInfo(m_context->logging()).noquote()
                    << QStringLiteral("session %1 stderr: %2").arg(id).arg(Protocol::oneLine(QString::fromUtf8(line)));
            }
        }
    });
    connect(process, &QProcess::finished, this, [this, id, process] { onFinished(id, process); });
    connect(process, &QProcess::errorOccurred, this, [this, id, process](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart && m_processes.value(id) == process) {
            qCWarning(m_context->logging()).noquote() << "cannot start" << m_route.command.first() << ":" << process->errorString();
            m_processes.remove(id);
            --*m_running;
            process->deleteLater();
            m_context->closeSession(id, 1011, QStringLiteral("the handler program cannot start"));
        }
    });
    m_processes.insert(id, process);
    ++*m_running;
    process->start();
}

void ProcessHandler::messageReceived(SessionId session, const Message &message)
{
    QProcess *process = m_processes.value(session);
    if (!process)
        return;
    if (!m_route.binary && message.isBinary()) {
        m_context->closeSession(session, 1003, QStringLiteral("this route takes text"));
        return;
    }
    if (process->bytesToWrite() > MaxUnreadInput) {
        m_context->closeSession(session, 1008, QStringLiteral("the handler program is not reading its input"));
        return;
    }
    if (m_route.binary)
        process->write(message.isBinary() ? message.data : message.text.toUtf8());
    else
        process->write(message.text.toUtf8() + '\n');
}

void ProcessHandler::onOutput(SessionId session, QProcess *process)
{
    if (m_processes.value(session) != process)
        return;   // its session ended: the rest of its output goes nowhere
    process->setReadChannel(QProcess::StandardOutput);
    if (m_route.binary) {
        const QByteArray data = process->readAllStandardOutput();
        if (!data.isEmpty())
            m_context->sendBinary(session, data);
        return;
    }
    while (process->canReadLine()) {
        QByteArray line = process->readLine(m_maxLineBytes + 2);
        if (!line.endsWith('\n')) {
            m_context->closeSession(session, 1009, QStringLiteral("the handler wrote a line longer than %1 bytes").arg(m_maxLineBytes));
            stop(m_processes.take(session));
            return;
        }
        line.chop(line.endsWith("\r\n") ? 2 : 1);
        m_context->sendText(session, QString::fromUtf8(line));
    }
    if (process->bytesAvailable() > m_maxLineBytes) {
        m_context->closeSession(session, 1009, QStringLiteral("the handler wrote a line longer than %1 bytes").arg(m_maxLineBytes));
        stop(m_processes.take(session));
    }
}

void ProcessHandler::onFinished(SessionId session, QProcess *process)
{
    const bool ours = m_processes.value(session) == process;
    if (ours) {
        onOutput(session, process);
        process->setReadChannel(QProcess::StandardOutput);
        if (!m_route.binary && process->bytesAvailable() > 0)   // a last line without its newline
            m_context->sendText(session, QString::fromUtf8(process->readAllStandardOutput()));
        m_processes.remove(session);
        const bool ok = process->exitStatus() == QProcess::NormalExit && process->exitCode() == 0;
        m_context->closeSession(session, ok ? 1000 : 1011,
                                ok ? QStringLiteral("the handler program ended")
                                   : process->exitStatus() == QProcess::CrashExit
                                       ? QStringLiteral("the handler program crashed")
                                       : QStringLiteral("the handler program failed (exit code %1)").arg(process->exitCode()));
    }
    --*m_running;
    process->deleteLater();
}

void ProcessHandler::sessionClosed(SessionId session, quint16, const QString &)
{
    if (QProcess *process = m_processes.take(session))
        stop(process);
}

void ProcessHandler::stop(QProcess *process)
{
    // The child gets end of input and SIGTERM, then SIGKILL if it lingers. The caller
    // took it out of m_processes: its end no longer closes the session.
    if (!process || process->state() == QProcess::NotRunning)
        return;
    process->closeWriteChannel();
    process->terminate();
    QTimer::singleShot(KillGraceMs, process, [process] {
        if (process->state() != QProcess::NotRunning)
            process->kill();
    });
}

void ProcessHandler::aboutToShutdown()
{
    // The host stops only after every session closed; children still ending are ended here.
    const auto processes = findChildren<QProcess *>();
    for (QProcess *process : processes) {
        if (process->state() == QProcess::NotRunning)
            continue;
        process->disconnect(this);
        process->kill();
        process->waitForFinished(1000);
        --*m_running;
    }
    m_processes.clear();
    m_context = nullptr;
}

} // namespace WsPlug::Internal
