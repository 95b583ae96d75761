package histogram

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/abacusgo/abacus/internal/cpu"
)

// A Histogram records a distribution of float64 values in base-2
// exponential buckets (see the package doc). Use New: the zero Histogram is
// not usable, and every method of it panics at once with a message naming
// New.
//
// All methods are safe for concurrent use. Observe, ObserveInt and
// ObserveDuration are lock-free and allocate nothing once their buckets
// exist. A Histogram starts with one set of counts (a shard); when two
// writers collide on it (a compare-and-swap on its sum has to retry), it adds
// one shard per P, chosen as counter.PerCPU chooses cells, so writers on
// different cores stop sharing cache lines.
//
// Memory: an idle Histogram costs about 240 bytes. A shard's buckets come in
// chunks of 64 (512 bytes), behind a directory of chunk pointers (1 KiB at
// the default scale) allocated on the first value of each sign; latencies
// spread over six decades take about 20 chunks, 11 KiB per shard.
type Histogram struct {
	_        noCopy
	scale    int
	m        *mapping // nil for scale ≤ 0
	shift    uint     // m.shift, kept here so that Observe loads it with m
	min      int      // minIndex(scale)
	dirLen   int      // chunk pointers per directory
	zeroNext uint64   // bits of the float after the zero threshold (0 in the zero Histogram)
	zeroThr  float64
	durUnit  float64 // nanoseconds per unit, for ObserveDuration

	first  shard
	shards atomic.Pointer[shardSet] // nil until writers contend
	mu     sync.Mutex               // serialises growing shards

	rmu  sync.Mutex // serialises Snapshot and Interval, and guards left
	left *leftover  // nil until the first Snapshot or Interval
}

// leftover is what the last Interval left for the reads after it (see
// collect), as order keys, the way shard.max and shard.min hold them (0 =
// none): pendingMax and pendingMin, the extremes it took from observations
// whose buckets it did not count, and recentMax and recentMin, every
// extreme it took.
type leftover struct {
	pendingMax, pendingMin uint64
	recentMax, recentMin   []uint64
}

// shardSet is the per-P shards of a contended Histogram.
type shardSet struct {
	s []atomic.Pointer[shard]
}

const sizeofShard = unsafe.Sizeof(shard{})

type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// An Option configures a Histogram. A nil Option changes nothing.
type Option func(*config) error

type config struct {
	scale   int
	zeroThr float64
	durUnit time.Duration
}

// WithScale sets the scale (the Prometheus schema): from MinScale to
// MaxScale, default DefaultScale. Each step up halves the relative error and
// doubles the buckets per power of two.
func WithScale(scale int) Option {
	return func(c *config) error {
		if err := checkScale(scale); err != nil {
			return err
		}
		c.scale = scale
		return nil
	}
}

// WithZeroThreshold sets the largest absolute value that goes to the zero
// bucket instead of a regular one: at least MinValue (the default), at most
// MaxValue. Thresholds that are not a bucket boundary are raised to the next
// one, so the zero bucket and the regular ones never overlap.
func WithZeroThreshold(t float64) Option {
	return func(c *config) error {
		if math.IsNaN(t) || t < MinValue || t > MaxValue {
			return fmt.Errorf("histogram: zero threshold %v out of range [%v, %v]", t, MinValue, MaxValue)
		}
		c.zeroThr = t
		return nil
	}
}

// WithDurationUnit sets the unit ObserveDuration records durations in
// (default time.Second, the Prometheus base unit): ObserveDuration(d) records
// d/unit.
func WithDurationUnit(unit time.Duration) Option {
	return func(c *config) error {
		if unit <= 0 {
			return fmt.Errorf("histogram: duration unit %v must be positive", unit)
		}
		c.durUnit = unit
		return nil
	}
}

// New returns a Histogram configured by opts, or an error naming every bad
// option.
func New(opts ...Option) (*Histogram, error) {
	c, err := configure(opts)
	if err != nil {
		return nil, err
	}
	h := new(Histogram)
	h.init(c)
	return h, nil
}

