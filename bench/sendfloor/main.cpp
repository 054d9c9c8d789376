// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// wsplug-sendfloor: the floor of a fan-out on this machine. N loopback TCP connections
// within one process; a sender thread on CPU 0 sends 34 bytes (a 32-byte WebSocket text
// frame) to each with plain send(), TCP_NODELAY, in a tight loop; a receiver thread on
// CPU 1 reads them with epoll. Per round: time until the receiver has all N. No Qt, no
// WebSocket work: whatever wsplug-host spends above this is its own.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void pinTo(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

[[noreturn]] void fail(const char *what)
{
    std::perror(what);
    std::exit(1);
}

} // namespace

int main(int argc, char **argv)
{
    int recipients = 1000;
    int rounds = 200;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--recipients" && i + 1 < argc)
            recipients = std::atoi(argv[++i]);
        else if (arg == "--rounds" && i + 1 < argc)
            rounds = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: wsplug-sendfloor [--recipients N (1-9990)] [--rounds R]\n");
            return 2;
        }
    }
    if (recipients < 1 || recipients > 9990 || rounds < 1) {
        std::fprintf(stderr, "wsplug-sendfloor: --recipients must be 1-9990 (two descriptors each), --rounds >= 1\n");
        return 2;
    }

    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || listen(listener, 4096) != 0
        || getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        fail("listen");
    std::vector<int> receivers(static_cast<size_t>(recipients)), senders(static_cast<size_t>(recipients));
    for (int i = 0; i < recipients; ++i) {
        receivers[size_t(i)] = socket(AF_INET, SOCK_STREAM, 0);
        if (receivers[size_t(i)] < 0 || connect(receivers[size_t(i)], reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            fail("connect");
        senders[size_t(i)] = accept(listener, nullptr, nullptr);
        if (senders[size_t(i)] < 0)
            fail("accept");
        const int one = 1;
        setsockopt(senders[size_t(i)], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }

    std::atomic<long> frames{0};
    std::atomic<bool> done{false};
    std::thread receiver([&] {
        pinTo(1);
        const int epoll = epoll_create1(0);
        for (int i = 0; i < recipients; ++i) {
            epoll_event event{};
            event.events = EPOLLIN;
            event.data.fd = receivers[size_t(i)];
            epoll_ctl(epoll, EPOLL_CTL_ADD, receivers[size_t(i)], &event);
        }
        epoll_event events[512];
        char buffer[4096];
        while (!done.load()) {
            const int n = epoll_wait(epoll, events, 512, 100);
            for (int k = 0; k < n; ++k) {
                const ssize_t got = recv(events[k].data.fd, buffer, sizeof buffer, 0);
                if (got > 0)
                    frames.fetch_add(got / 34);
            }
        }
        close(epoll);
    });

    pinTo(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    char frame[34] = {char(0x81), 32};
    std::memset(frame + 2, 'x', 32);
    std::vector<double> roundMs;
    double sendLoopSeconds = 0;
    for (int r = 0; r < rounds; ++r) {
        const long target = long(recipients) * (r + 1);
        const auto start = Clock::now();
        for (int fd : senders) {
            if (send(fd, frame, sizeof frame, MSG_NOSIGNAL) != ssize_t(sizeof frame))
                fail("send");
        }
        sendLoopSeconds += std::chrono::duration<double>(Clock::now() - start).count();
        while (frames.load() < target)
            ;
        roundMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    done = true;
    receiver.join();

    std::sort(roundMs.begin(), roundMs.end());
    std::printf("RESULT recipients=%d rounds=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f send_us_per_recipient=%.2f\n",
                recipients, rounds, roundMs[roundMs.size() / 2], roundMs[std::min(roundMs.size() - 1, size_t(double(roundMs.size()) * 0.99))],
                roundMs.back(), sendLoopSeconds / rounds / recipients * 1e6);
    return 0;
}
