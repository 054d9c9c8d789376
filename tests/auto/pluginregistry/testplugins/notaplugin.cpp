// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
extern "C" int wsplug_not_a_plugin()
{
    return 42;
}
