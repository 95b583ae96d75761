package otelbridge

// WithProducerClock sets a producer's clock, for the tests.
var WithProducerClock = withClock
