// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later

// wsplug-loadgen: a single-threaded epoll WebSocket load generator for loopback
// benchmarks. It speaks RFC 6455 itself (no Qt), verifies what comes back, watches its
// own CPU use, and prints one "RESULT key=value ..." line that bench/run.sh reads.

#include "wsproto.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace WsPlug::Bench {
namespace {

constexpr int MaxConnections = 19990;   // the machine's hard limit is 20,000 descriptors
constexpr double MaxSeconds = 3600;
constexpr std::size_t MaxHeadBytes = 16 * 1024;
constexpr std::size_t MaxLatencySamples = 20'000'000;

std::uint64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1'000'000'000u + std::uint64_t(ts.tv_nsec);
}

std::uint64_t secondsToNs(double s)
{
    return std::uint64_t(s * 1e9);
}

[[noreturn]] void usageError(const std::string &message)
{
    std::fprintf(stderr, "wsplug-loadgen: %s (see --help)\n", message.c_str());
    std::exit(2);
}

const char usageText[] = R"(Usage: wsplug-loadgen --mode MODE --port N [options]

Modes:
  echo             --connections N busy connections, one message in flight each; every
                   echo is compared with what was sent. msgs/s, p50/p99 round trip.
  idle             open and hold --idle N connections: time to connect, server RSS per
                   connection (--server-pid), then ping every one and count the pongs.
  echo-under-idle  hold --idle N connections, then run echo on --connections N (default 10).
  fanout           --subscribers K on PATH?mode=subscribe plus one publisher on PATH; one
                   message at a time: p50/p99 until all K have it, deliveries/s.
  churn            --concurrency C slots that connect, handshake, send one message and
                   check its echo, close (1000), repeat; with --rate R, R cycles a
                   second at most; with --idle N, N connections held throughout.
                   cycles/s, handshake p50/p99, server CPU per 1,000 cycles.
  openclose        open --idle N connections, then drop them all at once (shutdown, so
                   the server's close is seen); --repeat R rounds, --gap S seconds
                   apart. Time and server CPU to open all and until the server closed
                   all, server RSS before, at the peak and after each round.
  probe            one handshake on PATH; exit 0 on 101, 3 otherwise (prints the status).

Options:
  --host IP              loopback only: 127.x.y.z or ::1 (default 127.0.0.1)
  --port N               server port (required)
  --path P               request path (default /echo; fanout: /broadcast/bench)
  --connections N        busy connections for echo modes (default 10)
  --idle N               idle connections to hold (default 0)
  --size BYTES           message size (default 32)
  --binary               binary messages (default text)
  --duration S           measured seconds (default 3)
  --warmup S             unmeasured seconds before (default 0.5)
  --messages N           stop echo after N measured messages (default: no limit)
  --hold S               idle: seconds to hold before the ping check (default 0)
  --subscribers K        fanout recipients (default 1000)
  --subscriber-ports L   fanout over a cluster: subscribers round-robin over these ports
                         (comma-separated), instead of --port
  --publisher-port N     fanout over a cluster: the publisher connects here, not --port
  --rounds N             fanout measured rounds (default 200; --duration still bounds)
  --gap-ms MS            fanout: pause between rounds (default 0: the next message goes out
                         as soon as every subscriber has the previous one)
  --quickack             ACK every read at once (TCP_QUICKACK) instead of delaying ACKs
                         like an ordinary client
  --concurrency C        churn slots (default 32)
  --rate R               churn: start at most R cycles a second (default 0: no limit)
  --no-echo              churn: close right after the handshake, without the echo
  --repeat R             openclose: rounds (default 1)
  --gap S                openclose: seconds between rounds, and before the last RSS
                         reading (default 1)
  --connect-concurrency N  handshakes in flight while opening connections (default 32)
  --source-ips K         spread connections over source 127.0.0.1..K (default 1)
  --attach PATH          hold one extra connection on PATH (e.g. /_admin?token=T) that
                         reads and discards; a refused attach exits with code 3
  --server-pid PID       read the server's VmRSS and CPU time from /proc
  --cpu N                pin this process to CPU N
  --timeout S            hard limit on the whole run (default 600)
  --json                 print the result as one JSON object instead of the RESULT line
  --self-test            check SHA-1, base64 and framing, then exit
)";

struct Options
{
    std::string mode;
    std::string host = "127.0.0.1";
    int port = 0;
    std::vector<int> subscriberPorts;   // fanout over a cluster: subscribers round-robin over these
    int publisherPort = 0;              // fanout over a cluster: the publisher's host
    std::string path;
    int connections = 10;
    int idle = 0;
    std::size_t size = 32;
    bool binary = false;
    double duration = 3;
    double warmup = 0.5;
    std::uint64_t messages = 0;
    double hold = 0;
    int subscribers = 1000;
    int rounds = 200;
    int concurrency = 32;
    int connectConcurrency = 32;
    int sourceIps = 1;
    std::string attach;
    int serverPid = 0;
    int cpu = -1;
    double timeout = 600;
    bool json = false;
    bool quickAck = false;
    double gapMs = 0;
    double rate = 0;
    bool churnEcho = true;
    int repeat = 1;
    double gapS = 1;
};

enum class Role { Busy, Idle, Subscriber, Publisher, Sink, Churn, Probe };
enum class State { Connecting, Handshaking, Open, Closing, Closed };

struct Connection
{
    int fd = -1;
    int port = 0;
    int index = 0;
    Role role = Role::Idle;
    State state = State::Connecting;
    std::string path;
    std::string key;
    std::string in;
    std::string out;
    std::size_t outOffset = 0;
    bool writeArmed = false;
    std::string fragments;
    Opcode fragmentOpcode = Opcode::Text;
    bool closeSent = false;
    bool closeReceived = false;
    std::uint64_t connectStartNs = 0;
    std::uint64_t closingSinceNs = 0;
    int httpStatus = 0;
    // echo
    std::string expected;
    std::uint64_t sentAtNs = 0;
    std::uint64_t seq = 0;
    bool awaiting = false;
    // fanout
    std::uint64_t nextSeq = 0;
    // ping check
    bool pingAwaited = false;
    // openclose: shut down by us, waiting for the server's end
    bool dropped = false;
};

struct CpuSample
{
    std::uint64_t wallNs = 0;
    double selfSeconds = 0;
    double serverSeconds = -1;
    double systemSeconds = -1;
};

// Busy CPU time of the whole machine (all CPUs), from /proc/stat.
double readSystemBusySeconds()
{
    FILE *f = std::fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle,
                              &iowait, &irq, &softirq, &steal);
    std::fclose(f);
    if (n < 7)
        return -1;
    return double(user + nice + system + irq + softirq + steal) / double(sysconf(_SC_CLK_TCK));
}

