// Package bench holds the benchmarks that compare Abacus with the libraries
// its users would otherwise pick. It is a separate module so that users of
// Abacus never download those libraries. See docs/BENCHMARKS.md for how to
// run it and what it showed.
package bench