// configure applies opts to the defaults.
func configure(opts []Option) (config, error) {
	c := config{scale: DefaultScale, zeroThr: MinValue, durUnit: time.Second}
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

// init sets up a zero Histogram for c.
func (h *Histogram) init(c config) {
	h.scale = c.scale
	h.min = minIndex(c.scale)
	h.durUnit = float64(c.durUnit)
	if c.scale > 0 {
		h.m = mappingFor(c.scale)
		h.shift = h.m.shift
	}
	h.dirLen = (maxIndex(c.scale)-h.min)>>chunkBits + 1
	h.zeroThr = snapZeroThreshold(c.zeroThr, c.scale)
	h.zeroNext = math.Float64bits(h.zeroThr) + 1
}

// zeroValue is the panic of every method of a zero Histogram or Window.
const zeroValue = "histogram: use histogram.New or histogram.NewWindow; the zero Histogram or Window is not usable"

// usable panics if h is a zero Histogram (New sets dirLen, always > 0).
func (h *Histogram) usable() {
	if h.dirLen == 0 {
		panic(zeroValue)
	}
}

// MustNew is New for options known to be valid; it panics on an error.
func MustNew(opts ...Option) *Histogram {
	h, err := New(opts...)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return h
}

// snapZeroThreshold raises t to the upper bound of its bucket, so that the
// zero bucket ends on a bucket boundary.
func snapZeroThreshold(t float64, scale int) float64 {
	if t <= MinValue {
		return MinValue
	}
	return UpperBound(Index(t, scale), scale)
}

// Scale returns the histogram's scale.
func (h *Histogram) Scale() int {
	h.usable()
	return h.scale
}

// ZeroThreshold returns the largest absolute value counted in the zero
// bucket.
func (h *Histogram) ZeroThreshold() float64 {
	h.usable()
	return h.zeroThr
}

// DurationUnit returns the unit ObserveDuration records durations in.
func (h *Histogram) DurationUnit() time.Duration {
	h.usable()
	return time.Duration(h.durUnit)
}

// growShard learns the caller's P and returns its shard, allocating it (and
// a larger shard set, if GOMAXPROCS grew) as needed.
func (h *Histogram) growShard(hash uint64) *shard {
	id := cpu.Rehint(hash)
	h.mu.Lock()
	defer h.mu.Unlock()
	ss := h.shards.Load()
	if ss == nil || id >= len(ss.s) {
		n := max(cpu.CeilPow2(cpu.Procs()), cpu.CeilPow2(id+1))
		next := &shardSet{s: make([]atomic.Pointer[shard], n)}
		if ss != nil {
			for i := range ss.s {
				next.s[i].Store(ss.s[i].Load())
			}
		}
		h.shards.Store(next)
		ss = next
	}
	s := ss.s[id].Load()
	if s == nil {
		s = new(shard)
		ss.s[id].Store(s)
	}
	return s
}

// contended is called when a writer found another on its shard: the first
// time, it installs per-P shards; later, the writer's cached P was stale.
func (h *Histogram) contended(hash uint64) {
	if cpu.Procs() == 1 {
		return // a preemption, not a second core
	}
	if h.shards.Load() == nil {
		h.mu.Lock()
		if h.shards.Load() == nil {
			h.shards.Store(&shardSet{s: make([]atomic.Pointer[shard], cpu.CeilPow2(cpu.Procs()))})
		}
		h.mu.Unlock()
		return
	}
	cpu.Rehint(hash)
}

// Observe records v. NaN, ±Inf and values whose absolute value exceeds
// MaxValue are not bucketed; they are counted (Snapshot.Rejected) and leave
// the sum, min and max alone.
func (h *Histogram) Observe(v float64) { h.observe(math.Float64bits(v), sumFloat, 0) }

// ObserveInt records v. Its contribution to the sum is kept as an exact
// integer.
func (h *Histogram) ObserveInt(v int64) { h.observe(math.Float64bits(float64(v)), sumInt, v) }

// ObserveDuration records d in the histogram's duration unit (seconds unless
// set by WithDurationUnit). Its contribution to the sum is kept as an exact
// count of nanoseconds.
func (h *Histogram) ObserveDuration(d time.Duration) {
	h.observe(math.Float64bits(float64(d)/h.durUnit), sumNanos, int64(d))
}

// The sum a value is added to.
const (
	sumFloat = iota // fsum, the float64 value
	sumInt          // isum, n
	sumNanos        // nsum, n nanoseconds
)

// observe records the value with the given bits, adding it to the sum of the
// given kind (n is the integer to add for sumInt and sumNanos). It is the one
// call an Observe makes: the shard, the bucket and every load the two locked
// instructions need come first, so that the add to the sum follows the add
// to the bucket at once.
func (h *Histogram) observe(bits uint64, kind int, n int64) {
	s := &h.first
	var hash uint64
	if ss := h.shards.Load(); ss != nil {
		s, hash = h.pick(ss)
	}
	abs := bits &^ (1 << 63)
	if abs > maxValueBits {
		h.usable() // the zero Histogram's other values panic in grow
		if abs <= infBits {
			s.inf.Add(1)
		} else {
			s.nan.Add(1)
		}
		return
	}
	// Every load comes before the first locked instruction: a locked
	// instruction waits for the loads before it and holds back the loads
	// after it, so the bucket's address (two dependent loads) is found
	// first, and then the sum's compare-and-swap and the bucket's add run
	// back to back.
	c := &s.zero
	if abs >= h.zeroNext {
		d := &s.pos
		if bits>>63 != 0 {
			d = &s.neg
		}
		off := indexShift(abs, h.scale, h.m, h.shift) - h.min
		c = nil
		if dir := d.p.Load(); dir != nil {
			if ch := (*dir)[off>>chunkBits].Load(); ch != nil {
				c = &ch[off&(chunkSize-1)]
			}
		}
		if c == nil {
			c = d.grow(off, h.dirLen)
		}
	}
	// The extremes before the bucket, so that a snapshot (which reads the
	// buckets first) that sees the bucket sees the extremes too. Once they
	// have settled they cost two loads and no write.
	k := key(bits)
	if k > s.max.Load() {
		raise(&s.max, k)
	}
	if ^k > s.min.Load() {
		raise(&s.min, ^k)
	}
	// The sum before the bucket, so that a snapshot's sum may run ahead of
	// its buckets but never behind them.
	contended := false
	switch kind {
	case sumFloat:
		v := math.Float64frombits(bits)
		if old := s.fsum.Load(); !s.fsum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			s.addFloat(v)
			contended = true
		}
	case sumInt:
		contended = s.addInt(&s.isum, n, 1)
	default:
		contended = s.addInt(&s.nsum, n, h.durUnit)
	}
	c.Add(1)
	if contended {
		h.contended(hash)
	}
}