long readVmRssKiB(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = std::fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0) {
            kib = std::strtol(line + 6, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kib;
}

double readProcessCpuSeconds(int pid)
{
    if (pid <= 0)
        return -1;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = std::fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // The command name may contain spaces: fields are counted after the last ')'.
    const char *p = std::strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

double selfCpuSeconds()
{
    rusage usage = {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

class Results
{
public:
    void add(const std::string &key, const std::string &value, bool quoted = false)
    {
        m_items.push_back({key, value, quoted});
    }
    void add(const std::string &key, double value, int decimals = 1)
    {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
        add(key, std::string(buf));
    }
    void addInt(const std::string &key, long long value) { add(key, std::to_string(value)); }

    void print(bool json) const
    {
        std::string line = json ? "{" : "RESULT";
        bool first = true;
        for (const Item &item : m_items) {
            if (json) {
                line += first ? "" : ", ";
                line += "\"" + item.key + "\": ";
                line += item.quoted ? "\"" + item.value + "\"" : item.value;
            } else {
                line += " " + item.key + "=" + item.value;
            }
            first = false;
        }
        line += json ? "}\n" : "\n";
        std::fputs(line.c_str(), stdout);
        std::fflush(stdout);
    }

private:
    struct Item
    {
        std::string key;
        std::string value;
        bool quoted;
    };
    std::vector<Item> m_items;
};

struct Percentiles
{
    double p50Us = 0;
    double p99Us = 0;
    double maxUs = 0;
};

Percentiles percentiles(std::vector<std::uint64_t> samples)
{
    Percentiles p;
    if (samples.empty())
        return p;
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        const std::size_t i = std::min(samples.size() - 1, std::size_t(q * double(samples.size())));
        return double(samples[i]) / 1000.0;
    };
    p.p50Us = at(0.50);
    p.p99Us = at(0.99);
    p.maxUs = double(samples.back()) / 1000.0;
    return p;
}

class LoadGenerator
{
public:
    explicit LoadGenerator(const Options &options)
        : m_options(options)
    {
        m_rng ^= std::uint64_t(getpid()) << 32 ^ nowNs();
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        if (m_epoll < 0) {
            std::perror("epoll_create1");
            std::exit(1);
        }
        if (inet_pton(AF_INET6, options.host.c_str(), &m_addr6.sin6_addr) == 1) {
            m_ipv6 = true;
            m_addr6.sin6_family = AF_INET6;
            m_addr6.sin6_port = htons(std::uint16_t(options.port));
        } else {
            m_addr4.sin_family = AF_INET;
            m_addr4.sin_port = htons(std::uint16_t(options.port));
            inet_pton(AF_INET, options.host.c_str(), &m_addr4.sin_addr);
        }
        m_pattern.resize(4 * 1024 * 1024 + 512);
        for (std::size_t i = 0; i < m_pattern.size(); ++i)
            m_pattern[i] = options.binary ? char((i * 7 + 3) & 0xFF) : char('a' + i % 26);
    }

    int run()
    {
        m_results.add("mode", m_options.mode, true);
        if (!m_options.attach.empty() && m_options.mode != "probe" && !openAttach())
            return 3;
        int rc = 1;
        if (m_options.mode == "echo")
            rc = runEchoModes(0);
        else if (m_options.mode == "echo-under-idle")
            rc = runEchoModes(m_options.idle);
        else if (m_options.mode == "idle")
            rc = runIdle();
        else if (m_options.mode == "fanout")
            rc = runFanout();
        else if (m_options.mode == "churn")
            rc = runChurn();
        else if (m_options.mode == "openclose")
            rc = runOpenClose();
        else if (m_options.mode == "probe")
            rc = runProbe();
        if (m_attach) {
            m_results.addInt("attach_msgs", (long long)m_attachMessages);
            m_results.addInt("attach_bytes", (long long)m_attachBytes);
            m_results.addInt("attach_open", m_attach->state == State::Open ? 1 : 0);
        }
        if (m_lastRefusal != 0)
            m_results.addInt("last_refusal_status", m_lastRefusal);
        m_results.addInt("server_closed", (long long)m_unexpectedCloses);
        m_results.addInt("protocol_errors", (long long)m_protocolErrors);
        m_results.addInt("ok", rc == 0 ? 1 : 0);
        m_results.print(m_options.json);
        return rc;
    }

private:
    // ---- connections -----------------------------------------------------------------

    // Cluster fan-out: subscribers spread over --subscriber-ports, the publisher on
    // --publisher-port; everything else, and by default everyone, on --port.
    int portFor(Role role)
    {
        if (role == Role::Publisher && m_options.publisherPort)
            return m_options.publisherPort;
        if (role == Role::Subscriber && !m_options.subscriberPorts.empty())
            return m_options.subscriberPorts[m_nextSubscriberPort++ % m_options.subscriberPorts.size()];
        return m_options.port;
    }

    Connection *startConnect(Role role, const std::string &path)
    {
        auto owned = std::make_unique<Connection>();
        Connection *c = owned.get();
        c->index = int(m_connections.size());
        c->role = role;
        c->path = path;
        c->port = portFor(role);
        c->connectStartNs = nowNs();
        m_connections.push_back(std::move(owned));
        ++m_inFlight;

        const int family = m_ipv6 ? AF_INET6 : AF_INET;
        c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            failConnection(c, std::string("socket: ") + std::strerror(errno));
            return c;
        }
        const int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (!m_ipv6 && m_options.sourceIps > 1) {
            // Pick the source address now but the port at connect(), so each source
            // address gets its own ephemeral range.
            setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            sockaddr_in src = {};
            src.sin_family = AF_INET;
            src.sin_addr.s_addr = htonl(0x7F000001u + std::uint32_t(m_nextSource++ % m_options.sourceIps));
            if (bind(c->fd, reinterpret_cast<sockaddr *>(&src), sizeof src) != 0) {
                failConnection(c, std::string("bind: ") + std::strerror(errno));
                return c;
            }
        }
        sockaddr_in6 addr6 = m_addr6;
        sockaddr_in addr4 = m_addr4;
        addr6.sin6_port = htons(std::uint16_t(c->port));
        addr4.sin_port = htons(std::uint16_t(c->port));
        const int rc = m_ipv6 ? connect(c->fd, reinterpret_cast<sockaddr *>(&addr6), sizeof addr6)
                              : connect(c->fd, reinterpret_cast<sockaddr *>(&addr4), sizeof addr4);
        if (rc != 0 && errno != EINPROGRESS) {
            failConnection(c, std::string("connect: ") + std::strerror(errno));
            return c;
        }
        epoll_event ev = {};
        ev.events = EPOLLOUT;
        ev.data.ptr = c;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, c->fd, &ev);
        c->writeArmed = true;
        return c;
    }

    void queueConnect(Role role, const std::string &path, int count)
    {
        for (int i = 0; i < count; ++i)
            m_toOpen.push_back({role, path});
    }

    // Keeps at most --connect-concurrency handshakes in flight, so neither side's accept
    // queue overflows (Qt's default listen backlog is 50) and SYN retries stay out of
    // the connect times.
    void pump()
    {
        while (!m_toOpen.empty() && m_inFlight < m_options.connectConcurrency) {
            const auto [role, path] = m_toOpen.front();
            m_toOpen.pop_front();
            startConnect(role, path);
        }
    }

    void setWriteInterest(Connection *c, bool on)
    {
        if (c->fd < 0 || c->writeArmed == on)
            return;
        epoll_event ev = {};
        ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
        ev.data.ptr = c;
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, c->fd, &ev);
        c->writeArmed = on;
    }

    void closeFd(Connection *c)
    {
        if (c->fd >= 0) {
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
            ::close(c->fd);
            c->fd = -1;
        }
        c->in.clear();
        c->in.shrink_to_fit();
        c->out.clear();
        c->out.shrink_to_fit();
        c->expected.clear();
        c->expected.shrink_to_fit();
    }

    void failConnection(Connection *c, const std::string &why)
    {
        if (c->dropped) {
            // Shut down by us (openclose): whatever ended it, the server let it go.
            onEof(c, why);
            return;
        }
        const bool wasPending = c->state == State::Connecting || c->state == State::Handshaking;
        if (wasPending) {
            --m_inFlight;
            ++m_connectFailures;
            if (m_firstFailure.empty())
                m_firstFailure = why;
        } else if (c->state == State::Open && c->role != Role::Churn) {
            ++m_unexpectedCloses;
            if (m_firstFailure.empty())
                m_firstFailure = why;
        }
        c->state = State::Closed;
        closeFd(c);
        if (c->role == Role::Churn)
            onChurnDone(c, false);
    }

    void sendHandshake(Connection *c)
    {
        std::string nonce(16, '\0');
        for (char &ch : nonce)
            ch = char(random64());
        c->key = base64(nonce);
        std::string request = "GET " + c->path + " HTTP/1.1\r\nHost: " + m_options.host + ":"
            + std::to_string(c->port)
            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + c->key
            + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        c->state = State::Handshaking;
        c->out = std::move(request);
        c->outOffset = 0;
        flush(c);
        if (c->fd >= 0 && c->out.empty())
            setWriteInterest(c, false);
    }

    void processHandshake(Connection *c)
    {
        const std::size_t end = c->in.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (c->in.size() > MaxHeadBytes)
                failConnection(c, "response head too large");
            return;
        }
        const std::string head = c->in.substr(0, end + 2);
        int status = 0;
        if (std::sscanf(head.c_str(), "HTTP/1.1 %d", &status) != 1) {
            failConnection(c, "malformed response status line");
            return;
        }
        c->httpStatus = status;
        if (status != 101) {
            m_lastRefusal = status;
            failConnection(c, "HTTP " + std::to_string(status));
            return;
        }
        std::string accept;
        std::size_t pos = head.find("\r\n");
        while (pos != std::string::npos && pos + 2 < head.size()) {
            const std::size_t next = head.find("\r\n", pos + 2);
            std::string line = head.substr(pos + 2, next - pos - 2);
            const std::size_t colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                for (char &ch : name)
                    ch = char(std::tolower(static_cast<unsigned char>(ch)));
                if (name == "sec-websocket-accept") {
                    accept = line.substr(colon + 1);
                    accept.erase(0, accept.find_first_not_of(" \t"));
                    accept.erase(accept.find_last_not_of(" \t") + 1);
                }
            }
            pos = next;
        }
        if (accept != acceptKeyFor(c->key)) {
            failConnection(c, "wrong Sec-WebSocket-Accept");
            return;
        }
        c->in.erase(0, end + 4);
        c->state = State::Open;
        --m_inFlight;
        ++m_opened;
        const std::uint64_t now = nowNs();
        if (m_handshakeSamples.size() < MaxLatencySamples)
            m_handshakeSamples.push_back(now - c->connectStartNs);
        onOpen(c);
    }

    void flush(Connection *c)
    {
        while (c->fd >= 0 && c->outOffset < c->out.size()) {
            const ssize_t n = ::send(c->fd, c->out.data() + c->outOffset, c->out.size() - c->outOffset,
                                     MSG_NOSIGNAL);
            if (n > 0) {
                c->outOffset += std::size_t(n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                setWriteInterest(c, true);
                return;
            }
            if (n < 0 && errno == EINTR)
                continue;
            failConnection(c, std::string("send: ") + std::strerror(errno));
            return;
        }
        if (c->fd >= 0) {
            c->out.clear();
            c->outOffset = 0;
            if (c->state != State::Connecting)
                setWriteInterest(c, false);
        }
    }

    void sendFrame(Connection *c, Opcode opcode, std::string_view payload)
    {
        if (c->fd < 0)
            return;
        appendMaskedFrame(c->out, opcode, payload, std::uint32_t(random64()));
        if (!c->writeArmed)
            flush(c);
    }

    void sendClose(Connection *c, std::uint16_t code)
    {
        const char payload[2] = {char(code >> 8), char(code & 0xFF)};
        c->closeSent = true;
        sendFrame(c, Opcode::Close, std::string_view(payload, 2));
    }

    void onEvent(Connection *c, std::uint32_t events)
    {
        if (c->fd < 0)
            return;
        if (c->state == State::Connecting) {
            int error = 0;
            socklen_t len = sizeof error;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
            if (error != 0) {
                failConnection(c, std::string("connect: ") + std::strerror(error));
                return;
            }
            if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                sendHandshake(c);
            return;
        }
        if (events & EPOLLOUT) {
            flush(c);
            if (c->fd < 0)
                return;
        }
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            readAvailable(c);
    }

    void readAvailable(Connection *c)
    {
        for (;;) {
            const ssize_t n = ::recv(c->fd, m_readBuffer.data(), m_readBuffer.size(), 0);
            if (n > 0) {
                if (m_options.quickAck) {
                    const int one = 1;
                    setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
                }
                if (c->role == Role::Sink)
                    m_attachBytes += std::uint64_t(n);
                if (c->state == State::Handshaking) {
                    c->in.append(m_readBuffer.data(), std::size_t(n));
                    processHandshake(c);
                    if (c->fd >= 0 && !c->in.empty())
                        processFrames(c);
                } else if (c->in.empty()) {
                    // The common case: parse straight from the read buffer, keep only a tail.
                    const std::size_t used = parseFrames(c, m_readBuffer.data(), std::size_t(n));
                    if (c->fd >= 0 && used < std::size_t(n))
                        c->in.assign(m_readBuffer.data() + used, std::size_t(n) - used);
                } else {
                    c->in.append(m_readBuffer.data(), std::size_t(n));
                    processFrames(c);
                }
                if (c->fd < 0)
                    return;
                if (std::size_t(n) < m_readBuffer.size())
                    return;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            if (n < 0 && errno == EINTR)
                continue;
            onEof(c, n == 0 ? std::string("connection closed by server")
                            : std::string("recv: ") + std::strerror(errno));
            return;
        }
    }

    void onEof(Connection *c, const std::string &why)
    {
        if (c->dropped) {
            c->state = State::Closed;
            closeFd(c);
            ++m_dropClosed;
            return;
        }
        if (c->state == State::Closing || (c->closeSent && c->closeReceived)) {
            c->state = State::Closed;
            closeFd(c);
            if (c->role == Role::Churn)
                onChurnDone(c, true);
            return;
        }
        failConnection(c, why);
    }

    void processFrames(Connection *c)
    {
        const std::string data = std::move(c->in);
        c->in.clear();
        const std::size_t used = parseFrames(c, data.data(), data.size());
        if (c->fd >= 0 && used < data.size())
            c->in.append(data, used, std::string::npos);
    }

    // Returns how many bytes were consumed; stops early if the connection closed.
    std::size_t parseFrames(Connection *c, const char *data, std::size_t size)
    {
        std::size_t pos = 0;
        while (c->fd >= 0 && pos < size) {
            FrameHeader header;
            const ParseResult r = parseServerFrameHeader(data + pos, size - pos, &header);
            if (r == ParseResult::Incomplete)
                break;
            if (r == ParseResult::Error) {
                ++m_protocolErrors;
                failConnection(c, "protocol error from server");
                break;
            }
            if (size - pos - header.headerSize < header.payloadSize)
                break;
            const std::string_view payload(data + pos + header.headerSize, std::size_t(header.payloadSize));
            pos += header.headerSize + std::size_t(header.payloadSize);
            onFrame(c, header, payload);
        }
        return pos;
    }

    void onFrame(Connection *c, const FrameHeader &header, std::string_view payload)
    {
        switch (header.opcode) {
        case Opcode::Ping:
            if (!c->dropped)   // nothing can be sent after our shutdown
                sendFrame(c, Opcode::Pong, payload);
            return;
        case Opcode::Pong:
            if (c->pingAwaited) {
                c->pingAwaited = false;
                ++m_pongs;
            }
            return;
        case Opcode::Close: {
            c->closeReceived = true;
            const int code = payload.size() >= 2 ? (std::uint8_t(payload[0]) << 8 | std::uint8_t(payload[1])) : 1005;
            if (!c->closeSent) {
                // The server closed first: answer (RFC 6455 5.5.1) and count it.
                if (c->role != Role::Churn) {
                    ++m_unexpectedCloses;
                    if (m_firstFailure.empty())
                        m_firstFailure = "server sent close " + std::to_string(code);
                }
                sendClose(c, std::uint16_t(code == 1005 ? 1000 : code));
            }
            c->state = State::Closing;
            c->closingSinceNs = nowNs();
            return;
        }
        case Opcode::Text:
        case Opcode::Binary:
            if (!header.fin) {
                c->fragments.assign(payload.data(), payload.size());
                c->fragmentOpcode = header.opcode;
                return;
            }
            onMessage(c, header.opcode, payload);
            return;
        case Opcode::Continuation:
            c->fragments.append(payload.data(), payload.size());
            if (header.fin) {
                const std::string whole = std::move(c->fragments);
                c->fragments.clear();
                onMessage(c, c->fragmentOpcode, whole);
            }
            return;
        }
    }

    // ---- the event loop ----------------------------------------------------------------

    // Runs until done() is true (checked after every batch of events) or the deadline.
    bool runUntil(const std::function<bool()> &done, std::uint64_t deadlineNs)
    {
        epoll_event events[1024];
        for (;;) {
            pump();
            if (done())
                return true;
            const std::uint64_t now = nowNs();
            if (now >= deadlineNs)
                return false;
            const int timeoutMs = int(std::min<std::uint64_t>(1, (deadlineNs - now) / 1'000'000));
            const int n = epoll_wait(m_epoll, events, 1024, timeoutMs);
            if (n < 0 && errno != EINTR) {
                std::perror("epoll_wait");
                std::exit(1);
            }
            for (int i = 0; i < n; ++i)
                onEvent(static_cast<Connection *>(events[i].data.ptr), events[i].events);
            if (m_tick)
                m_tick();
        }
    }

    void sleepFor(double seconds)
    {
        const std::uint64_t until = nowNs() + secondsToNs(seconds);
        runUntil([] { return false; }, until);
    }

    // Opens count connections of one role (paced by pump()) and waits for all of them.
    bool openAll(Role role, const std::string &path, int count, double timeoutSeconds, double *elapsedSeconds = nullptr)
    {
        const int target = m_opened + count;
        const int failuresBefore = m_connectFailures;
        const std::uint64_t start = nowNs();
        queueConnect(role, path, count);
        const bool ok = runUntil([&] {
            return m_opened >= target || m_connectFailures > failuresBefore;
        }, start + secondsToNs(timeoutSeconds));
        if (elapsedSeconds)
            *elapsedSeconds = double(nowNs() - start) / 1e9;
        if (!ok || m_connectFailures > failuresBefore) {
            m_toOpen.clear();
            std::fprintf(stderr, "wsplug-loadgen: opened %d of %d connections to %s: %s\n",
                         m_opened - (target - count), count, path.c_str(),
                         m_firstFailure.empty() ? "timed out" : m_firstFailure.c_str());
            return false;
        }
        return true;
    }

    CpuSample cpuNow() const
    {
        return {nowNs(), selfCpuSeconds(), readProcessCpuSeconds(m_options.serverPid), readSystemBusySeconds()};
    }

    // excludeNs: quiet time (fanout's gaps between rounds) left out of the percentages.
    void addCpu(const CpuSample &a, const CpuSample &b, std::uint64_t excludeNs = 0)
    {
        const double wall = double(b.wallNs - a.wallNs - std::min(excludeNs, b.wallNs - a.wallNs)) / 1e9;
        const double self = wall > 0 ? 100.0 * (b.selfSeconds - a.selfSeconds) / wall : 0;
        m_results.add("gen_cpu_pct", self);
        // More than 90% of one core: the figure may be the generator's, not the server's.
        m_results.addInt("gen_saturated", self > 90.0 ? 1 : 0);
        if (a.serverSeconds >= 0 && b.serverSeconds >= 0) {
            const double server = b.serverSeconds - a.serverSeconds;
            m_results.add("server_cpu_pct", wall > 0 ? 100.0 * server / wall : 0);
            // CPU used by anything else on the machine meanwhile (in % of one core): other
            // work competing for the pinned cores makes the run's figures unreliable.
            if (a.systemSeconds >= 0 && b.systemSeconds >= 0 && wall > 0) {
                const double foreign = (b.systemSeconds - a.systemSeconds) - server - (b.selfSeconds - a.selfSeconds);
                m_results.add("foreign_cpu_pct", std::max(0.0, 100.0 * foreign / wall));
            }
        }
    }

    std::uint64_t random64()
    {
        m_rng ^= m_rng << 13;
        m_rng ^= m_rng >> 7;
        m_rng ^= m_rng << 17;
        return m_rng;
    }

    // ---- attach (admin client) -------------------------------------------------------

    bool openAttach()
    {
        const std::uint64_t start = nowNs();
        m_attach = startConnect(Role::Sink, m_options.attach);
        runUntil([&] { return m_attach->state != State::Connecting && m_attach->state != State::Handshaking; },
                 start + secondsToNs(10));
        if (m_attach->state != State::Open) {
            m_results.addInt("attach_status", m_attach->httpStatus);
            m_results.addInt("ok", 0);
            m_results.print(m_options.json);
            std::fprintf(stderr, "wsplug-loadgen: attach to %s refused: %s\n", m_options.attach.c_str(),
                         m_firstFailure.c_str());
            return false;
        }
        m_firstFailure.clear();
        m_results.addInt("attach_status", 101);
        return true;
    }

    // ---- message handlers --------------------------------------------------------------

    void onOpen(Connection *c)
    {
        if (c->role == Role::Churn) {
            if (m_options.churnEcho) {
                sendEcho(c);
                return;
            }
            sendClose(c, 1000);
            c->state = State::Closing;
            c->closingSinceNs = nowNs();
        }
    }

    void onMessage(Connection *c, Opcode opcode, std::string_view payload)
    {
        switch (c->role) {
        case Role::Busy:
            onEchoReply(c, opcode, payload);
            return;
        case Role::Subscriber:
            onFanoutDelivery(c, opcode, payload);
            return;
        case Role::Sink:
            ++m_attachMessages;
            return;
        case Role::Churn:
            onChurnEcho(c, opcode, payload);
            return;
        case Role::Publisher:
        case Role::Idle:
        case Role::Probe:
            ++m_otherMessages;
            return;
        }
    }

    // ---- echo ------------------------------------------------------------------------

    void fillPayload(std::string &out, std::size_t size, std::uint64_t tag, std::uint64_t seq)
    {
        const std::size_t offset = std::size_t((seq * 131 + tag) % 256);
        out.assign(m_pattern.data() + offset, std::min(size, m_pattern.size() - offset));
        out.resize(size, m_options.binary ? '\0' : 'z');
        // A hex tag at the front, so a reply to someone else's message cannot pass.
        char tagText[40];
        const int n = std::snprintf(tagText, sizeof tagText, "%06" PRIx64 "-%010" PRIx64 "-", tag, seq);
        std::memcpy(out.data(), tagText, std::min<std::size_t>(std::size_t(n), size));
    }

    void sendEcho(Connection *c)
    {
        ++c->seq;
        fillPayload(c->expected, m_options.size, std::uint64_t(c->index), c->seq);
        c->awaiting = true;
        c->sentAtNs = nowNs();
        sendFrame(c, m_options.binary ? Opcode::Binary : Opcode::Text, c->expected);
    }

    void onEchoReply(Connection *c, Opcode opcode, std::string_view payload)
    {
        const std::uint64_t now = nowNs();
        if (!c->awaiting) {
            ++m_verifyErrors;
            return;
        }
        const Opcode want = m_options.binary ? Opcode::Binary : Opcode::Text;
        if (opcode != want || payload != std::string_view(c->expected)) {
            ++m_verifyErrors;
            if (m_firstFailure.empty())
                m_firstFailure = "echo differs from the message sent";
        }
        c->awaiting = false;
        ++m_echoesTotal;
        if (m_measuring) {
            ++m_echoesMeasured;
            if (m_latencySamples.size() < MaxLatencySamples)
                m_latencySamples.push_back(now - c->sentAtNs);
        }
        if (m_echoRunning)
            sendEcho(c);
    }

    int runEchoModes(int idle)
    {
        const std::string path = m_options.path.empty() ? "/echo" : m_options.path;
        m_results.addInt("connections", m_options.connections);
        m_results.addInt("size", (long long)m_options.size);
        m_results.add("payload", m_options.binary ? "binary" : "text", true);
        if (idle > 0 && !openIdle(idle, path))
            return 1;
        if (!openAll(Role::Busy, path, m_options.connections, 60))
            return 1;
        m_firstFailure.clear();

        m_echoRunning = true;
        for (auto &c : m_connections) {
            if (c->role == Role::Busy && c->state == State::Open)
                sendEcho(c.get());
        }
        sleepFor(m_options.warmup);
        m_measuring = true;
        const CpuSample before = cpuNow();
        const std::uint64_t start = before.wallNs;
        const std::uint64_t limit = m_options.messages;
        runUntil([&] { return (limit > 0 && m_echoesMeasured >= limit) || m_unexpectedCloses > 0; },
                 start + secondsToNs(m_options.duration));
        const CpuSample after = cpuNow();
        m_measuring = false;
        m_echoRunning = false;
        // Collect the replies still in flight, so each one is verified.
        runUntil([&] {
            return std::none_of(m_connections.begin(), m_connections.end(), [](const auto &c) {
                return c->role == Role::Busy && c->fd >= 0 && c->awaiting;
            });
        }, nowNs() + secondsToNs(5));

        const double seconds = double(after.wallNs - start) / 1e9;
        const Percentiles p = percentiles(m_latencySamples);
        m_results.add("seconds", seconds, 2);
        m_results.addInt("messages", (long long)m_echoesMeasured);
        m_results.add("msgs_per_s", seconds > 0 ? double(m_echoesMeasured) / seconds : 0, 0);
        m_results.add("p50_us", p.p50Us);
        m_results.add("p99_us", p.p99Us);
        m_results.add("max_us", p.maxUs);
        m_results.addInt("verify_errors", (long long)m_verifyErrors);
        const long long unanswered = std::count_if(m_connections.begin(), m_connections.end(), [](const auto &c) {
            return c->role == Role::Busy && c->awaiting;
        });
        m_results.addInt("unanswered", unanswered);
        addCpu(before, after);
        if (idle > 0)
            addIdleAliveCount();
        const bool ok = m_verifyErrors == 0 && unanswered == 0 && m_unexpectedCloses == 0
            && m_protocolErrors == 0 && m_echoesMeasured > 0;
        if (!ok && !m_firstFailure.empty())
            std::fprintf(stderr, "wsplug-loadgen: %s\n", m_firstFailure.c_str());
        return ok ? 0 : 1;
    }

    // ---- idle ------------------------------------------------------------------------

    bool openIdle(int count, const std::string &path)
    {
        const long rssBefore = readVmRssKiB(m_options.serverPid);
        m_handshakeSamples.clear();
        double seconds = 0;
        const CpuSample before = cpuNow();
        const bool ok = openAll(Role::Idle, path, count, std::max(120.0, count / 50.0), &seconds);
        const CpuSample after = cpuNow();
        m_results.addInt("idle", count);
        m_results.add("connect_s", seconds, 3);
        m_results.add("connects_per_s", seconds > 0 ? double(count) / seconds : 0, 0);
        const Percentiles p = percentiles(m_handshakeSamples);
        m_results.add("handshake_p50_us", p.p50Us);
        m_results.add("handshake_p99_us", p.p99Us);
        if (!ok) {
            m_results.addInt("idle_opened", m_opened);
            return false;
        }
        const double connectGenCpu = 100.0 * (after.selfSeconds - before.selfSeconds) / std::max(seconds, 1e-9);
        m_results.add("connect_gen_cpu_pct", connectGenCpu);
        // Let the server finish what connecting left behind (deferred deletes, timers)
        // before reading its memory.
        sleepFor(1.0);
        const long rssAfter = readVmRssKiB(m_options.serverPid);
        if (rssBefore >= 0 && rssAfter >= 0) {
            m_results.addInt("rss_before_kib", rssBefore);
            m_results.addInt("rss_after_kib", rssAfter);
            m_results.add("rss_per_conn_kib", double(rssAfter - rssBefore) / double(count), 2);
        }
        return true;
    }

    void addIdleAliveCount()
    {
        // Every idle connection must still answer: one ping each, count the pongs.
        long long open = 0;
        m_pongs = 0;
        for (auto &c : m_connections) {
            if (c->role == Role::Idle && c->state == State::Open && c->fd >= 0) {
                c->pingAwaited = true;
                sendFrame(c.get(), Opcode::Ping, "bench");
                ++open;
            }
        }
        const std::uint64_t start = nowNs();
        runUntil([&] { return m_pongs >= std::uint64_t(open); }, start + secondsToNs(30));
        m_results.add("ping_check_s", double(nowNs() - start) / 1e9, 3);
        m_results.addInt("idle_alive", (long long)m_pongs);
    }

    int runIdle()
    {
        const std::string path = m_options.path.empty() ? "/echo" : m_options.path;
        if (!openIdle(m_options.idle, path))
            return 1;
        if (m_options.hold > 0) {
            const CpuSample before = cpuNow();
            sleepFor(m_options.hold);
            const CpuSample after = cpuNow();
            m_results.add("hold_s", m_options.hold, 1);
            if (after.serverSeconds >= 0)
                m_results.add("hold_server_cpu_pct", 100.0 * (after.serverSeconds - before.serverSeconds) / m_options.hold);
            m_results.addInt("rss_after_hold_kib", readVmRssKiB(m_options.serverPid));
        }
        addIdleAliveCount();
        return m_pongs == std::uint64_t(m_options.idle) && m_unexpectedCloses == 0 ? 0 : 1;
    }

    // ---- fanout ------------------------------------------------------------------------

    void startRound()
    {
        ++m_round;
        m_roundReceived = 0;
        std::string payload;
        fillPayload(payload, std::max<std::size_t>(m_options.size, 18), 0xF, m_round);
        m_roundSentAtNs = nowNs();
        sendFrame(m_publisher, m_options.binary ? Opcode::Binary : Opcode::Text, payload);
    }

    void onFanoutDelivery(Connection *c, Opcode opcode, std::string_view payload)
    {
        // Tag "00000f-<seq>-": the round number, checked for order and loss per subscriber.
        std::uint64_t seq = 0;
        if (payload.size() < 18 || payload.substr(0, 7) != "00000f-"
            || std::sscanf(std::string(payload.substr(7, 10)).c_str(), "%" SCNx64, &seq) != 1
            || opcode != (m_options.binary ? Opcode::Binary : Opcode::Text)) {
            ++m_verifyErrors;
            if (m_firstFailure.empty())
                m_firstFailure = "unexpected message on a subscriber";
            return;
        }
        if (seq != c->nextSeq) {
            ++m_verifyErrors;
            if (m_firstFailure.empty())
                m_firstFailure = "subscriber missed or reordered a message";
        }
        c->nextSeq = seq + 1;
        if (seq != m_round)
            return;
        if (++m_roundReceived < std::uint64_t(m_options.subscribers))
            return;
        const std::uint64_t latency = nowNs() - m_roundSentAtNs;
        if (m_measuring) {
            m_latencySamples.push_back(latency);
            ++m_roundsMeasured;
        }
        m_roundComplete = true;
    }

    int runFanout()
    {
        const std::string path = m_options.path.empty() ? "/broadcast/bench" : m_options.path;
        const std::string subscribePath = path + (path.find('?') == std::string::npos ? "?" : "&") + "mode=subscribe";
        const int k = m_options.subscribers;
        m_results.addInt("subscribers", k);
        m_results.addInt("size", (long long)std::max<std::size_t>(m_options.size, 18));
        double seconds = 0;
        if (!openAll(Role::Subscriber, subscribePath, k, std::max(120.0, k / 50.0), &seconds))
            return 1;
        m_results.add("connect_s", seconds, 3);
        if (!openAll(Role::Publisher, path, 1, 10))
            return 1;
        m_publisher = m_connections.back().get();
        // The host registers a session right after its 101; give it a moment.
        sleepFor(0.3);
        for (auto &c : m_connections) {
            if (c->role == Role::Subscriber)
                c->nextSeq = 1;
        }

        const int warmupRounds = 5;
        const std::uint64_t deadline = nowNs() + secondsToNs(m_options.duration + m_options.warmup);
        CpuSample before = cpuNow();
        bool timedOut = false;
        for (int r = 0; r < warmupRounds + m_options.rounds; ++r) {
            if (r == warmupRounds) {
                m_measuring = true;
                before = cpuNow();
            }
            m_roundComplete = false;
            startRound();
            // One round may take long with many subscribers; give it up to 10 s.
            if (!runUntil([&] { return m_roundComplete || m_unexpectedCloses > 0; },
                          std::min(deadline + secondsToNs(10), nowNs() + secondsToNs(10)))
                || !m_roundComplete) {
                timedOut = true;
                break;
            }
            if (nowNs() >= deadline)
                break;
            if (m_options.gapMs > 0) {
                const std::uint64_t gapStart = nowNs();
                sleepFor(m_options.gapMs / 1000.0);
                if (m_measuring)
                    m_gapNs += nowNs() - gapStart;
            }
        }
        const CpuSample after = cpuNow();
        m_measuring = false;
        // Deliveries per second while fanning out: the quiet gaps between rounds do not count.
        std::uint64_t busyNs = 0;
        for (std::uint64_t sample : m_latencySamples)
            busyNs += sample;
        const double measured = double(busyNs) / 1e9;
        const Percentiles p = percentiles(m_latencySamples);
        m_results.addInt("rounds", (long long)m_roundsMeasured);
        m_results.add("p50_us", p.p50Us);
        m_results.add("p99_us", p.p99Us);
        m_results.add("max_us", p.maxUs);
        m_results.add("deliveries_per_s",
                      measured > 0 ? double(m_roundsMeasured) * double(k) / measured : 0, 0);
        m_results.addInt("verify_errors", (long long)m_verifyErrors);
        m_results.addInt("timed_out", timedOut ? 1 : 0);
        addCpu(before, after, m_gapNs);
        const bool ok = !timedOut && m_verifyErrors == 0 && m_unexpectedCloses == 0 && m_roundsMeasured > 0;
        if (!ok)
            std::fprintf(stderr, "wsplug-loadgen: fanout: %s\n",
                         timedOut ? "a round did not reach every subscriber within 10 s" : m_firstFailure.c_str());
        return ok ? 0 : 1;
    }

    // ---- churn -------------------------------------------------------------------------

    void onChurnEcho(Connection *c, Opcode opcode, std::string_view payload)
    {
        const Opcode want = m_options.binary ? Opcode::Binary : Opcode::Text;
        if (!c->awaiting || opcode != want || payload != std::string_view(c->expected)) {
            ++m_verifyErrors;
            if (m_firstFailure.empty())
                m_firstFailure = "churn: echo differs from the message sent";
        }
        c->awaiting = false;
        sendClose(c, 1000);
        c->state = State::Closing;
        c->closingSinceNs = nowNs();
    }

    void onChurnDone(Connection *c, bool clean)
    {
        if (m_measuring) {
            if (clean && !c->awaiting)
                ++m_churnCycles;
            else
                ++m_churnFailures;
        }
        c->role = Role::Probe;   // counted once
        --m_churnActive;
        // Without a rate, each slot starts again at once; with one, the pacer does.
        if (m_churnRunning && m_options.rate <= 0) {
            ++m_churnActive;
            queueConnect(Role::Churn, m_churnPath, 1);
        }
    }

    int runChurn()
    {
        m_churnPath = m_options.path.empty() ? "/echo" : m_options.path;
        m_results.addInt("concurrency", m_options.concurrency);
        m_results.addInt("echo", m_options.churnEcho ? 1 : 0);
        if (m_options.idle > 0 && !openIdle(m_options.idle, m_churnPath))
            return 1;
        const int savedLimit = m_options.connectConcurrency;
        m_options.connectConcurrency = std::max(m_options.connectConcurrency, m_options.concurrency);
        m_churnRunning = true;
        std::uint64_t paceStart = nowNs();
        std::uint64_t paced = 0;      // cycles the pacer started
        std::uint64_t overrun = 0;    // cycles due while all slots were busy
        if (m_options.rate <= 0) {
            m_churnActive = m_options.concurrency;
            queueConnect(Role::Churn, m_churnPath, m_options.concurrency);
        }
        // A close that never finishes would stall a slot: give up on it after 2 s.
        std::uint64_t nextSweep = 0;
        m_tick = [&] {
            const std::uint64_t now = nowNs();
            if (m_options.rate > 0 && m_churnRunning) {
                // Fixed rate: start what is due, within the slots; what cannot start is
                // skipped (and counted), not made up later in a burst.
                const std::uint64_t due = std::uint64_t(double(now - paceStart) / 1e9 * m_options.rate);
                while (paced < due) {
                    ++paced;
                    if (m_churnActive >= m_options.concurrency) {
                        if (m_measuring)
                            ++overrun;
                        continue;
                    }
                    ++m_churnActive;
                    queueConnect(Role::Churn, m_churnPath, 1);
                }
            }
            if (now < nextSweep)
                return;
            nextSweep = now + 100'000'000;
            for (auto &c : m_connections) {
                if (c->role == Role::Churn && c->fd >= 0 && c->state == State::Closing
                    && now - c->closingSinceNs > 2'000'000'000u) {
                    c->state = State::Closed;
                    closeFd(c.get());
                    onChurnDone(c.get(), false);
                }
            }
            // Closed connections are done with; keep the list short.
            if (m_connections.size() > 4096 + std::size_t(m_options.idle)) {
                m_connections.erase(std::remove_if(m_connections.begin(), m_connections.end(), [&](const auto &c) {
                    return c->fd < 0 && c.get() != m_attach;
                }), m_connections.end());
            }
        };
        if (m_options.rate > 0) {
            // The pacer ran already while the idle connections opened: start from now.
            paceStart = nowNs();
            paced = 0;
        }
        sleepFor(m_options.warmup);
        m_handshakeSamples.clear();
        m_measuring = true;
        const CpuSample before = cpuNow();
        sleepFor(m_options.duration);
        const CpuSample after = cpuNow();
        m_measuring = false;
        m_churnRunning = false;
        m_toOpen.clear();
        runUntil([&] { return m_inFlight == 0; }, nowNs() + secondsToNs(5));
        m_tick = nullptr;
        m_options.connectConcurrency = savedLimit;
        if (m_options.rate > 0) {
            m_results.add("rate", m_options.rate, 0);
            m_results.addInt("rate_overrun", (long long)overrun);
        }
        if (before.serverSeconds >= 0 && m_churnCycles > 0)
            m_results.add("server_cpu_ms_per_1000", 1e6 * (after.serverSeconds - before.serverSeconds)
                          / double(m_churnCycles), 1);

        const double seconds = double(after.wallNs - before.wallNs) / 1e9;
        const Percentiles p = percentiles(m_handshakeSamples);
        m_results.add("seconds", seconds, 2);
        m_results.addInt("cycles", (long long)m_churnCycles);
        m_results.add("cycles_per_s", seconds > 0 ? double(m_churnCycles) / seconds : 0, 0);
        m_results.add("handshake_p50_us", p.p50Us);
        m_results.add("handshake_p99_us", p.p99Us);
        m_results.addInt("failures", (long long)(m_churnFailures + m_connectFailures));
        m_results.addInt("verify_errors", (long long)m_verifyErrors);
        addCpu(before, after);
        if (m_options.idle > 0)
            addIdleAliveCount();
        if (m_connectFailures > 0 || m_verifyErrors > 0)
            std::fprintf(stderr, "wsplug-loadgen: churn: %d connects failed, first failure: %s\n", m_connectFailures,
                         m_firstFailure.c_str());
        const bool idleOk = m_options.idle == 0 || m_pongs == std::uint64_t(m_options.idle);
        return m_churnCycles > 0 && m_connectFailures == 0 && m_churnFailures == 0 && m_verifyErrors == 0
                && m_unexpectedCloses == 0 && idleOk ? 0 : 1;
    }

    // ---- openclose ---------------------------------------------------------------------

    // Waits until the server's CPU time stops moving (two readings 100 ms apart equal
    // within a tick), at most maxSeconds; returns false if it never did.
    bool waitServerQuiet(double maxSeconds)
    {
        const std::uint64_t until = nowNs() + secondsToNs(maxSeconds);
        double last = readProcessCpuSeconds(m_options.serverPid);
        while (nowNs() < until) {
            sleepFor(0.1);
            const double now = readProcessCpuSeconds(m_options.serverPid);
            if (now - last <= 0.011)
                return true;
            last = now;
        }
        return false;
    }

    int runOpenClose()
    {
        const std::string path = m_options.path.empty() ? "/echo" : m_options.path;
        const int n = m_options.idle;
        if (n <= 0)
            usageError("openclose needs --idle N");
        m_results.addInt("idle", n);
        m_results.addInt("repeat", m_options.repeat);
        const long rssStart = readVmRssKiB(m_options.serverPid);
        long rssPeak = rssStart;
        std::string peaks, afters, opens, closes;
        double openSum = 0, closeSum = 0, openCpuSum = 0, closeCpuSum = 0;
        bool ok = true;
        for (int round = 0; round < m_options.repeat && ok; ++round) {
            // Open N, at most --connect-concurrency handshakes in flight.
            m_handshakeSamples.clear();
            double openSeconds = 0;
            const CpuSample beforeOpen = cpuNow();
            if (!openAll(Role::Idle, path, n, std::max(120.0, n / 50.0), &openSeconds)) {
                ok = false;
                break;
            }
            const CpuSample afterOpen = cpuNow();
            const long rss = readVmRssKiB(m_options.serverPid);
            rssPeak = std::max(rssPeak, rss);
            waitServerQuiet(5);

            // Drop them all at once. shutdown() rather than close(): the server's end of
            // each connection (its FIN) then shows when it has let the connection go.
            m_dropClosed = 0;
            const CpuSample beforeClose = cpuNow();
            int dropped = 0;
            for (auto &c : m_connections) {
                if (c->role == Role::Idle && c->fd >= 0 && c->state == State::Open) {
                    c->dropped = true;
                    ::shutdown(c->fd, SHUT_WR);
                    ++dropped;
                }
            }
            const bool closedAll = runUntil([&] { return m_dropClosed >= dropped; },
                                            nowNs() + secondsToNs(std::max(60.0, n / 100.0)));
            const CpuSample afterClose = cpuNow();
            // What the server does after its last close (deferred deletes) is part of
            // closing too: its CPU counts until it is quiet again.
            waitServerQuiet(10);
            const double tailCpu = readProcessCpuSeconds(m_options.serverPid) - afterClose.serverSeconds;
            if (!closedAll) {
                std::fprintf(stderr, "wsplug-loadgen: openclose: %d of %d connections closed by the server\n",
                             m_dropClosed, dropped);
                ok = false;
            }
            const double closeSeconds = double(afterClose.wallNs - beforeClose.wallNs) / 1e9;
            const double openCpu = afterOpen.serverSeconds - beforeOpen.serverSeconds;
            const double closeCpu = afterClose.serverSeconds - beforeClose.serverSeconds + tailCpu;
            m_connections.erase(std::remove_if(m_connections.begin(), m_connections.end(),
                                               [&](const auto &c) { return c->fd < 0 && c.get() != m_attach; }),
                                m_connections.end());
            if (m_options.gapS > 0)
                sleepFor(m_options.gapS);
            const long rssAfter = readVmRssKiB(m_options.serverPid);
            auto join = [](std::string &list, const std::string &item) { list += (list.empty() ? "" : ",") + item; };
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.3f", openSeconds);
            join(opens, buf);
            std::snprintf(buf, sizeof buf, "%.3f", closeSeconds);
            join(closes, buf);
            join(peaks, std::to_string(rss / 1024));
            join(afters, std::to_string(rssAfter / 1024));
            openSum += openSeconds;
            closeSum += closeSeconds;
            openCpuSum += openCpu;
            closeCpuSum += closeCpu;
            if (round == 0) {
                const Percentiles p = percentiles(m_handshakeSamples);
                m_results.add("handshake_p99_us", p.p99Us);
            }
            std::fprintf(stderr, "openclose round %d: open %.3f s (server CPU %.3f s), close %.3f s (server CPU %.3f s), "
                         "RSS peak %ld MiB, after %ld MiB\n", round + 1, openSeconds, openCpu, closeSeconds, closeCpu,
                         rss / 1024, rssAfter / 1024);
        }
        const double rounds = double(m_options.repeat);
        m_results.add("open_s", openSum / rounds, 3);
        m_results.add("open_us_per_conn", 1e6 * openSum / rounds / n, 1);
        m_results.add("open_server_cpu_s", openCpuSum / rounds, 3);
        m_results.add("open_server_cpu_us_per_conn", 1e6 * openCpuSum / rounds / n, 1);
        m_results.add("close_s", closeSum / rounds, 3);
        m_results.add("close_us_per_conn", 1e6 * closeSum / rounds / n, 1);
        m_results.add("close_server_cpu_s", closeCpuSum / rounds, 3);
        m_results.add("close_server_cpu_us_per_conn", 1e6 * closeCpuSum / rounds / n, 1);
        if (rssStart >= 0) {
            m_results.addInt("rss_start_mib", rssStart / 1024);
            m_results.addInt("rss_peak_mib", rssPeak / 1024);
            m_results.addInt("rss_end_mib", readVmRssKiB(m_options.serverPid) / 1024);
            m_results.add("rss_peaks_mib", peaks);
            m_results.add("rss_afters_mib", afters);
        }
        if (m_options.repeat > 1) {
            m_results.add("open_s_rounds", opens);
            m_results.add("close_s_rounds", closes);
        }
        return ok && m_unexpectedCloses == 0 ? 0 : 1;
    }

    // ---- probe -------------------------------------------------------------------------

    int runProbe()
    {
        const std::string path = m_options.path.empty() ? "/echo" : m_options.path;
        Connection *c = startConnect(Role::Probe, path);
        runUntil([&] { return c->state != State::Connecting && c->state != State::Handshaking; },
                 nowNs() + secondsToNs(10));
        m_results.add("path", path, true);
        m_results.addInt("status", c->httpStatus);
        if (c->state == State::Open) {
            sendClose(c, 1000);
            c->state = State::Closing;
            runUntil([&] { return c->fd < 0; }, nowNs() + secondsToNs(2));
            return 0;
        }
        return 3;
    }

    Options m_options;
    int m_epoll = -1;
    bool m_ipv6 = false;
    std::size_t m_nextSubscriberPort = 0;
    sockaddr_in m_addr4 = {};
    sockaddr_in6 m_addr6 = {};
    std::uint64_t m_rng = 0x9E3779B97F4A7C15ull;
    std::vector<char> m_readBuffer = std::vector<char>(256 * 1024);
    std::string m_pattern;
    Results m_results;

    std::vector<std::unique_ptr<Connection>> m_connections;
    std::deque<std::pair<Role, std::string>> m_toOpen;
    int m_inFlight = 0;
    int m_opened = 0;
    int m_connectFailures = 0;
    int m_nextSource = 0;
    std::string m_firstFailure;
    int m_lastRefusal = 0;
    std::uint64_t m_unexpectedCloses = 0;
    std::uint64_t m_protocolErrors = 0;
    std::uint64_t m_verifyErrors = 0;
    std::uint64_t m_otherMessages = 0;
    std::uint64_t m_pongs = 0;
    std::vector<std::uint64_t> m_handshakeSamples;
    std::vector<std::uint64_t> m_latencySamples;
    std::function<void()> m_tick;
    bool m_measuring = false;

    Connection *m_attach = nullptr;
    std::uint64_t m_attachMessages = 0;
    std::uint64_t m_attachBytes = 0;

    bool m_echoRunning = false;
    std::uint64_t m_echoesTotal = 0;
    std::uint64_t m_echoesMeasured = 0;

    Connection *m_publisher = nullptr;
    std::uint64_t m_round = 0;
    std::uint64_t m_roundReceived = 0;
    std::uint64_t m_roundSentAtNs = 0;
    std::uint64_t m_roundsMeasured = 0;
    bool m_roundComplete = false;
    std::uint64_t m_gapNs = 0;

    std::string m_churnPath;
    bool m_churnRunning = false;
    int m_churnActive = 0;
    std::uint64_t m_churnCycles = 0;
    std::uint64_t m_churnFailures = 0;

    int m_dropClosed = 0;
};

bool isLoopback(const std::string &host)
{
    in_addr v4;
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6;
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1)
        return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    return false;
}

