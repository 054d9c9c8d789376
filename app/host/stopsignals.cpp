// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/stopsignals.h>

#include <wsplug/hostoptions.h>

#include <QSocketNotifier>

#include <csignal>
#include <initializer_list>

#include <sys/socket.h>
#include <unistd.h>

namespace WsPlug {

namespace {

// Per signal number, the write end of the socket pair its handler wakes the loop through.
int wakeFds[NSIG];

void onSignal(int signo)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(wakeFds[signo], &byte, 1);
}

//! \a signals call \a handler on \a context's event loop: the handler only writes a
//! byte to a socket pair (the one async-signal-safe step); the loop does the rest.
void watchSignals(std::initializer_list<int> signals, QObject *context, std::function<void()> handler)
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        exitWithError(QStringLiteral("cannot set up signal handling"), 1);
    auto *notifier = new QSocketNotifier(fds[1], QSocketNotifier::Read, context);
    QObject::connect(notifier, &QSocketNotifier::activated, context, [fd = fds[1], handler = std::move(handler)] {
        char byte;
        [[maybe_unused]] const auto n = ::read(fd, &byte, 1);
        handler();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signo : signals) {
        wakeFds[signo] = fds[0];
        ::sigaction(signo, &action, nullptr);
    }
}

} // namespace

void onStopSignal(QObject *context, std::function<void()> stop)
{
    watchSignals({SIGINT, SIGTERM}, context, std::move(stop));
}

void onReloadSignal(QObject *context, std::function<void()> reload)
{
    watchSignals({SIGHUP}, context, std::move(reload));
}

void onDrainSignal(QObject *context, std::function<void()> drain)
{
    watchSignals({SIGUSR1}, context, std::move(drain));
}

} // namespace WsPlug