// pick returns the caller's per-P shard and stack hash.
func (h *Histogram) pick(ss *shardSet) (*shard, uint64) {
	hash := cpu.StackHash()
	if id := cpu.Hint(hash); id < len(ss.s) {
		if s := ss.s[id].Load(); s != nil {
			return s, hash
		}
	}
	return h.growShard(hash), hash
}

// Bit patterns of |v| that bound the regular buckets: MaxValue = 2^64, and
// +Inf; anything above +Inf is a NaN.
const (
	maxValueBits = (1023 + maxExp) << 52
	infBits      = 0x7ff << 52
)

// each calls f for every shard in use.
func (h *Histogram) each(f func(*shard)) {
	f(&h.first)
	if ss := h.shards.Load(); ss != nil {
		for i := range ss.s {
			if s := ss.s[i].Load(); s != nil {
				f(s)
			}
		}
	}
}

// Bytes returns the memory the histogram holds, its buckets included.
func (h *Histogram) Bytes() int {
	h.usable()
	n := int(unsafe.Sizeof(*h)) - int(sizeofShard)
	h.each(func(s *shard) { n += s.bytes() })
	if ss := h.shards.Load(); ss != nil {
		n += len(ss.s) * 8
	}
	h.rmu.Lock()
	if l := h.left; l != nil {
		n += int(unsafe.Sizeof(*l)) + (cap(l.recentMax)+cap(l.recentMin))*8
	}
	h.rmu.Unlock()
	return n
}

