package redistest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
)

// freePort returns a TCP port that is free on 127.0.0.1.
//
// It prefers a port below the kernel's ephemeral range: a port from that
// range (what listening on port 0 gives) can be taken, while the server is
// down between Kill and Restart, as the local port of any outgoing
// connection, and the restarted server would then fail to bind. Ports below
// the range are taken only by explicit binds. Where the range is unknown it
// falls back to port 0.
func freePort() (int, error) {
	if lo := ephemeralLow(); lo > minPort+1000 {
		for range 50 {
			port := minPort + rand.IntN(lo-minPort)
			if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				ln.Close()
				return port, nil
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: pick a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// minPort is the lowest port freePort picks below the ephemeral range.
const minPort = 10000

// ephemeralLow returns the first port of Linux's ephemeral range, or 0 if it
// cannot be read.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		return 0
	}
	return lo
}
