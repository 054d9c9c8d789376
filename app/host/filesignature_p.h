// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QString>

namespace WsPlug::Internal {

//! One version of a file, as stat() sees it: a write, a truncation or a rename onto
//! the path changes it (the inode and ctime even when size and mtime come out the same).
struct FileSignature
{
    bool exists = false;
    quint64 device = 0;
    quint64 inode = 0;
    qint64 size = 0;
    qint64 mtimeNs = 0;
    qint64 ctimeNs = 0;

    static FileSignature of(const QString &path);
    friend bool operator==(const FileSignature &a, const FileSignature &b)
    {
        return a.exists == b.exists && a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.mtimeNs == b.mtimeNs && a.ctimeNs == b.ctimeNs;
    }
    friend bool operator!=(const FileSignature &a, const FileSignature &b) { return !(a == b); }
};

} // namespace WsPlug::Internal