// Snapshot returns the counts recorded so far, read while writers run. The
// snapshot's count is the sum of its buckets; its sum may include a few
// observations whose buckets it has not read yet, and its Min and Max are
// exact unless observations race with the read (see Snapshot.Min). Calls to
// Snapshot and Interval wait for each other; writers never wait.
func (h *Histogram) Snapshot() *Snapshot { return h.collect(false) }

// Interval returns what was recorded since the last call to Interval (or
// since New), and starts a new interval, while writers run. Every
// observation's bucket is counted in exactly one interval: each bucket is
// taken with an atomic swap, so nothing is lost or counted twice, and no word
// is shared by all writers. An observation racing with Interval may have its
// contribution to the sum land in the neighbouring interval, and its
// extremes too (see Snapshot.Min for what Min and Max then are). Calls to
// Snapshot and Interval wait for each other; writers never wait.
func (h *Histogram) Interval() *Snapshot { return h.collect(true) }

// collect builds a snapshot of every shard; with drain it takes the counts
// and leaves zero behind. It first finds the range of chunks any shard has
// allocated, so that it allocates one array per sign and adds counts into it
// directly. A chunk allocated after that first pass and outside the range is
// skipped: its observations race with the read, and when draining they stay
// for the next interval.
//
// Each shard's extremes are read after its buckets: an observation raises
// its extremes before it adds to its bucket, so a read that counts the
// bucket sees the extremes, unless an Interval took them in between. The
// extremes read, with those the last Interval left pending, are the
// candidates for the snapshot's Min and Max, and those the last Interval
// took the fallbacks (see pickExtremes); an Interval leaves (in h.left) the
// candidates that belong to observations it did not count as pending, and
// all of them as the fallbacks, for the reads after it. Reads are
// serialised by rmu, so that none takes the extremes another is reading and
// what an Interval leaves has one owner.
func (h *Histogram) collect(drain bool) *Snapshot {
	h.usable()
	h.rmu.Lock()
	defer h.rmu.Unlock()
	if h.left == nil {
		h.left = new(leftover)
	}
	left := h.left
	take := func(u *atomic.Uint64) uint64 {
		if u.Load() == 0 {
			return 0
		}
		if drain {
			return u.Swap(0)
		}
		return u.Load()
	}
	takeInt := func(u *atomic.Int64) int64 {
		if drain {
			return u.Swap(0)
		}
		return u.Load()
	}
	span := func(pick func(*shard) *directory) run {
		lo, hi := math.MaxInt, -1
		h.each(func(s *shard) {
			if dir := pick(s).p.Load(); dir != nil {
				for ci := range *dir {
					if (*dir)[ci].Load() != nil {
						lo, hi = min(lo, ci), max(hi, ci)
					}
				}
			}
		})
		if hi < 0 {
			return run{}
		}
		return newRun(lo*chunkSize, hi*chunkSize+chunkSize-1)
	}
	gather := func(r run, d *directory) {
		dir := d.p.Load()
		if dir == nil || r.counts == nil {
			return
		}
		for ci := r.lo / chunkSize; ci <= (r.lo+len(r.counts)-1)/chunkSize; ci++ {
			if ch := (*dir)[ci].Load(); ch != nil {
				base := ci*chunkSize - r.lo
				for j := range ch {
					r.counts[base+j] = addSat(r.counts[base+j], take(&ch[j]))
				}
			}
		}
	}
	pos := span(func(s *shard) *directory { return &s.pos })
	neg := span(func(s *shard) *directory { return &s.neg })
	out := &Snapshot{scale: h.scale, zeroThr: h.zeroThr}
	var fsum float64
	var isum, nsum float64       // per shard exact; summed as floats so that many shards cannot overflow
	var maxBuf, minBuf [8]uint64 // enough for a few shards without allocating
	maxKeys, minKeys := append(maxBuf[:0], left.pendingMax), append(minBuf[:0], left.pendingMin)
	h.each(func(s *shard) {
		gather(pos, &s.pos)
		gather(neg, &s.neg)
		out.zero = addSat(out.zero, take(&s.zero))
		out.nan = addSat(out.nan, take(&s.nan))
		out.inf = addSat(out.inf, take(&s.inf))
		fsum += math.Float64frombits(take(&s.fsum))
		isum += float64(takeInt(&s.isum))
		nsum += float64(takeInt(&s.nsum))
		maxKeys = append(maxKeys, take(&s.max))
		minKeys = append(minKeys, take(&s.min))
	})
	out.sum = fsum + isum + nsum/h.durUnit
	out.pos, out.neg = pos.trimmed(), neg.trimmed()
	out.pos.Offset += h.min
	out.neg.Offset += h.min
	out.finish()
	pendingMax, pendingMin := out.pickExtremes(maxKeys, minKeys, left.recentMax, left.recentMin)
	if drain {
		left.pendingMax, left.pendingMin = pendingMax, pendingMin
		left.recentMax = append(left.recentMax[:0], maxKeys...)
		left.recentMin = append(left.recentMin[:0], minKeys...)
	}
	return out
}

