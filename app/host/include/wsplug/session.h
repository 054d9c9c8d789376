// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/types.h>
#include <wsplug/sdk/message.h>

// A session as the host's API reports it is the admin protocol's SessionSnapshot:
// one type from the host's functions to the monitor's table.
namespace WsPlug {

using Protocol::CloseCause;
using Protocol::closeCauseName;
using Protocol::SessionSnapshot;
using Protocol::TrafficCounters;

} // namespace WsPlug
