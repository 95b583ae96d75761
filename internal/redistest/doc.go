// Package redistest runs real Redis servers for tests and puts a
// fault-injecting TCP proxy in front of them. It imports only the standard
// library and is meant for _test.go files and benchmarks of Abacus and of
// its bench module.
//
// Start (or Require, its shorthand) runs a private redis-server for one test,
// on a port of its own and a directory of its own, and kills it when the test
// ends. The test can Kill it (SIGKILL, as a crash would), Restart it on the
// same port and directory so that its append-only file is replayed, or Stop
// it gracefully. NewProxy puts a Proxy between clients and a server; its
// Faults add latency, lose replies after the server has executed the request,
// execute requests twice, deliver replies twice, partition, or refuse. Conn
// is a minimal RESP client for checking what the server holds.
//
// The redis-server binary is found through the environment:
//
//	ABACUS_REDIS_SERVER  path of redis-server; when set, a server that
//	                     cannot be started fails the test
//	CI                   when "true", the same
//
// Otherwise the binary is looked up in $PATH, and a test that cannot start
// it is skipped with a message saying so. ./scripts/test installs
// redis-server and sets ABACUS_REDIS_SERVER.
//
// Everything here is safe for concurrent use unless its documentation says
// otherwise. Methods that report failure through t.Fatal must be called from
// the test's goroutine, as t.Fatal must.
package redistest
