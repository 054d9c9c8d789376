// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <algorithm>

namespace WsPlug::Internal {

/*
 * When to give the heap back to the system after a large drain. A session's memory is
 * thousands of small blocks (Qt's socket, the session and their connections); once
 * thousands of sessions are gone, glibc keeps the free pages between the blocks that
 * are still in use (the handshake log, the registry), so the resident size stays at
 * the peak. This decides, without I/O, when a drain was large enough to trim after;
 * trim() does it.
 */
class WSPLUG_EXPORT HeapTrimmer
{
public:
    //! A drain of at least this many sessions, down to at most half the peak, is large.
    static constexpr int MinDrained = 1000;

    void opened(int openNow) { m_peak = std::max(m_peak, openNow); }
    //! True once the sessions closed since the last trim make a large drain.
    bool closed(int openNow) const
    {
        return m_peak - openNow >= MinDrained && openNow <= m_peak / 2;
    }
    //! The heap was trimmed with \a openNow sessions open: count drains from here.
    void trimmed(int openNow) { m_peak = openNow; }

    //! Returns the heap's free pages to the system (glibc's malloc_trim); false where
    //! the C library has no such call.
    static bool trim();

private:
    int m_peak = 0;
};

} // namespace WsPlug::Internal
