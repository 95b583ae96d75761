package slo

// A sample is the cumulative counts at one time (Unix nanoseconds).
type sample struct {
	at          int64
	good, total float64
}

// A ring keeps the newest samples, at most one per step.
type ring struct {
	buf  []sample
	head int // index of the next slot to write
	n    int // samples held
}

func newRing(capacity int) ring { return ring{buf: make([]sample, capacity)} }

func (r *ring) push(s sample) {
	r.buf[r.head] = s
	r.head = (r.head + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
}

// i returns the i-th newest sample (0 is the newest); i < r.n.
func (r *ring) i(i int) sample {
	return r.buf[(r.head-1-i+2*len(r.buf))%len(r.buf)]
}

func (r *ring) newest() (sample, bool) {
	if r.n == 0 {
		return sample{}, false
	}
	return r.i(0), true
}

// atOrBefore returns the newest sample taken at or before t, or the oldest
// held if every sample is newer (the history is shorter than asked: the
// window then covers what there is, as Prometheus's rate does), and whether
// the ring reaches back to t.
func (r *ring) atOrBefore(t int64) (sample, bool) {
	if r.n == 0 {
		return sample{}, false
	}
	// Binary search over age: samples are in time order.
	lo, hi := 0, r.n-1 // newest .. oldest
	if r.i(hi).at > t {
		return r.i(hi), false
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if r.i(mid).at <= t {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return r.i(lo), true
}