// Octaves is the number of powers of two PowersOfTwo can report: 2^-64 …
// 2^64.
const Octaves = maxExp - minExp + 1

// PowersOfTwo fills dst with the cumulative number of observations at or
// below each power of two 2^first … 2^(first+n-1), from the smallest that
// bounds an observation to the largest (exact: powers of two are bucket
// boundaries at every scale from 0 up; at a negative scale s only every
// 2^-s-th power is one, and the counts at the others are those of the
// boundary below them), and returns first, n, the number of
// observations below every power of two (negative ones and the zero bucket),
// and the sum. It reads the shards directly and allocates nothing: the cheap
// way to expose classic buckets. (Counts that pass MaxCount, which only
// ObserveWithExpected's synthesized values reach, are not saturated as a
// Snapshot's are: past 2^64 they wrap.)
func (h *Histogram) PowersOfTwo(dst *[Octaves]uint64) (first, n int, below uint64, sum float64) {
	h.usable()
	var bins [Octaves + 1]uint64
	lo, hi := len(bins), -1
	octave := func(i int) int { // the smallest e with UpperBound(i) ≤ 2^e
		if h.scale >= 0 {
			return (i + 1 + 1<<h.scale - 1) >> h.scale
		}
		return (i + 1) << -h.scale
	}
	var total sums
	// Buckets that share an octave are consecutive and never straddle a
	// chunk (chunks and octaves both start at multiples of their sizes), so
	// each chunk is summed in runs of one octave with no branch per bucket.
	seg := 1 << max(h.scale, 0)
	if seg > chunkSize {
		seg = chunkSize
	}
	h.each(func(s *shard) {
		below += s.below()
		if dir := s.pos.p.Load(); dir != nil {
			for ci := range *dir {
				ch := (*dir)[ci].Load()
				if ch == nil {
					continue
				}
				for k := 0; k < chunkSize; k += seg {
					if c := sumRun(ch[k : k+seg]); c != 0 {
						b := octave(h.min+ci*chunkSize+k) - minExp
						bins[b] += c
						lo, hi = min(lo, b), max(hi, b)
					}
				}
			}
		}
		total.add(s)
	})
	sum = total.total(h.durUnit)
	if hi < 0 {
		return 0, 0, below, sum
	}
	hi = min(hi, Octaves-1) // 2^64 itself: the top bin
	run := below
	for b := lo; b <= hi; b++ {
		run += bins[b]
		dst[b-lo] = run
	}
	return lo + minExp, hi - lo + 1, below, sum
}

// sumRun adds up a run of bucket counters, four at a time into separate
// sums so that the loads overlap.
func sumRun(cs []atomic.Uint64) uint64 {
	var t0, t1, t2, t3 uint64
	i := 0
	for ; i+4 <= len(cs); i += 4 {
		t0 += cs[i].Load()
		t1 += cs[i+1].Load()
		t2 += cs[i+2].Load()
		t3 += cs[i+3].Load()
	}
	for ; i < len(cs); i++ {
		t0 += cs[i].Load()
	}
	return t0 + t1 + t2 + t3
}

// Sum returns the sum of the observations, read without a snapshot.
func (h *Histogram) Sum() float64 {
	h.usable()
	var total sums
	h.each(total.add)
	return total.total(h.durUnit)
}
