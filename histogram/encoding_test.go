package histogram

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestEncodingRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for range 200 {
		s := randomSnapshot(r, r.IntN(500))
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d Snapshot
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatalf("decoding %x: %v", b, err)
		}
		assertSameCounts(t, &d, s)
		if d.sum != s.sum {
			t.Fatalf("sum %v != %v", d.sum, s.sum)
		}
		b2, _ := d.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Fatal("re-encoding differs")
		}
	}
}

func TestEncodingSize(t *testing.T) {
	h := MustNew()
	r := rand.New(rand.NewPCG(2, 2))
	for range 100000 {
		h.Observe(distributions[1].draw(r))
	}
	s := h.Snapshot()
	b, _ := s.MarshalBinary()
	t.Logf("%d buckets encode in %d bytes", len(s.pos.Counts), len(b))
	if len(b) > 4*len(s.pos.Counts)+64 {
		t.Fatalf("%d buckets take %d bytes", len(s.pos.Counts), len(b))
	}
}

// decodeProblem decodes data and returns what is wrong, or nil: a refusal
// must wrap errCorrupt; an accepted encoding must be canonical (re-encoding
// the snapshot gives data byte for byte, and decoding that gives the same
// snapshot again) and the snapshot consistent (see snapshotProblem).
func decodeProblem(data []byte) (accepted bool, err error) {
	var s Snapshot
	if err := s.UnmarshalBinary(data); err != nil {
		if !errors.Is(err, errCorrupt) {
			return false, fmt.Errorf("error %v does not wrap errCorrupt", err)
		}
		return false, nil
	}
	b, err := s.MarshalBinary()
	if err != nil || !bytes.Equal(b, data) {
		return true, fmt.Errorf("accepted %x re-encodes to %x (%v)", data, b, err)
	}
	if err := snapshotProblem(&s, nil); err != nil {
		return true, fmt.Errorf("accepted %x: %v", data, err)
	}
	return true, nil
}

// seedEncodings returns encodings of real snapshots: random ones at every
// scale and at random zero thresholds, intervals taken while a writer
// runs, merges and downscales, signed and zero-bucket data, saturated
// counts and empty snapshots made every way.
func seedEncodings(t testing.TB) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	var snaps []*Snapshot
	for range 6 {
		snaps = append(snaps, randomSnapshot(r, r.IntN(60)))
	}
	snaps = append(snaps, Merge(snaps[0], snaps[1]), Merge(snaps[2:]...))
	if d, err := snaps[0].Downscale(MinScale); err == nil {
		snaps = append(snaps, d)
	}
	h := MustNew(WithScale(3))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			h.Observe(float64(i%7) - 2.5)
		}
	}()
	for range 3 {
		snaps = append(snaps, h.Interval())
	}
	<-done
	snaps = append(snaps, h.Interval(), h.Interval())
	for _, v := range []float64{0, math.Copysign(0, -1), -1e-30, 1e19, -MaxValue} {
		z := MustNew(WithZeroThreshold(1e-6))
		z.Observe(v)
		snaps = append(snaps, z.Snapshot())
	}
	all := MustNew(WithZeroThreshold(MaxValue))
	all.Observe(-3)
	all.Observe(1e10)
	snaps = append(snaps, all.Snapshot(), Merge(), MustNew().Snapshot())
	var out [][]byte
	for _, s := range snaps {
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	sat := fields{scale: 0, thr: MinValue, zero: MaxCount, min: 0, max: 10, nan: MaxCount, inf: MaxCount,
		posOff: 1, pos: []uint64{MaxCount, 1, MaxCount}}
	return append(out, sat.encode())
}

