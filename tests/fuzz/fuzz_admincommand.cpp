// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The admin protocol on both sides: the host parses commands (parseCommand), the
// monitor decodes the host's objects (sessionFromJson, handshakeFromJson, ...).
// Besides memory errors it checks that errors are one line, that an accepted command
// survives serialize() -> parseCommand() unchanged, and that a close code that was
// accepted is one a server may send.

#include <wsplug/protocol/adminprotocol.h>

#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

using namespace WsPlug;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    Protocol::Command command;
    QString error;
    if (Protocol::parseCommand(input, &command, &error)) {
        if (!Protocol::isSendableCloseCode(command.code))
            std::abort();
        if (command.reason.toUtf8().size() > 123)
            std::abort();
        Protocol::Command again;
        QString againError;
        if (!Protocol::parseCommand(Protocol::serialize(command), &again, &againError))
            std::abort();
        if (again.id != command.id || again.kind != command.kind || again.session != command.session
            || again.code != command.code || again.reason != command.reason || again.route != command.route
            || again.text != command.text || again.handshake != command.handshake)
            std::abort();
    } else {
        if (error.isEmpty() || error.contains(QLatin1Char('\n')))
            std::abort();
        (void)Protocol::replyError(command.id, error);
    }

    // The monitor's side: whatever object arrives, decoding must not crash.
    const QJsonObject object = QJsonDocument::fromJson(input).object();
    (void)Protocol::sessionFromJson(object);
    (void)Protocol::handshakeFromJson(object);
    (void)Protocol::rateSampleFromJson(object);
    (void)Protocol::statsFromJson(object);
    (void)Protocol::snapshotFromJson(object);
    (void)Protocol::tickFromJson(object);
    (void)Protocol::replyFromJson(object);
    Protocol::CounterUpdate update;
    if (Protocol::counterUpdateFromJson(QJsonDocument::fromJson(input).array(), &update)) {
        Protocol::SessionSnapshot s;
        s.id = update.id;
        (void)update.applyTo(&s);
    }
    return 0;
}
