package histogram

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
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

// Cutting a valid encoding anywhere, or flipping any byte, gives an error or
// a consistent snapshot, never a panic.
func TestDecodeDamaged(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	s := randomSnapshot(r, 200)
	b, _ := s.MarshalBinary()
	for i := range len(b) {
		var d Snapshot
		err := d.UnmarshalBinary(b[:i])
		if err == nil {
			t.Fatalf("a prefix of %d of %d bytes decoded", i, len(b))
		}
		if !errors.Is(err, errCorrupt) {
			t.Fatalf("error %v does not wrap errCorrupt", err)
		}
	}
	for i := range b {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] ^= x
			var d Snapshot
			if d.UnmarshalBinary(c) == nil {
				checkConsistent(t, &d)
			}
		}
	}
	var d Snapshot
	if err := d.UnmarshalBinary(append(bytes.Clone(b), 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
}

func checkConsistent(t *testing.T, s *Snapshot) {
	t.Helper()
	var n uint64
	for b := range s.All() {
		n += b.Count
	}
	if n != s.Count() {
		t.Fatalf("decoded snapshot: buckets hold %d, Count() %d", n, s.Count())
	}
	_ = s.Quantile(0.5)
	_ = s.CDF(1)
	_ = s.Native()
}

// FuzzDecode feeds garbage to the decoder: it must never panic, and what it
// accepts must be consistent and re-encode to the same bytes.
func FuzzDecode(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 4 {
		b, _ := randomSnapshot(r, 30).MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Snapshot
		if err := s.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v does not wrap errCorrupt", err)
			}
			return
		}
		checkConsistent(t, &s)
		b, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("accepted input does not re-encode to itself")
		}
	})
}

// fields are a snapshot's fields as version 1 encodes them, for building
// encodings by hand.
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