// Cutting a real encoding, flipping bits of a byte or inserting a byte
// (anywhere in a small encoding or the header, at some 100 places in the
// rest of a large one) gives an error wrapping errCorrupt or a canonical encoding of a
// consistent snapshot, never a panic.
func TestDecodeDamaged(t *testing.T) {
	for _, b := range seedEncodings(t) {
		if ok, err := decodeProblem(b); !ok || err != nil {
			t.Fatalf("a real encoding %x: accepted %v, %v", b, ok, err)
		}
		// Every byte of the header and of small encodings; about 100 of the
		// rest of large ones.
		step := max(1, (len(b)-64)/100)
		next := func(i int) int {
			if i < 64 {
				return i + 1
			}
			return i + step
		}
		for i := 0; i < len(b); i = next(i) {
			if ok, err := decodeProblem(b[:i]); ok || err != nil {
				t.Fatalf("a prefix of %d of %d bytes: accepted %v, %v", i, len(b), ok, err)
			}
			for _, x := range []byte{0x01, 0x02, 0x40, 0x80, 0xff} {
				c := bytes.Clone(b)
				c[i] ^= x
				if _, err := decodeProblem(c); err != nil {
					t.Fatal(err)
				}
			}
			for _, x := range []byte{0x00, 0x01, 0x80} {
				if _, err := decodeProblem(slices.Insert(bytes.Clone(b), i, x)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if ok, _ := decodeProblem(append(bytes.Clone(b), 0)); ok {
			t.Fatal("a trailing byte was accepted")
		}
	}
}

// FuzzDecode feeds garbage to the decoder: it must never panic, its errors
// wrap errCorrupt, and it accepts exactly the canonical encodings: what it
// accepts re-encodes to the same bytes, decodes again to the same snapshot,
// and is consistent. The corpus starts from encodings of real snapshots.
func FuzzDecode(f *testing.F) {
	for _, b := range seedEncodings(f) {
		f.Add(b)
	}
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := decodeProblem(data); err != nil {
			t.Fatal(err)
		}
	})
}

// fields are a snapshot's fields as version 1 encodes them, for building
// encodings by hand. An empty run at offset 0 is written at the offset every
// empty run has.
type fields struct {
	scale              int
	thr                float64
	zero               uint64
	sum, min, max      float64
	nan, inf           uint64
	posOff, negOff     int
	pos, neg           []uint64
	posDelta, negDelta []int64 // if set, the deltas written instead of pos, neg
}

// emptyFields are those of an empty snapshot at DefaultScale.
func emptyFields() fields {
	return fields{scale: DefaultScale, thr: MinValue, min: math.NaN(), max: math.NaN()}
}

func (f fields) encode() []byte {
	b := []byte{encodingVersion}
	b = binary.AppendVarint(b, int64(f.scale))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.thr))
	b = binary.AppendUvarint(b, f.zero)
	for _, x := range []float64{f.sum, f.min, f.max} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	b = binary.AppendUvarint(b, f.nan)
	b = binary.AppendUvarint(b, f.inf)
	for _, r := range []struct {
		off    int
		counts []uint64
		deltas []int64
	}{{f.posOff, f.pos, f.posDelta}, {f.negOff, f.neg, f.negDelta}} {
		if r.off == 0 && len(r.counts) == 0 && r.deltas == nil {
			r.off = minIndex(f.scale) // where an empty run is
		}
		b = binary.AppendVarint(b, int64(r.off))
		if r.deltas != nil {
			b = binary.AppendUvarint(b, uint64(len(r.deltas)))
			for _, d := range r.deltas {
				b = binary.AppendVarint(b, d)
			}
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(r.counts)))
		var prev uint64
		for _, c := range r.counts {
			b = binary.AppendVarint(b, int64(c-prev))
			prev = c
		}
	}
	return b
}

// decode returns the snapshot f encodes, failing the test if it is refused.
func (f fields) decode(t *testing.T) *Snapshot {
	t.Helper()
	var s Snapshot
	if err := s.UnmarshalBinary(f.encode()); err != nil {
		t.Fatalf("%+v: %v", f, err)
	}
	return &s
}

