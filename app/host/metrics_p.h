// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>

namespace WsPlug::Internal {

//! The Prometheus text exposition (format 0.0.4) of \a stats. No I/O.
WSPLUG_EXPORT QByteArray renderPrometheus(const HostStats &stats);

} // namespace WsPlug::Internal
