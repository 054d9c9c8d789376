// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// Graceful drain of one host of a cluster: no new sessions, the open ones closed with
// 1001 a few at a time, so that their clients reconnect to the other hosts (and resume
// there) without all arriving at once.

#include "hostserver_p.h"

#include "logging_p.h"

#include <algorithm>
#include <cmath>

namespace WsPlug {

using namespace Internal;

namespace {
// How often the closes are spread: small next to any sensible period, cheap per tick.
constexpr int DrainTickMs = 100;
const QString DrainReason = QStringLiteral("server draining");
} // namespace

bool HostServer::drain(int periodMs)
{
    if (!d->running || d->stopping || d->draining)
        return false;
    d->draining = true;
    d->drainPeriodMs = periodMs < 0 ? d->config.drainPeriodMs : periodMs;
    d->drainStartMs = d->nowMs();
    d->drainQueue = d->sessions.keys();
    std::sort(d->drainQueue.begin(), d->drainQueue.end());   // the oldest first
    d->drainTotal = d->drainQueue.size();
    qCInfo(lcHost).noquote() << QStringLiteral("draining: no new sessions; %1 open ones closed with 1001 over %2 ms")
                                    .arg(d->drainTotal).arg(d->drainPeriodMs);
    d->drainTimer.start(DrainTickMs);
    d->onDrainTick();
    return true;
}

bool HostServer::isDraining() const
{
    return d->draining;
}

void HostServerPrivate::onDrainTick()
{
    const qint64 elapsed = nowMs() - drainStartMs;
    // Closed by now: the share of the period gone by (all of them once it is over).
    const qsizetype due = drainPeriodMs <= 0 || elapsed >= drainPeriodMs
            ? drainTotal
            : qsizetype(std::ceil(double(drainTotal) * double(elapsed) / double(drainPeriodMs)));
    qsizetype closeNow = due - (drainTotal - drainQueue.size());
    while (closeNow-- > 0 && !drainQueue.isEmpty()) {
        // One that ended meanwhile is skipped (requestClose() refuses it).
        requestClose(sessions.value(drainQueue.takeFirst()), 1001, DrainReason, CloseCause::Shutdown);
    }
    if (!drainQueue.isEmpty())
        return;
    drainTimer.stop();
    qCInfo(lcHost).noquote() << QStringLiteral("drained: %1 sessions closed; the host takes none until it stops")
                                    .arg(drainTotal);
    Q_EMIT q->drained();
}

} // namespace WsPlug