// The decoder refuses every non-canonical encoding, each kind built from a
// canonical one by changing one thing, and accepts canonical encodings at
// the edges of what is allowed, which re-encode to the same bytes.
func TestDecodeCanonicalOnly(t *testing.T) {
	i15, i2 := Index(1.5, DefaultScale), Index(2, DefaultScale) // -2 is in [-2, -1.978)
	base := fields{scale: DefaultScale, thr: MinValue, zero: 1, sum: 3.5, min: -2, max: 1.5, nan: 1, inf: 1,
		posOff: i15, pos: []uint64{1}, negOff: i2, neg: []uint64{1}}
	posOnly := func(min, max float64) func(*fields) {
		return func(f *fields) { f.zero, f.neg, f.negOff, f.min, f.max = 0, nil, 0, min, max }
	}
	negOnly := func(min, max float64) func(*fields) {
		return func(f *fields) { f.zero, f.pos, f.posOff, f.min, f.max = 0, nil, 0, min, max }
	}
	empty := func(min, max float64) func(*fields) {
		return func(f *fields) {
			f.zero, f.pos, f.posOff, f.neg, f.negOff, f.min, f.max = 0, nil, 0, nil, 0, min, max
		}
	}
	otherNaN := math.Float64frombits(0x7ff8000000000000)
	refused := []struct {
		name   string
		change func(*fields)
		raw    func([]byte) []byte // applied to the encoding after change
	}{
		{"version 2", nil, func(b []byte) []byte { b[0] = 2; return b }},
		{"scale above MaxScale", func(f *fields) { f.scale = MaxScale + 1 }, nil},
		{"scale below MinScale", func(f *fields) { f.scale = MinScale - 1 }, nil},
		{"zero threshold 0", func(f *fields) { f.thr = 0 }, nil},
		{"zero threshold NaN", func(f *fields) { f.thr = math.NaN() }, nil},
		{"zero threshold below MinValue", func(f *fields) { f.thr = MinValue / 2 }, nil},
		{"zero threshold above MaxValue", func(f *fields) { f.thr = MaxValue * 2 }, nil},
		{"zero threshold not a bucket boundary", func(f *fields) { f.thr = 1e-3 }, nil},
		{"zero count above MaxCount", func(f *fields) { f.zero = MaxCount + 1 }, nil},
		{"NaN count above MaxCount", func(f *fields) { f.nan = MaxCount + 1 }, nil},
		{"Inf count above MaxCount", func(f *fields) { f.inf = MaxCount + 1 }, nil},
		{"bucket count above MaxCount", func(f *fields) { f.posDelta = []int64{math.MaxInt64, 1} }, nil},
		{"a first bucket count below zero", func(f *fields) { f.posDelta = []int64{-1} }, nil},
		{"bucket count below zero", func(f *fields) { f.posOff, f.posDelta = i15-1, []int64{1, -2, 2} }, nil},
		{"delta of MinInt64", func(f *fields) { f.posDelta = []int64{math.MinInt64} }, nil},
		{"sum NaN", func(f *fields) { f.sum = math.NaN() }, nil},
		{"sum +Inf", func(f *fields) { f.sum = math.Inf(1) }, nil},
		{"sum -Inf", func(f *fields) { f.sum = math.Inf(-1) }, nil},
		{"sum -0", func(f *fields) { f.sum = math.Copysign(0, -1) }, nil},
		{"min NaN with observations", func(f *fields) { f.min = math.NaN() }, nil},
		{"max NaN with observations", func(f *fields) { f.max = math.NaN() }, nil},
		{"min -Inf", func(f *fields) { f.min = math.Inf(-1) }, nil},
		{"max +Inf", func(f *fields) { f.max = math.Inf(1) }, nil},
		{"min below the lowest bucket", func(f *fields) { f.min = -2.5 }, nil},
		{"min above the lowest bucket", func(f *fields) { f.min = -1.5 }, nil},
		{"max above the highest bucket", func(f *fields) { f.max = 1.6 }, nil},
		{"max below the highest bucket", func(f *fields) { f.max = 1.45 }, nil},
		{"min at a positive bucket's open end", posOnly(LowerBound(i15, DefaultScale), 1.5), nil},
		{"max at a negative bucket's open end", negOnly(-2, -LowerBound(i2, DefaultScale)), nil},
		{"min above max in one bucket", posOnly(1.505, 1.5), nil},
		{"extremes without observations", empty(0, 0), nil},
		{"another NaN without observations", empty(otherNaN, otherNaN), nil},
		{"one extreme without observations", empty(math.NaN(), 0), nil},
		{"an empty bucket first", func(f *fields) { f.posOff, f.pos = i15-1, []uint64{0, 1} }, nil},
		{"an empty bucket last", func(f *fields) { f.pos = []uint64{1, 0} }, nil},
		{"a run of empty buckets", func(f *fields) { f.posOff, f.pos, f.max = i15+1, []uint64{0}, 0 }, nil},
		{"an empty run elsewhere", func(f *fields) { f.posOff, f.pos, f.max = 5, nil, 0 }, nil},
		{"a bucket inside the zero bucket", func(f *fields) { f.thr = 2 }, nil},
		{"a bucket ending at the zero threshold", func(f *fields) {
			f.thr, f.neg, f.negOff, f.min = UpperBound(i15, DefaultScale), nil, 0, 0
		}, nil},
		{"a run below the scale's range", func(f *fields) {
			f.posOff, f.pos, f.max = minIndex(DefaultScale)-1, []uint64{1}, MinValue
		}, nil},
		{"a run past the scale's range", func(f *fields) {
			f.posOff, f.pos, f.max = maxIndex(DefaultScale), []uint64{1, 1}, MaxValue
		}, nil},
		{"a trailing byte", nil, func(b []byte) []byte { return append(b, 0) }},
		{"a varint longer than it needs", nil, func(b []byte) []byte {
			b[1] |= 0x80 // the scale, 12 (0x0c), as 0x8c 0x00
			return slices.Insert(b, 2, 0)
		}},
		{"truncated", nil, func(b []byte) []byte { return b[:len(b)-1] }},
	}
	if ok, err := decodeProblem(base.encode()); !ok || err != nil {
		t.Fatalf("the base encoding: accepted %v, %v", ok, err)
	}
	for _, c := range refused {
		f := base
		if c.change != nil {
			c.change(&f)
		}
		b := f.encode()
		if c.raw != nil {
			b = c.raw(b)
		}
		var s Snapshot
		if err := s.UnmarshalBinary(b); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: decoded (%v)", c.name, err)
		}
	}
	accepted := []struct {
		name   string
		change func(*fields)
	}{
		{"-0 as both extremes", func(f *fields) {
			f.pos, f.posOff, f.neg, f.negOff, f.min, f.max = nil, 0, nil, 0, math.Copysign(0, -1), math.Copysign(0, -1)
		}},
		{"-0 and +0", func(f *fields) {
			f.pos, f.posOff, f.neg, f.negOff, f.min, f.max = nil, 0, nil, 0, math.Copysign(0, -1), 0
		}},
		{"the zero bucket holding everything", func(f *fields) {
			f.thr, f.pos, f.posOff, f.neg, f.negOff, f.min, f.max = MaxValue, nil, 0, nil, 0, -MaxValue, MaxValue
		}},
		{"a bucket just above the zero threshold", func(f *fields) {
			f.thr, f.neg, f.negOff, f.min = LowerBound(i15, DefaultScale), nil, 0, 0
		}},
		{"counts of MaxCount", func(f *fields) {
			f.zero, f.nan, f.inf, f.pos, f.neg = MaxCount, MaxCount, MaxCount, []uint64{MaxCount}, []uint64{MaxCount}
		}},
		{"a gap inside a run", func(f *fields) { f.pos, f.max = []uint64{1, 0, 0, 3}, UpperBound(i15+3, DefaultScale) }},
		{"extremes at the closed ends", func(f *fields) { f.min, f.max = -UpperBound(i2, DefaultScale), UpperBound(i15, DefaultScale) }},
		{"an empty snapshot with a sum and rejected values", empty(math.NaN(), math.NaN())},
		{"the largest sum", func(f *fields) { f.sum = -math.MaxFloat64 }},
		{"the lowest scale", func(f *fields) {
			f.scale, f.posOff, f.negOff = MinScale, Index(1.5, MinScale), Index(2, MinScale)
		}},
	}
	for _, c := range accepted {
		f := base
		c.change(&f)
		if ok, err := decodeProblem(f.encode()); !ok || err != nil {
			t.Errorf("%s: accepted %v, %v", c.name, ok, err)
		}
	}
}

