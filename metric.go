package abacus

import "strings"

// newFamily validates o and builds a family of the given type and labels,
// not yet registered.
func (r *Registry) newFamily(o Opts, typ Type, labelNames []string) (*Family, error) {
	if err := checkOpts(o, typ, labelNames); err != nil {
		return nil, err
	}
	f := &Family{
		name:        o.Name,
		help:        strings.TrimSpace(o.Help), // the text format cannot carry surrounding spaces
		unit:        o.Unit,
		typ:         typ,
		labelNames:  append([]string(nil), labelNames...),
		constLabels: renderConst(o.ConstLabels),
		limit:       r.limit,
		ttl:         o.TTL,
	}
	if o.Limit > 0 {
		f.limit = o.Limit
	}
	if len(labelNames) == 0 {
		f.limit = 1 << 62 // the one series of an unlabelled family
	}
	return f, nil
}

// registerVec builds, registers and returns the vec of a family, or the
// vec of the same family registered before.
func registerVec[M any](r *Registry, o Opts, typ Type, labelNames []string, extra string, init func(*M)) (*vec[M], error) {
	f, err := r.newFamily(o, typ, labelNames)
	if err != nil {
		return nil, err
	}
	f.extra = extra
	v := newVec(f, init)
	got, err := r.register(f)
	if err != nil {
		return nil, err
	}
	old, ok := got.impl.(*vec[M])
	if !ok {
		return nil, errorf("abacus: metric %q already registered with another metric type", o.Name)
	}
	if got != f {
		return old, nil
	}
	return v, nil
}

// single returns the one series of an unlabelled family.
func single[M any](v *vec[M]) *M { return v.with(nil) }
