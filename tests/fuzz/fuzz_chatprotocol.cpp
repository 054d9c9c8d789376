// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// The /chat protocol logic (ChatProtocol), driven by a script: each line is one
// event. Its first byte picks the session (1-4) and what happens to it, its second
// advances the clock; the rest of a "text" line is the message. Small limits reach
// the edges (history, rooms per session, rate limit) in a few lines. Checks: every
// event sent is a JSON object and goes only to open sessions.

#include "chatprotocol.h"

#include <QJsonDocument>
#include <QSet>

#include <cstdint>
#include <cstdlib>

using namespace WsPlug;

namespace {

void checkResult(const ChatResult &result, const QSet<SessionId> &open)
{
    for (const ChatOutgoing &out : result.outgoing) {
        if (!QJsonDocument::fromJson(out.text.toUtf8()).isObject())
            std::abort();
        for (SessionId to : out.recipients) {
            if (!open.contains(to))
                std::abort();
        }
    }
    if (result.close && (result.closeCode < 1000 || result.closeCode > 4999))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ChatSettings settings;
    settings.historySize = 3;
    settings.historyKeepSeconds = 2;
    settings.maxTextLength = 64;
    settings.maxMessageLength = 256;
    settings.maxNickLength = 8;
    settings.maxRoomNameLength = 8;
    settings.maxRoomsPerSession = 2;
    settings.maxBadMessages = 3;
    settings.messagesPerSecond = 5;
    settings.burst = 5;
    settings.floodCloseAfter = 8;
    ChatProtocol chat(settings);
    QSet<SessionId> open;
    qint64 now = 1700000000000;

    const QByteArray script(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const QByteArray &line : script.split('\n')) {
        if (line.size() < 2)
            continue;
        const auto op = quint8(line[0]);
        const SessionId session = 1 + (op & 3);
        now += qint64(quint8(line[1])) * 50;
        const int action = (op >> 2) % 6;
        if (action == 0) {
            if (!open.contains(session)) {
                chat.sessionOpened(session, now);
                open.insert(session);
            }
        } else if (action == 1) {
            if (open.remove(session))
                checkResult(chat.sessionClosed(session, now), open);
        } else if (action == 2) {
            chat.expireHistory(now);
        } else if (action == 3) {
            if (open.contains(session))
                checkResult(chat.binaryReceived(session, now), open);
        } else if (open.contains(session)) {
            const ChatResult result = chat.textReceived(session, QString::fromUtf8(line.mid(2)), now);
            checkResult(result, open);
        }
        if (chat.roomCount() > chat.keptRoomCount() || chat.sessionCount() != open.size())
            std::abort();
    }
    return 0;
}