// An empty snapshot has one encoding whoever made it: a new histogram's
// snapshot and interval, one drained by intervals, Merge of nothing or of
// empty snapshots, a downscale, a window, the decoder, an explicitly
// configured default threshold, the zero Snapshot; and likewise at another
// scale and zero threshold.
func TestEmptySnapshotsEncodeAlike(t *testing.T) {
	drained := func(opts ...Option) *Snapshot {
		h := MustNew(opts...)
		h.Observe(1.5)
		h.Observe(-3)
		h.Interval()
		return h.Interval()
	}
	decoded := func(s *Snapshot) *Snapshot {
		b, _ := s.MarshalBinary()
		var d Snapshot
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		return &d
	}
	downscaled := func(s *Snapshot, scale int) *Snapshot {
		d, err := s.Downscale(scale)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	window := func(opts ...Option) *Snapshot {
		w, err := NewWindow(3, opts...)
		if err != nil {
			t.Fatal(err)
		}
		w.Observe(2)
		for range 3 {
			w.Tick()
		}
		return w.Snapshot()
	}
	other := []Option{WithScale(3), WithZeroThreshold(1e-3)}
	thr := MustNew(other...).ZeroThreshold() // 1e-3 raised to a boundary
	for _, set := range []struct {
		name  string
		snaps map[string]*Snapshot
	}{
		{"defaults", map[string]*Snapshot{
			"New().Snapshot()":            MustNew().Snapshot(),
			"New().Interval()":            MustNew().Interval(),
			"a drained interval":          drained(),
			"Merge()":                     Merge(),
			"Merge of empty snapshots":    Merge(MustNew().Snapshot(), drained()),
			"a downscale":                 downscaled(MustNew(WithScale(MaxScale)).Snapshot(), DefaultScale),
			"a window":                    window(),
			"decoded":                     decoded(Merge()),
			"WithZeroThreshold(MinValue)": MustNew(WithZeroThreshold(MinValue), WithScale(DefaultScale)).Snapshot(),
			"by hand":                     emptyFields().decode(t),
			"the zero Snapshot":           &Snapshot{},
		}},
		{"scale 3, zero threshold 1e-3", map[string]*Snapshot{
			"New().Snapshot()":          MustNew(other...).Snapshot(),
			"a drained interval":        drained(other...),
			"Merge":                     Merge(MustNew(other...).Snapshot()),
			"a downscale":               downscaled(MustNew(WithScale(5), WithZeroThreshold(thr)).Snapshot(), 3),
			"a window":                  window(other...),
			"decoded":                   decoded(drained(other...)),
			"the threshold as boundary": MustNew(WithScale(3), WithZeroThreshold(thr)).Snapshot(),
		}},
	} {
		var want []byte
		var first string
		for name, s := range set.snaps {
			if s.Count() != 0 || s.Sum() != 0 {
				t.Fatalf("%s, %s: count %d, sum %v; want an empty snapshot", set.name, name, s.Count(), s.Sum())
			}
			b, err := s.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want, first = b, name
			} else if !bytes.Equal(b, want) {
				t.Errorf("%s: %s encodes as %x, %s as %x", set.name, name, b, first, want)
			}
			if err := snapshotProblem(s, nil); err != nil {
				t.Errorf("%s, %s: %v", set.name, name, err)
			}
		}
	}
}
