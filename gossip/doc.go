// Package gossip replicates the CRDTs of package crdt and the presence
// trackers of package presence between processes over HTTP: a Node holds
// named replicas, pulls their deltas from a fixed list of peers, and answers
// its peers' pulls. Counts converge to the exact total across restarts,
// lost requests and partitions, as the merge rules of package crdt promise.
//
// # A cluster of three processes
//
// Each process runs the same program with the others as its peers:
//
//	a$ logins -listen :7070 -peers http://b:7070/gossip,http://c:7070/gossip
//	b$ logins -listen :7070 -peers http://a:7070/gossip,http://c:7070/gossip
//	c$ logins -listen :7070 -peers http://a:7070/gossip,http://b:7070/gossip
//
// with GOSSIP_SECRET set to the same random string on all three, and:
//
//	func main() {
//		listen := flag.String("listen", ":7070", "address to serve on")
//		peers := flag.String("peers", "", "base URLs of the other nodes, comma-separated")
//		flag.Parse()
//		// This process keeps no state across restarts, so each start counts
//		// under a new node ID (see "Node IDs and restarts" in package crdt);
//		// to keep one ID per host, open the counter from a durable.Set with
//		// Set.PNCounter instead, which restores it after a restart.
//		host, _ := os.Hostname()
//		logins, err := crdt.NewPNCounter(fmt.Sprintf("%s-%d", host, time.Now().UnixNano()))
//		if err != nil {
//			log.Fatal(err)
//		}
//		node, err := gossip.New(gossip.Options{
//			Peers:  strings.Split(*peers, ","),
//			Secret: []byte(os.Getenv("GOSSIP_SECRET")),
//		})
//		if err != nil {
//			log.Fatal(err)
//		}
//		if err := node.Add("logins", gossip.PNCounter(logins)); err != nil {
//			log.Fatal(err)
//		}
//		ln, err := net.Listen("tcp", *listen)
//		if err != nil {
//			log.Fatal(err)
//		}
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		defer stop()
//		mux := http.NewServeMux()
//		mux.Handle("/gossip/", node.Handler())
//		// ... the service's own handlers, which call logins.Add and read
//		// logins.Value(), the cluster's total as this process knows it.
//		go node.Run(ctx)
//		if err := node.Serve(ctx, ln, mux); err != nil {
//			log.Print(err)
//		}
//		// Hand the last adds to the peers rather than wait for their pulls.
//		fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//		defer cancel()
//		if err := node.Flush(fctx); err != nil {
//			log.Print(err)
//		}
//	}
//
// Replicas of one CRDT have the same name on every node ("logins"); a node
// may hold several (PNCounter, GCounter, Presence, or any type through
// Adapt).
//
// # Protocol
//
// Sync is pull-based and follows the delta protocol of package crdt. A node
// keeps one Cursor per (peer, replica), the zero Cursor at first, and pulls
//
//	GET BASE/NAME?epoch=E&version=V
//
// from the peer, which answers 200 with the binary encoding (MarshalBinary)
// of its DeltaSince(Cursor{E, V}): what changed after the cursor, and the
// cursor to ask with next time. The node merges the state and only then
// stores its cursor. A pull that fails in any way (no answer, an error
// status, a body over MaxBody, a state that does not decode or that the
// replica refuses to merge) leaves the cursor where it was, so the next pull
// asks for the same changes again: merging twice is harmless, skipping is
// not. A peer that restarts has a new epoch, and the old cursor then gets
// its full state.
//
// Every AntiEntropy (30 s by default) the node asks each peer with the zero
// Cursor instead, for the full state. The cursor protocol alone loses
// nothing, but a full pull now and then also repairs what it cannot see:
// a change a replica lost after reporting success (a state restored from an
// old copy, say), or a bug. What a replica refuses with an error (a presence
// tracker's full hold, a state from a clock too far behind) leaves the
// cursor where it was, and is pulled again.
//
// Run gives each peer a loop of its own: one pull per replica, then a wait
// of Interval plus a random Jitter. A peer that is down or cut off costs its
// own loop up to Timeout per replica and delays no other peer; Concurrency
// bounds the loops pulling at once.
//
// Flush pushes the full state of every replica to every peer:
//
//	POST BASE/NAME (body: the state)   204 once merged
//
// which a node calls as it stops, so that its last adds reach the peers
// without waiting for their pulls.
//
// # What converges, and when
//
// A delta carries every entry that changed at its producer, the producer's
// own and those it merged from others, so counts spread through any path of
// working links: a node that can reach one node of a group learns the whole
// group. Once every live node can reach, directly or through others, every
// other, all of them hold the same value, the exact sum of all adds: after a
// partition heals, within a few Intervals plus Timeout (the pulls held up by
// the partition time out first). While cut off, each side keeps counting and
// sees its own side's adds. abacus_gossip_peer_lag_seconds bounds, per peer,
// how old the peer's share of the counts may be here.
//
// A process killed without warning (kill -9, a crash, a power cut) loses
// the adds that no peer had pulled yet: at most its last Interval or so of
// adds when its peers were reachable, everything since the partition began
// when they were not. What any live node pulled survives there and spreads
// on. A graceful stop with Flush loses nothing once one peer acknowledged
// the push. Presence events recorded only on the dead process are lost in
// the same way, and the sessions it did share stay active until they expire
// everywhere.
//
// # Security
//
// Without a Secret anyone who can reach the handler reads every replica,
// and can push states that count forever (an entry, once merged, only
// grows). Run without one only on a network where every host is trusted.
//
// With a Secret every request carries a Unix time, a random nonce and an
// HMAC-SHA256, keyed by the secret, of the method, the replica's name, the
// query (the cursor, in the one spelling the handler accepts), the time, the
// nonce and the SHA-256 of the body (headers HeaderTime, HeaderNonce and
// HeaderMAC). The handler answers 401 to a request whose MAC is missing or
// wrong or whose time is further than AuthWindow from its clock, and counts
// it (abacus_gossip_requests_total{code="401"}). Every successful answer
// carries an HMAC of the request's MAC, the status and the body, which the
// puller checks before it merges: a pull merges only what a holder of the
// secret sent in answer to that very request.
//
// An HMAC rather than the secret itself in a header: the secret never
// travels, so a captured request reveals nothing and cannot be altered (a
// pushed state cannot be swapped), and answers are authenticated too. The
// path prefix is left out of the MAC, so that a reverse proxy may mount the
// handler elsewhere. Replay within AuthWindow is allowed, and harmless by
// construction: a pull is a read, and a replayed push merges a state already
// merged, which changes nothing (merges are idempotent, and an old state is
// dominated by the current one); so no nonce cache is kept. The secret
// authenticates membership of the cluster, not individual nodes: any holder
// can push any entries. Nothing is encrypted: for confidentiality use https
// peer URLs (an Options.Client with the TLS configuration, and a TLS
// listener for Serve). Keep the secret at least MinSecret random bytes.
//
// # Limits and timeouts
//
// MaxBody (16 MiB by default) bounds what a node reads: a pulled answer
// longer than that is an error (counted, never merged, never a partial
// merge), and the handler answers a push over it with 413. Timeout bounds
// every request, and the server from Server has read, write, header and
// idle timeouts, so a peer that stops reading or writing holds nothing for
// long. Serve shuts down gracefully, and reports requests still in flight at
// ShutdownTimeout as an error.
//
// # Metrics
//
// Register exports, per peer, the lag, the pulls, the failed pulls by
// reason and the bytes received; per replica, the states refused; and the
// handler's answers by status code. Stats returns the same numbers, and
// failures and recoveries of each peer are logged to Options.Logger.
package gossip
