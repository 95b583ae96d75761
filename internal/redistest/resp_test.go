package redistest

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"+OK\r\n", "OK", nil},
		{":-42\r\n", "-42", nil},
		{"$5\r\nhello\r\n", "hello", nil},
		{"$0\r\n\r\n", "", nil},
		{"$-1\r\n", "", ErrNil},
		{"*-1\r\n", "", ErrNil},
		{"*0\r\n", "", nil},
		{"*3\r\n$1\r\na\r\n$-1\r\n:7\r\n", "a\n(nil)\n7", nil},
		{"*2\r\n+QUEUED\r\n-ERR x\r\n", "QUEUED\n(error) ERR x", nil},
		{"-ERR wrong\r\n", "", ReplyError("ERR wrong")},
		{"$5\r\nhel", "", io.ErrUnexpectedEOF},
		{"+OK", "", io.EOF},
	} {
		got, err := readReply(bufio.NewReader(strings.NewReader(tc.in)))
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("readReply(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	for _, in := range []string{"\r\n", "OK\r\n", "$x\r\n", "$-2\r\n", "$1\r\nab\r\n", "*-5\r\n", "%1\r\n", "+OK\n"} {
		if got, err := readReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("readReply(%q) = %q; want an error", in, got)
		}
	}
}
