//go:build amd64 || arm64 || riscv64 || ppc64 || ppc64le || s390x || loong64 || mips64 || mips64le

package counter

import (
	"testing"
	"unsafe"
)

// The sizes the doc comments state.
func TestDocumentedSizes(t *testing.T) {
	for _, c := range []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"Counter", unsafe.Sizeof(Counter{}), 8},
		{"Gauge", unsafe.Sizeof(Gauge{}), 8},
		{"FloatGauge", unsafe.Sizeof(FloatGauge{}), 8},
		{"Max", unsafe.Sizeof(Max{}), 8},
		{"Capped", unsafe.Sizeof(Capped{}), 16},
		{"Adaptive", unsafe.Sizeof(Adaptive{}), 24},
		{"Sloppy", unsafe.Sizeof(Sloppy{}), 96},
		{"Local", unsafe.Sizeof(Local{}), 80},
		{"EWMA", unsafe.Sizeof(EWMA{}), 64},
	} {
		if c.got != c.want {
			t.Errorf("sizeof(%s) = %d; the doc says %d", c.name, c.got, c.want)
		}
	}
}
