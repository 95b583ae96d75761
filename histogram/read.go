package histogram

import "sync/atomic"

// Rejected returns how many values Observe refused (see Snapshot.Rejected),
// read without a snapshot.
func (h *Histogram) Rejected() (nan, inf uint64) {
	h.usable()
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
	h.usable()
	*dst = Native{
		Schema:         int32(h.scale),
		ZeroThreshold:  h.zeroThr,
		PositiveSpans:  dst.PositiveSpans[:0],
		PositiveDeltas: dst.PositiveDeltas[:0],
		NegativeSpans:  dst.NegativeSpans[:0],
		NegativeDeltas: dst.NegativeDeltas[:0],
	}
	var total sums
	h.each(func(s *shard) {
		dst.ZeroCount = addSat(dst.ZeroCount, s.zero.Load())
		total.add(s)
	})
	dst.Sum = total.total(h.durUnit)
	pos := spanWriter{spans: dst.PositiveSpans, deltas: dst.PositiveDeltas}
	neg := spanWriter{spans: dst.NegativeSpans, deltas: dst.NegativeDeltas}
	dst.Count = addSat(dst.ZeroCount, addSat(h.merged(func(s *shard) *directory { return &s.pos }, &pos),
		h.merged(func(s *shard) *directory { return &s.neg }, &neg)))
	dst.PositiveSpans, dst.PositiveDeltas = pos.spans, pos.deltas
	dst.NegativeSpans, dst.NegativeDeltas = neg.spans, neg.deltas
}

// merged feeds the buckets of one sign, summed over the shards, to w in
// index order, a chunk at a time, and returns their total; counts saturate
// at MaxCount, as a Snapshot's do.
func (h *Histogram) merged(pick func(*shard) *directory, w *spanWriter) uint64 {
	var dirs [8]*[]atomic.Pointer[chunk]
	all := dirs[:0]
	h.each(func(s *shard) {
		if d := pick(s).p.Load(); d != nil {
			all = append(all, d)
		}
	})
	if len(all) == 0 {
		return 0
	}
	// The writer's state in locals, so that the loop over buckets keeps it
	// in registers.
	spans, deltas, prev, last := w.spans, w.deltas, w.prev, w.last
	var total uint64
	var sum [chunkSize]uint64
	for ci := 0; ci < h.dirLen; ci++ {
		n := 0
		for _, d := range all {
			if ch := (*d)[ci].Load(); ch != nil {
				if n == 0 {
					for k := range ch {
						sum[k] = ch[k].Load()
					}
				} else {
					for k := range ch {
						sum[k] = addSat(sum[k], ch[k].Load())
					}
				}
				n++
			}
		}
		if n == 0 {
			continue
		}
		base := h.min + ci*chunkSize
		for k, c := range sum {
			if c == 0 {
				continue
			}
			c = min(c, MaxCount) // a lone shard's counter may hold more
			total = addSat(total, c)
			i := base + k
			if len(spans) > 0 && i-last <= 3 {
				// Up to two empty buckets stay inside the span, as
				// client_golang writes them.
				for range i - last - 1 {
					deltas = append(deltas, -prev)
					prev = 0
				}
				spans[len(spans)-1].Length += uint32(i - last)
			} else {
				off := i + 1 // Prometheus numbering
				if len(spans) > 0 {
					off -= last + 2 // one past the previous span's last bucket
				}
				spans = append(spans, Span{Offset: int32(off), Length: 1})
			}
			deltas = append(deltas, int64(c)-prev)
			prev, last = int64(c), i
		}
	}
	w.spans, w.deltas, w.prev, w.last = spans, deltas, prev, last
	return total
}

// spanWriter is the state of building Prometheus spans and deltas from
// non-empty buckets fed in increasing index order (see merged), as spans
// does for a dense run.
type spanWriter struct {
	spans  []Span
	deltas []int64
	prev   int64 // the count of the last bucket written
	last   int   // the index of the last non-empty bucket
}
