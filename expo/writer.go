package expo

import (
	"io"
	"iter"
	"sync"

	"github.com/abacusgo/abacus"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// flushAt is the buffer size at which writers hand their output to the
// io.Writer, so that memory stays bounded for any number of series.
const flushAt = 48 << 10

// writer appends a text exposition to a pooled buffer and hands it to an
// io.Writer as it fills.
type writer struct {
	out io.Writer
	b   []byte
	err error
}

// flush writes out the buffer if it has filled (or if all is set), and
// reports whether writing may go on.
func (w *writer) flush(all bool) bool {
	if w.err == nil && (all || len(w.b) >= flushAt) {
		_, w.err = w.out.Write(w.b)
		w.b = w.b[:0]
	}
	return w.err == nil
}

// family writes one family; it returns early when w.flush fails.
type family func(w *writer, f *abacus.Family, series iter.Seq[*abacus.Series])

// write gathers r and writes every family with fam, then the trailer.
func write(out io.Writer, r *abacus.Registry, fam family, trailer string) error {
	bp := bufPool.Get().(*[]byte)
	w := &writer{out: out, b: (*bp)[:0]}
	defer func() { *bp = w.b[:0]; bufPool.Put(bp) }()
	for f, series := range r.Gather() {
		if fam(w, f, series); !w.flush(false) {
			break
		}
	}
	if w.err == nil {
		w.b = append(w.b, trailer...)
		w.flush(true)
	}
	return w.err
}
