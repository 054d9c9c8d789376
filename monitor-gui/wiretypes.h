// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/types.h>

// The monitor shows what the admin protocol carries and nothing of the host's own
// state: its models and views use these names for the protocol's types, so that an
// embedded and a remote host are one code path.
namespace WsPlug {

using Protocol::HandshakeRecord;
using Protocol::HostStats;
using Protocol::RateSample;
using Protocol::RouteStats;
using Protocol::SessionId;
using Protocol::SessionSnapshot;

} // namespace WsPlug