Options parseOptions(int argc, char **argv)
{
    Options o;
    auto value = [&](int &i) -> std::string {
        if (i + 1 >= argc)
            usageError(std::string(argv[i]) + " needs a value");
        return argv[++i];
    };
    auto number = [&](int &i, double min, double max) {
        const std::string name = argv[i];
        const std::string text = value(i);
        char *end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || v < min || v > max)
            usageError(name + ": expected a number from " + std::to_string((long long)min) + " to "
                       + std::to_string((long long)max) + ", got \"" + text + "\"");
        return v;
    };
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usageText, stdout);
            std::exit(0);
        } else if (arg == "--self-test") {
            std::string failure;
            if (!selfTest(&failure)) {
                std::fprintf(stderr, "wsplug-loadgen: self-test failed: %s\n", failure.c_str());
                std::exit(1);
            }
            std::puts("self-test passed");
            std::exit(0);
        } else if (arg == "--mode") {
            o.mode = value(i);
        } else if (arg == "--host") {
            o.host = value(i);
        } else if (arg == "--port") {
            o.port = int(number(i, 1, 65535));
        } else if (arg == "--publisher-port") {
            o.publisherPort = int(number(i, 1, 65535));
        } else if (arg == "--subscriber-ports") {
            // Comma-separated: the hosts of a cluster (docs/scale-out.md).
            std::string list = value(i);
            for (std::size_t at = 0; at <= list.size();) {
                const std::size_t comma = std::min(list.find(',', at), list.size());
                const int p = std::atoi(list.substr(at, comma - at).c_str());
                if (p < 1 || p > 65535)
                    usageError("--subscriber-ports: a comma-separated list of ports");
                o.subscriberPorts.push_back(p);
                at = comma + 1;
            }
        } else if (arg == "--path") {
            o.path = value(i);
        } else if (arg == "--connections") {
            o.connections = int(number(i, 1, MaxConnections));
        } else if (arg == "--idle") {
            o.idle = int(number(i, 0, MaxConnections));
        } else if (arg == "--size") {
            o.size = std::size_t(number(i, 1, 4 * 1024 * 1024));
        } else if (arg == "--binary") {
            o.binary = true;
        } else if (arg == "--duration") {
            o.duration = number(i, 0.1, MaxSeconds);
        } else if (arg == "--warmup") {
            o.warmup = number(i, 0, 60);
        } else if (arg == "--messages") {
            o.messages = std::uint64_t(number(i, 1, 1e12));
        } else if (arg == "--hold") {
            o.hold = number(i, 0, MaxSeconds);
        } else if (arg == "--subscribers") {
            o.subscribers = int(number(i, 1, MaxConnections));
        } else if (arg == "--rounds") {
            o.rounds = int(number(i, 1, 1e7));
        } else if (arg == "--concurrency") {
            o.concurrency = int(number(i, 1, 1000));
        } else if (arg == "--connect-concurrency") {
            o.connectConcurrency = int(number(i, 1, 4096));
        } else if (arg == "--source-ips") {
            o.sourceIps = int(number(i, 1, 254));
        } else if (arg == "--attach") {
            o.attach = value(i);
        } else if (arg == "--server-pid") {
            o.serverPid = int(number(i, 1, 1e9));
        } else if (arg == "--cpu") {
            o.cpu = int(number(i, 0, 4095));
        } else if (arg == "--timeout") {
            o.timeout = number(i, 1, MaxSeconds * 2);
        } else if (arg == "--gap-ms") {
            o.gapMs = number(i, 0, 10000);
        } else if (arg == "--rate") {
            o.rate = number(i, 0, 1e6);
        } else if (arg == "--no-echo") {
            o.churnEcho = false;
        } else if (arg == "--repeat") {
            o.repeat = int(number(i, 1, 1000));
        } else if (arg == "--gap") {
            o.gapS = number(i, 0, 600);
        } else if (arg == "--quickack") {
            o.quickAck = true;
        } else if (arg == "--json") {
            o.json = true;
        } else {
            usageError("unknown option \"" + arg + "\"");
        }
    }
    static const char *modes[] = {"echo", "idle", "echo-under-idle", "fanout", "churn", "openclose", "probe"};
    if (std::find(std::begin(modes), std::end(modes), o.mode) == std::end(modes))
        usageError("--mode must be echo, idle, echo-under-idle, fanout, churn, openclose or probe");
    if (o.port == 0)
        usageError("--port is required");
    if (!isLoopback(o.host))
        usageError("refusing target \"" + o.host + "\": loopback only (127.x.y.z or ::1)");
    if (o.mode == "echo-under-idle" && o.idle == 0 && o.connections == 0)
        usageError("echo-under-idle needs connections");
    if (!o.path.empty() && o.path[0] != '/')
        usageError("--path must start with /");
    return o;
}

} // namespace
} // namespace WsPlug::Bench

