package histogram

import (
	"bytes"
	"errors"
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
