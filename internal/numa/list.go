package numa

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped by every error Read returns for a sysfs file that
// does not parse, a required file that is missing, or files that contradict
// each other. Test for it with errors.Is.
var ErrMalformed = errors.New("malformed sysfs topology")

// maxID bounds the CPU and node numbers Read accepts, so that a corrupt range
// such as "0-4000000000" is an error rather than a huge allocation. Linux
// builds allow at most 8192 CPUs (NR_CPUS with MAXSMP) and 1024 nodes
// (NODES_SHIFT 10).
const maxID = 1 << 16

// parseList parses the kernel's list format, as in cpulist and online:
// comma-separated decimal numbers and inclusive ranges "a-b", ascending and
// not overlapping, with at most one trailing newline ("0-3,8-11\n"). An
// empty list, as in a memory-only node's cpulist, is valid and returns nil.
// Every number must be below maxID.
func parseList(s string) ([]int, error) {
	body := strings.TrimSuffix(s, "\n")
	if body == "" {
		return nil, nil
	}
	var ids []int
	next := 0 // the lowest number the next element may start at
	for elem := range strings.SplitSeq(body, ",") {
		lo, hi, isRange := strings.Cut(elem, "-")
		a, err := parseID(lo)
		if err != nil {
			return nil, malformed(s, "element %q: %v", elem, err)
		}
		b := a
		if isRange {
			if b, err = parseID(hi); err != nil {
				return nil, malformed(s, "element %q: %v", elem, err)
			}
			if b < a {
				return nil, malformed(s, "range %q runs backwards", elem)
			}
		}
		if a < next {
			return nil, malformed(s, "element %q is not above the one before", elem)
		}
		for id := a; id <= b; id++ {
			ids = append(ids, id)
		}
		next = b + 1
	}
	return ids, nil
}

// parseID parses one decimal number in [0, maxID) written as the kernel
// writes it: digits only, no sign, no leading zero.
func parseID(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty number")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("leading zero")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n >= maxID {
		return 0, fmt.Errorf("%s is not below %d", s, maxID)
	}
	return n, nil
}

// parseDistances parses a node's distance file: one decimal distance per
// online node, in the order of the online list, separated by single spaces,
// with at most one trailing newline. The kernel writes a space before every
// entry but the one for node 0, so when node 0 is offline the line starts
// with a space; one leading space is accepted for that reason.
func parseDistances(s string) ([]int, error) {
	body := strings.TrimPrefix(strings.TrimSuffix(s, "\n"), " ")
	if body == "" {
		return nil, malformed(s, "no distances")
	}
	var ds []int
	for f := range strings.SplitSeq(body, " ") {
		d, err := parseID(f)
		if err != nil {
			return nil, malformed(s, "distance %q: %v", f, err)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// malformed returns an error wrapping ErrMalformed that quotes the file's
// contents and says what is wrong with them.
func malformed(content, format string, args ...any) error {
	return fmt.Errorf("%w: %q: %s", ErrMalformed, content, fmt.Sprintf(format, args...))
}
