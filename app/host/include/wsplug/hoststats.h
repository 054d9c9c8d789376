// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/types.h>
#include <wsplug/session.h>

// What the host counts and logs, as the admin protocol's types: HostServer's
// functions and signals give the same values the admin channel sends.
namespace WsPlug {

using Protocol::DirectionTotals;
using Protocol::HandshakeRecord;
using Protocol::HostStats;
using Protocol::outcomeName;
using Protocol::PingRttBucketCount;
using Protocol::PingRttBucketsMs;
using Protocol::RateSample;
using Protocol::RouteStats;

} // namespace WsPlug
