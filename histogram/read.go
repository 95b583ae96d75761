package histogram

import "math"

// Rejected returns how many values Observe refused (see Snapshot.Rejected),
// read without a snapshot.
func (h *Histogram) Rejected() (nan, inf uint64) {
	h.each(func(s *shard) {
		nan += s.nan.Load()
		inf += s.inf.Load()
	})
	return nan, inf
}

// AppendNative sets dst to the histogram as a Prometheus native histogram,
// as Snapshot().Native() would, reusing dst's slices: it reads the shards
// directly and allocates nothing once the slices have grown. Like Snapshot,
// its count is the sum of its buckets and its sum may include an
// observation or two racing with the read.
func (h *Histogram) AppendNative(dst *Native) {
	*dst = Native{
		Schema:         int32(h.scale),
		ZeroThreshold:  h.zeroThr,
		PositiveSpans:  dst.PositiveSpans[:0],
		PositiveDeltas: dst.PositiveDeltas[:0],
		NegativeSpans:  dst.NegativeSpans[:0],
		NegativeDeltas: dst.NegativeDeltas[:0],
	}
	var fsum, isum, nsum float64
	h.each(func(s *shard) {
		dst.ZeroCount += s.zero.Load()
		fsum += math.Float64frombits(s.fsum.Load())
		isum += float64(s.isum.Load())
		nsum += float64(s.nsum.Load())
	})
	dst.Sum = fsum + isum + nsum/h.durUnit
	pos := spanWriter{spans: dst.PositiveSpans, deltas: dst.PositiveDeltas}
	neg := spanWriter{spans: dst.NegativeSpans, deltas: dst.NegativeDeltas}
	dst.Count = dst.ZeroCount + h.merged(func(s *shard) *directory { return &s.pos }, &pos) +
		h.merged(func(s *shard) *directory { return &s.neg }, &neg)
	dst.PositiveSpans, dst.PositiveDeltas = pos.spans, pos.deltas
	dst.NegativeSpans, dst.NegativeDeltas = neg.spans, neg.deltas
}

// merged feeds the buckets of one sign, summed over the shards, to w in
// index order, a chunk at a time, and returns their total.
func (h *Histogram) merged(pick func(*shard) *directory, w *spanWriter) uint64 {
	var total uint64
	for ci := 0; ci < h.dirLen; ci++ {
		var sum [chunkSize]uint64
		any := false
		h.each(func(s *shard) {
			dir := pick(s).p.Load()
			if dir == nil {
				return
			}
			ch := (*dir)[ci].Load()
			if ch == nil {
				return
			}
			any = true
			for k := range ch {
				sum[k] += ch[k].Load()
			}
		})
		if !any {
			continue
		}
		base := h.min + ci*chunkSize
		for k, c := range sum {
			if c != 0 {
				w.add(base+k, c)
				total += c
			}
		}
	}
	return total
}

// spanWriter builds Prometheus spans and deltas from non-empty buckets fed
// in increasing index order, keeping gaps of up to two empty buckets inside
// a span, as spans does for a dense run.
type spanWriter struct {
	spans  []Span
	deltas []int64
	prev   int64 // the count of the last bucket written
	last   int   // the index of the last non-empty bucket
}

func (w *spanWriter) add(i int, c uint64) {
	if len(w.spans) > 0 && i-w.last <= 3 {
		for range i - w.last - 1 { // empty buckets inside the span
			w.deltas = append(w.deltas, -w.prev)
			w.prev = 0
		}
		w.spans[len(w.spans)-1].Length += uint32(i - w.last)
	} else {
		off := i + 1 // Prometheus numbering
		if len(w.spans) > 0 {
			off -= w.last + 2 // one past the previous span's last bucket
		}
		w.spans = append(w.spans, Span{Offset: int32(off), Length: 1})
	}
	w.deltas = append(w.deltas, int64(c)-w.prev)
	w.prev = int64(c)
	w.last = i
}
