// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "heaptrimmer_p.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace WsPlug::Internal {

bool HeapTrimmer::trim()
{
#if defined(__GLIBC__)
    malloc_trim(0);
    return true;
#else
    return false;
#endif
}

} // namespace WsPlug::Internal
