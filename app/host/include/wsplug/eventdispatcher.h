// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QString>

#include <optional>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace WsPlug {

//! The event dispatcher a thread runs: wsplug's epoll one, or Qt's own.
enum class EventDispatcherKind { Epoll, Qt };

//! "epoll" or "qt"; nothing for any other name.
WSPLUG_EXPORT std::optional<EventDispatcherKind> eventDispatcherKind(QStringView name);
WSPLUG_EXPORT QString eventDispatcherName(EventDispatcherKind kind);

//! The one place that decides which dispatcher a thread gets: see eventdispatcher.cpp.
WSPLUG_EXPORT EventDispatcherKind installEventDispatcher(EventDispatcherKind requested,
                                                         QThread *thread = nullptr);

} // namespace WsPlug