int main(int argc, char **argv)
{
    using namespace WsPlug::Bench;
    const Options options = parseOptions(argc, argv);

    // A bound on time, whatever happens: SIGALRM ends the process.
    alarm(unsigned(options.timeout));
    std::signal(SIGPIPE, SIG_IGN);

    if (options.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(options.cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            std::fprintf(stderr, "wsplug-loadgen: cannot pin to CPU %d: %s\n", options.cpu, std::strerror(errno));
    }

    rlimit limit = {};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    long long needed = 16;
    if (options.mode == "echo")
        needed += options.connections;
    else if (options.mode == "echo-under-idle")
        needed += options.connections + options.idle;
    else if (options.mode == "idle")
        needed += options.idle;
    else if (options.mode == "fanout")
        needed += options.subscribers + 1;
    else if (options.mode == "churn")
        needed += options.concurrency + options.idle;
    else if (options.mode == "openclose")
        needed += options.idle;
    if (limit.rlim_cur != RLIM_INFINITY && needed > (long long)limit.rlim_cur) {
        std::fprintf(stderr, "wsplug-loadgen: %lld descriptors needed, the limit is %llu\n", needed,
                     (unsigned long long)limit.rlim_cur);
        return 2;
    }

    LoadGenerator generator(options);
    return generator.run();
}
