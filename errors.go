package abacus

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of registration problems. A registration that fails returns a
// *RegistrationError or an *AlreadyRegisteredError; errors.Is matches it
// against these.
var (
	// ErrInvalidName: a metric or label name breaks the Prometheus and
	// OpenMetrics rules, uses a reserved suffix or label, or repeats a label.
	ErrInvalidName = errors.New("invalid name")
	// ErrInvalidUnit: the unit is not a valid name, or the metric name does
	// not end in it.
	ErrInvalidUnit = errors.New("invalid unit")
	// ErrInvalidOptions: anything else in the options is wrong (help text
	// that is not UTF-8, a TTL without labels, bad buckets, a nil func).
	ErrInvalidOptions = errors.New("invalid options")
	// ErrLint: in a registry made WithStrict, the name or help fails a lint
	// rule of package lint (promtool check metrics' rules).
	ErrLint = errors.New("lint")
	// ErrAlreadyRegistered: the name, or the OpenMetrics family name it
	// maps to, is taken by a family of another shape.
	ErrAlreadyRegistered = errors.New("already registered")
)

// A RegistrationError lists every problem found in a family's options.
// Each problem wraps one of ErrInvalidName, ErrInvalidUnit,
// ErrInvalidOptions and ErrLint, so errors.Is(err, ErrInvalidName) reports
// whether any problem is of that kind.
type RegistrationError struct {
	Name     string  // the metric name as given
	Problems []error // one per problem, in the order found
}

func (e *RegistrationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return fmt.Sprintf("abacus: metric %q: %s", e.Name, strings.Join(msgs, "; "))
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *RegistrationError) Unwrap() []error { return e.Problems }

// problem is one problem of a RegistrationError: a message and its kind.
type problem struct {
	kind error
	msg  string
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

// An AlreadyRegisteredError says that a family could not be registered
// because its name (or the OpenMetrics family name it maps to: a counter
// x_total is family x there) is taken by a family of another shape.
// Registering the same shape again is not an error: it returns the metric
// registered first. errors.Is(err, ErrAlreadyRegistered) is true.
type AlreadyRegisteredError struct {
	Name     string  // the name asked for
	Existing *Family // the family in the way
	Want     string  // the shape asked for
	Have     string  // the shape of Existing
}

func (e *AlreadyRegisteredError) Error() string {
	if e.Existing.name != e.Name {
		return fmt.Sprintf("abacus: metric %q clashes with %q: both are OpenMetrics family %q", e.Name, e.Existing.name, omFamilyName(e.Existing.name, e.Existing.typ))
	}
	return fmt.Sprintf("abacus: metric %q already registered as %s; cannot register it as %s", e.Name, e.Have, e.Want)
}

// Is reports whether target is ErrAlreadyRegistered.
func (e *AlreadyRegisteredError) Is(target error) bool { return target == ErrAlreadyRegistered }

// ErrInvalidValue: a value a metric cannot record, such as a negative or
// non-finite counter increment, or an exemplar whose labels are too long or
// not UTF-8. Recording it is refused; the metric is left alone.
var ErrInvalidValue = errors.New("invalid value")
