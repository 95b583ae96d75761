package gossip

import (
	"errors"
	"strconv"

	"github.com/abacusgo/abacus"
)

// Register adds the node's metrics to reg:
//
//	abacus_gossip_peer_lag_seconds{peer}            gauge: PeerStats.Lag, the staleness bound
//	abacus_gossip_pulls_total{peer}                 pulls tried (one per replica)
//	abacus_gossip_pull_failures_total{peer,reason}  failed pulls, by Reason
//	abacus_gossip_received_bytes_total{peer}        state bytes pulled
//	abacus_gossip_merges_refused_total{replica}     states, pulled or pushed, the replica refused
//	abacus_gossip_requests_total{code}              requests the handler answered, by status
//
// (401s are abacus_gossip_requests_total{code="401"}.)
func (n *Node) Register(reg *abacus.Registry) error {
	perPeer := func(f func(*peer) float64) func(func([]string, float64)) {
		return func(emit func([]string, float64)) {
			for _, p := range n.peers {
				emit([]string{p.url}, f(p))
			}
		}
	}
	return errors.Join(
		reg.GaugeVecFunc(abacus.Opts{Name: "abacus_gossip_peer_lag_seconds", Unit: "seconds",
			Help: "Seconds since every replica was last pulled from the peer: how stale its share of the counts may be here."},
			[]string{"peer"}, func(emit func([]string, float64)) {
				names := n.names()
				for _, p := range n.peers {
					emit([]string{p.url}, n.lag(p, names).Seconds())
				}
			}),
		reg.CounterVecFunc(abacus.Opts{Name: "abacus_gossip_pulls_total",
			Help: "Pulls of a replica's delta from the peer, failed ones included."},
			[]string{"peer"}, perPeer(func(p *peer) float64 { return float64(p.pulls.Load()) })),
		reg.CounterVecFunc(abacus.Opts{Name: "abacus_gossip_pull_failures_total",
			Help: "Failed pulls from the peer, by reason (network, status, auth, too_large, decode, merge); the next pull retries from the same cursor."},
			[]string{"peer", "reason"}, func(emit func([]string, float64)) {
				for _, p := range n.peers {
					for i, r := range reasons {
						emit([]string{p.url, string(r)}, float64(p.fails[i].Load()))
					}
				}
			}),
		reg.CounterVecFunc(abacus.Opts{Name: "abacus_gossip_received_bytes_total", Unit: "bytes",
			Help: "State bytes pulled from the peer."},
			[]string{"peer"}, perPeer(func(p *peer) float64 { return float64(p.bytes.Load()) })),
		reg.CounterVecFunc(abacus.Opts{Name: "abacus_gossip_merges_refused_total",
			Help: "States, pulled or pushed, that the replica refused to merge."},
			[]string{"replica"}, func(emit func([]string, float64)) {
				n.mu.RLock()
				defer n.mu.RUnlock()
				for name, r := range n.replicas {
					emit([]string{name}, float64(r.refused.Load()))
				}
			}),
		reg.CounterVecFunc(abacus.Opts{Name: "abacus_gossip_requests_total",
			Help: "Requests the gossip handler answered, by status code (401: no valid MAC)."},
			[]string{"code"}, func(emit func([]string, float64)) {
				for i, c := range codes {
					emit([]string{strconv.Itoa(c)}, float64(n.served[i].Load()))
				}
			}),
	)
}
