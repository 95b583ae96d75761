package durable

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"unicode/utf8"
)

// A log record is an 8-byte header, the payload's length and its CRC-32C,
// both little-endian uint32, then the payload: the sequence number, the entry
// count and the entries, each a name and a delta (see the package doc).
const (
	headerSize = 8
	// maxPayload bounds a payload so that a corrupted length cannot make
	// recovery allocate more; a commit larger than this is split into
	// several consecutive records.
	maxPayload = 64 << 20
	// minPayload is the smallest valid payload: a one-byte sequence number,
	// a count of one, and an entry with a one-byte name and delta.
	minPayload = 5
	// minEntry is the smallest encoded entry.
	minEntry = 3
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// change is a delta a commit owes the log for one counter.
type change struct {
	c *Counter
	d int64
}

// appendRecords appends records carrying batch to buf, numbered from seq,
// each payload at most limit bytes (limit must leave room for one entry of
// the longest name), and returns buf and the sequence number after the last.
func appendRecords(buf []byte, seq uint64, batch []change, limit int) ([]byte, uint64) {
	for len(batch) > 0 {
		size, n := 2*binary.MaxVarintLen64, 0 // room for the sequence number and count
		for n < len(batch) {
			e := entrySize(batch[n].c.name, batch[n].d)
			if n > 0 && size+e > limit {
				break
			}
			size += e
			n++
		}
		buf = appendRecord(buf, seq, batch[:n])
		batch = batch[n:]
		seq++
	}
	return buf, seq
}

// appendRecord appends one record carrying batch, numbered seq, to buf.
func appendRecord(buf []byte, seq uint64, batch []change) []byte {
	start := len(buf)
	buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
	buf = binary.AppendUvarint(buf, seq)
	buf = binary.AppendUvarint(buf, uint64(len(batch)))
	for _, ch := range batch {
		buf = binary.AppendUvarint(buf, uint64(len(ch.c.name)))
		buf = append(buf, ch.c.name...)
		buf = binary.AppendVarint(buf, ch.d)
	}
	p := buf[start+headerSize:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(p)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(p, castagnoli))
	return buf
}

// entrySize returns the encoded size of an entry.
func entrySize(name string, d int64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(len(name))) + len(name) + binary.PutVarint(b[:], d)
}

// entry is a decoded entry; name aliases the payload it came from.
type entry struct {
	name []byte
	d    int64
}

// parsePayload decodes a record's payload, appending its entries to ents. It
// rejects anything the encoder does not produce: malformed varints, a count
// of zero or larger than the payload can hold, an empty, overlong or invalid
// UTF-8 name, a zero delta, and trailing bytes.
func parsePayload(p []byte, ents []entry) (uint64, []entry, error) {
	seq, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, ents, errors.New("malformed sequence number")
	}
	p = p[n:]
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, ents, errors.New("malformed entry count")
	}
	p = p[n:]
	if count == 0 || count > uint64(len(p)/minEntry) {
		return 0, ents, fmt.Errorf("entry count %d in %d bytes", count, len(p))
	}
	for i := range count {
		l, n := binary.Uvarint(p)
		if n <= 0 || l == 0 || l > MaxNameLen || l > uint64(len(p)-n) {
			return 0, ents, fmt.Errorf("entry %d: bad name length", i)
		}
		name := p[n : n+int(l)]
		if !utf8.Valid(name) {
			return 0, ents, fmt.Errorf("entry %d: name is not valid UTF-8", i)
		}
		p = p[n+int(l):]
		d, n := binary.Varint(p)
		if n <= 0 || d == 0 {
			return 0, ents, fmt.Errorf("entry %d: bad delta", i)
		}
		p = p[n:]
		ents = append(ents, entry{name, d})
	}
	if len(p) != 0 {
		return 0, ents, fmt.Errorf("%d trailing bytes in the payload", len(p))
	}
	return seq, ents, nil
}

// scanLog reads the records of a log file of size bytes whose first record
// must carry sequence number first, calls apply for each valid record in
// order, and stops at the end or at the first damaged or incomplete record.
// It returns the offset where the valid records end and, if it stopped
// early, why (damage). err reports a failure to read, not damage.
func scanLog(r io.Reader, size int64, first uint64, apply func(seq uint64, ents []entry)) (end int64, damage, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		hdr     [headerSize]byte
		payload []byte
		ents    []entry
	)
	for seq := first; end < size; seq++ {
		if size-end < headerSize {
			return end, fmt.Errorf("incomplete record header (%d bytes)", size-end), nil
		}
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return end, nil, err
		}
		n := int64(binary.LittleEndian.Uint32(hdr[:4]))
		switch left := size - end - headerSize; {
		case n < minPayload:
			return end, fmt.Errorf("record length %d below the minimum %d", n, minPayload), nil
		case n > maxPayload:
			return end, fmt.Errorf("record length %d above the bound %d", n, maxPayload), nil
		case n > left:
			return end, fmt.Errorf("incomplete record: length %d, %d bytes left", n, left), nil
		}
		if int64(cap(payload)) < n {
			payload = make([]byte, n)
		}
		payload = payload[:n]
		if _, err := io.ReadFull(br, payload); err != nil {
			return end, nil, err
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
			return end, errors.New("checksum mismatch"), nil
		}
		got, e, perr := parsePayload(payload, ents[:0])
		ents = e
		switch {
		case perr != nil:
			return end, perr, nil
		case got != seq:
			return end, fmt.Errorf("sequence number %d, want %d", got, seq), nil
		}
		apply(seq, ents)
		end += headerSize + n
	}
	return end, nil, nil
}
