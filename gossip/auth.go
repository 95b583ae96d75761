package gossip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// The headers of the shared-secret scheme (see the package doc).
const (
	HeaderTime  = "Abacus-Gossip-Time"  // request: Unix seconds
	HeaderNonce = "Abacus-Gossip-Nonce" // request: 32 hex digits, random
	HeaderMAC   = "Abacus-Gossip-Mac"   // request and answer: 64 hex digits
)

// requestMAC is the MAC of a request: every part that decides its effect.
// Each part is free of newlines (names are validated, the query is the
// cursor's digits, time and nonce are digits), so the message is
// unambiguous.
func requestMAC(secret []byte, method, name, query, ts, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("abacus-gossip/1 request\n" + method + "\n" + name + "\n" + query + "\n" + ts + "\n" + nonce + "\n"))
	m.Write([]byte(hex.EncodeToString(sum[:])))
	return m.Sum(nil)
}

// answerMAC is the MAC of an answer: bound to the request it answers.
func answerMAC(secret, reqMAC []byte, code int, body []byte) []byte {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("abacus-gossip/1 answer\n" + hex.EncodeToString(reqMAC) + "\n" + strconv.Itoa(code) + "\n"))
	m.Write([]byte(hex.EncodeToString(sum[:])))
	return m.Sum(nil)
}

// sign stamps a request and returns its MAC.
func (n *Node) sign(h http.Header, method, name, query string, body []byte) []byte {
	ts := strconv.FormatInt(n.opts.Now().Unix(), 10)
	nonce := hex.EncodeToString(randomBytes(16))
	mac := requestMAC(n.opts.Secret, method, name, query, ts, nonce, body)
	h.Set(HeaderTime, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderMAC, hex.EncodeToString(mac))
	return mac
}

func randomBytes(k int) []byte {
	b := make([]byte, k)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// verify checks a request's stamp and MAC and returns the MAC, or nil.
func (n *Node) verify(r *http.Request, name string, body []byte) []byte {
	ts, nonce := r.Header.Get(HeaderTime), r.Header.Get(HeaderNonce)
	got, err := hex.DecodeString(r.Header.Get(HeaderMAC))
	if err != nil || len(got) != sha256.Size || len(nonce) != 32 {
		return nil
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strconv.FormatInt(sec, 10) != ts {
		return nil
	}
	if d := n.opts.Now().Sub(time.Unix(sec, 0)); d > n.opts.AuthWindow || d < -n.opts.AuthWindow {
		return nil
	}
	want := requestMAC(n.opts.Secret, r.Method, name, r.URL.RawQuery, ts, nonce, body)
	if !hmac.Equal(got, want) {
		return nil
	}
	return got
}

// checkAnswer reports whether an answer carries the MAC of its request,
// code and body.
func (n *Node) checkAnswer(h http.Header, reqMAC []byte, code int, body []byte) bool {
	got, err := hex.DecodeString(h.Get(HeaderMAC))
	return err == nil && hmac.Equal(got, answerMAC(n.opts.Secret, reqMAC, code, body))
}
