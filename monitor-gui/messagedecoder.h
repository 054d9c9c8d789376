// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "wiretypes.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QString>

namespace WsPlug {

//! One admin-channel message from the host, decoded into the protocol's types.
struct DecodedMessage
{
    Protocol::MessageType type = Protocol::MessageType::Unknown;
    Protocol::Snapshot snapshot;
    Protocol::Tick tick;
    Protocol::Reply reply;
    Protocol::FramesReport frames;
    //! The reply's result as sessions, when the reply answers the session-list command
    //! named in decodeMessage() (the list of 10,000 sessions costs most to convert).
    QList<SessionSnapshot> sessions;
    bool hasSessions = false;
};

/*!
    Decodes \a text (no I/O, no state: callable from any thread). A reply to the command
    numbered \a sessionListId also gets its sessions converted.
*/
DecodedMessage decodeMessage(const QString &text, qint64 sessionListId);

} // namespace WsPlug
