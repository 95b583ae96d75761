package crdt

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/wire"
)

// HLLPrecision is the number of index bits of an HLL: it has 2^14 registers.
const HLLPrecision = 14

// HLLError is the standard error of HLL.Count: 1.04/sqrt(2^14), about 0.81%.
const HLLError = 0.0081

const (
	hllRegisters = 1 << HLLPrecision
	hllMaxRank   = 64 - HLLPrecision + 1 // 51
	hllWords     = hllRegisters / 4
)

// An HLL is a HyperLogLog sketch: it estimates how many distinct items were
// added, in 16 KiB, with a standard error of HLLError. It is a CRDT too: Merge
// takes the register-wise maximum, so sketches of several nodes or periods
// combine into the sketch of their union, in any order, any number of times.
//
// All methods are safe for concurrent use and take no lock: registers are
// raised with compare-and-swap. Count reads the registers one by one, so it
// is exact-as-a-sketch at quiescence and otherwise includes every Add that
// finished before it began. The zero value is an empty sketch. Items are
// hashed with a fixed function, so sketches built in different processes
// merge correctly. An HLL must not be copied after first use.
type HLL struct {
	regs [hllWords]atomic.Uint32 // four 8-bit registers per word; vet flags copies
}

// AddString adds the item s and reports whether the sketch changed (as
// Redis's PFADD does; most adds of a seen item change nothing).
func (h *HLL) AddString(s string) bool { return h.AddHash(hashString(s)) }

// Add adds the item b and reports whether the sketch changed.
func (h *HLL) Add(b []byte) bool { return h.AddHash(hashString(string(b))) }

// AddHash adds an item by its 64-bit hash, which must be uniformly
// distributed (the output of a good hash function, not a raw ID), and
// reports whether the sketch changed.
func (h *HLL) AddHash(x uint64) bool {
	idx := x >> (64 - HLLPrecision)
	rank := uint32(bits.LeadingZeros64(x<<HLLPrecision|1<<(HLLPrecision-1)) + 1)
	return h.raise(idx, rank)
}

func (h *HLL) raise(idx uint64, rank uint32) bool {
	w := &h.regs[idx/4]
	shift := 8 * (idx % 4)
	for {
		old := w.Load()
		if (old>>shift)&0xff >= rank {
			return false
		}
		if w.CompareAndSwap(old, old&^(0xff<<shift)|rank<<shift) {
			return true
		}
	}
}

func (h *HLL) register(idx int) uint32 {
	return (h.regs[idx/4].Load() >> (8 * (idx % 4))) & 0xff
}

// Merge raises every register of h to at least o's, so that h estimates the
// union of both, and reports whether h changed.
func (h *HLL) Merge(o *HLL) bool {
	changed := false
	for i := range hllRegisters {
		if r := o.register(i); r != 0 && h.raise(uint64(i), r) {
			changed = true
		}
	}
	return changed
}

// Count returns the estimated number of distinct items added, using Ertl's
// improved estimator (the one Redis's PFCOUNT uses), which needs neither bias
// tables nor a switch to linear counting.
func (h *HLL) Count() uint64 {
	var hist [hllMaxRank + 1]int
	for i := range hllRegisters {
		hist[h.register(i)]++
	}
	m := float64(hllRegisters)
	z := m * hllTau((m-float64(hist[hllMaxRank]))/m)
	for k := hllMaxRank - 1; k >= 1; k-- {
		z += float64(hist[k])
		z *= 0.5
	}
	z += m * hllSigma(float64(hist[0])/m)
	est := math.Round(m * m / (2 * math.Ln2) / z)
	if !(est < math.MaxUint64) { // every register at the top rank: z is 0
		return math.MaxUint64
	}
	return uint64(est)
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += x * y
		y += y
		if z == prev {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if z == prev {
			return z / 3
		}
	}
}

// hashString is 64-bit FNV-1a finished with MurmurHash3's fmix64, so that
// items differing in one byte spread over all registers. It is fixed forever:
// sketches from different processes and versions must agree.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// The binary form of an HLL: "AH" 0x01 precision, then either 0x00 and the
// 2^14 registers as bytes (dense), or 0x01, a varint count and, per nonzero
// register in increasing order, the varint gap to the previous index and the
// register's value (sparse). MarshalBinary picks the shorter.
const (
	hllMagic0, hllMagic1 = 'A', 'H'
	hllVersion           = 1
	hllDense, hllSparse  = 0, 1
)

// MarshalBinary returns the binary form of the sketch.
func (h *HLL) MarshalBinary() ([]byte, error) {
	var regs [hllRegisters]byte
	nonzero := 0
	for i := range regs {
		regs[i] = byte(h.register(i))
		if regs[i] != 0 {
			nonzero++
		}
	}
	b := []byte{hllMagic0, hllMagic1, hllVersion, HLLPrecision}
	if nonzero*3 >= hllRegisters { // a sparse pair takes two or three bytes
		b = append(b, hllDense)
		return append(b, regs[:]...), nil
	}
	b = append(b, hllSparse)
	b = binary.AppendUvarint(b, uint64(nonzero))
	prev := -1
	for i, r := range regs {
		if r != 0 {
			b = binary.AppendUvarint(b, uint64(i-prev-1))
			b = append(b, r)
			prev = i
		}
	}
	return b, nil
}

// UnmarshalBinary replaces the sketch with the one encoded in data. It
// returns an error wrapping ErrInvalid, leaving h unchanged, for anything
// MarshalBinary would not produce (except that either of dense and sparse is
// accepted). It must not run concurrently with other methods of h.
func (h *HLL) UnmarshalBinary(data []byte) error {
	if len(data) < 5 || data[0] != hllMagic0 || data[1] != hllMagic1 {
		return fmt.Errorf("%w: not a binary HLL", ErrInvalid)
	}
	if data[2] != hllVersion || data[3] != HLLPrecision {
		return fmt.Errorf("%w: HLL version %d precision %d (want %d, %d)", ErrInvalid, data[2], data[3], hllVersion, HLLPrecision)
	}
	var regs [hllRegisters]byte
	switch data[4] {
	case hllDense:
		if len(data) != 5+hllRegisters {
			return fmt.Errorf("%w: dense HLL of %d bytes", ErrInvalid, len(data))
		}
		copy(regs[:], data[5:])
	case hllSparse:
		d := wire.Decoder{B: data[5:], Invalid: ErrInvalid}
		n := d.Count("registers", 2)
		next := 0
		for range n {
			gap := d.Uvarint("register gap")
			if d.Err == nil && gap >= uint64(hllRegisters-next) {
				d.Fail("register index out of range")
			}
			r := d.Byte("register")
			if d.Err != nil {
				break
			}
			if r == 0 {
				d.Fail("zero register in a sparse HLL")
				break
			}
			idx := next + int(gap)
			regs[idx] = r
			next = idx + 1
		}
		if err := d.End(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: HLL layout %d", ErrInvalid, data[4])
	}
	for i, r := range regs {
		if r > hllMaxRank {
			return fmt.Errorf("%w: register %d holds %d (at most %d)", ErrInvalid, i, r, hllMaxRank)
		}
	}
	for i := range h.regs {
		h.regs[i].Store(binary.LittleEndian.Uint32(regs[4*i:]))
	}
	return nil
}
