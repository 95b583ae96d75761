package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// A Conn is a minimal RESP2 client connection: enough to check what a server
// holds, to wait for it, and to see the faults a Proxy injects, without a
// Redis client library. It is not safe for concurrent use.
type Conn struct {
	conn    net.Conn
	r       *bufio.Reader
	timeout time.Duration
}

// ErrNil is returned by Do and Receive for a nil reply (a missing key, for
// instance).
var ErrNil = errors.New("redistest: nil reply")

// A ReplyError is an error reply from the server, such as "ERR unknown
// command" or "LOADING Redis is loading the dataset in memory".
type ReplyError string

func (e ReplyError) Error() string { return "redis: " + string(e) }

// maxBulk is the longest bulk string Conn accepts: Redis's default
// proto-max-bulk-len.
const maxBulk = 512 << 20

// Dial connects to addr. A timeout above zero bounds the connect and then
// each Send and Receive; zero means no timeout.
func Dial(addr string, timeout time.Duration) (*Conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	return &Conn{conn: c, r: bufio.NewReader(c), timeout: timeout}, nil
}

// Do sends a command and receives its reply. The reply is rendered as text:
// a status or bulk string as itself ("PONG", "OK", the value), an integer in
// decimal, an array as its elements joined by newlines, with nil elements as
// "(nil)" and error elements as "(error) message". A nil reply at the top
// returns ErrNil, and an error reply a ReplyError.
func (c *Conn) Do(args ...string) (string, error) {
	if err := c.Send(args...); err != nil {
		return "", err
	}
	return c.Receive()
}

// Send writes a command, an array of bulk strings, without reading a reply.
func (c *Conn) Send(args ...string) error {
	if len(args) == 0 {
		return errors.New("redistest: Send with no command")
	}
	b := make([]byte, 0, 64)
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	c.deadline()
	if _, err := c.conn.Write(b); err != nil {
		return fmt.Errorf("redistest: send %s: %w", args[0], err)
	}
	return nil
}

// Receive reads one reply, rendered as Do describes. A connection closed by
// the other end gives an error wrapping io.EOF (or a reset); a timeout, one
// wrapping os.ErrDeadlineExceeded.
func (c *Conn) Receive() (string, error) {
	c.deadline()
	return readReply(c.r)
}

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }

func (c *Conn) deadline() {
	if c.timeout > 0 {
		_ = c.conn.SetDeadline(time.Now().Add(c.timeout))
	}
}

// readReply reads one RESP2 reply and renders it.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("redistest: receive: %w", err)
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return "", fmt.Errorf("redistest: malformed reply line %q", line)
	}
	kind, line := line[0], line[1:len(line)-2]
	switch kind {
	case '+', ':':
		return line, nil
	case '-':
		return "", ReplyError(line)
	case '$':
		n, err := strconv.Atoi(line)
		if err != nil || n < -1 || n > maxBulk {
			return "", fmt.Errorf("redistest: malformed bulk length %q", line)
		}
		if n == -1 {
			return "", ErrNil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", fmt.Errorf("redistest: receive: %w", err)
		}
		if string(b[n:]) != "\r\n" {
			return "", errors.New("redistest: bulk string not ended by CRLF")
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(line)
		if err != nil || n < -1 {
			return "", fmt.Errorf("redistest: malformed array length %q", line)
		}
		if n == -1 {
			return "", ErrNil
		}
		elems := make([]string, 0, min(n, 1024))
		for range n {
			e, err := readReply(r)
			var re ReplyError
			switch {
			case errors.Is(err, ErrNil):
				e = "(nil)"
			case errors.As(err, &re):
				e = "(error) " + string(re)
			case err != nil:
				return "", err
			}
			elems = append(elems, e)
		}
		return strings.Join(elems, "\n"), nil
	}
	return "", fmt.Errorf("redistest: unsupported reply type %q (only RESP2 is)", kind)
}
