package entry

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// ChallengeTTL is how long a challenge may be solved and sent.
const ChallengeTTL = 10 * time.Minute

// Algorithm is the only hash the door asks for, as ALTCHA names it.
const Algorithm = "SHA-256"

// Challenge is a proof of work in ALTCHA's protocol: find the number n, 0 ≤ n ≤ MaxNumber, for
// which SHA-256(Salt + n), in hex, is Challenge. Signature is the service's HMAC-SHA-256 of
// Challenge, so the service needs to keep nothing until the solution comes back. The salt
// carries the challenge's sale and expiry as URL parameters, ending with "&" as ALTCHA's
// libraries write them.
type Challenge struct {
	Algorithm string
	Challenge string
	Salt      string
	Signature string
	MaxNumber int64
}

// Solution is a solved challenge as ALTCHA's widget sends it, decoded, and checked: the
// challenge it names was signed by this service for its sale and has not expired.
type Solution struct {
	Challenge string
	Expires   time.Time
}

// Prover makes challenges and checks their solutions with the service's key. Every instance
// must share the key, since any may check a challenge another made. Make one with NewProver.
type Prover struct {
	macs sync.Pool // of HMAC-SHA-256 hashes keyed with the service's key: keying one costs more than its use
}

// NewProver returns a prover that signs with key (at least 32 bytes).
func NewProver(key []byte) *Prover {
	if len(key) < 32 {
		panic("entry: the challenge key must be at least 32 bytes")
	}
	p := &Prover{}
	p.macs.New = func() any { return hmac.New(sha256.New, key) }
	return p
}

// Make returns a new challenge of sale, of difficulty maxNumber, good until now+ChallengeTTL.
func (p *Prover) Make(sale core.SaleID, maxNumber int64, now time.Time) (Challenge, error) {
	var raw [12]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Challenge{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(maxNumber+1))
	if err != nil {
		return Challenge{}, err
	}
	params := url.Values{"expires": {strconv.FormatInt(now.Add(ChallengeTTL).Unix(), 10)}, "sale": {string(sale)}}
	salt := hex.EncodeToString(raw[:]) + "?" + params.Encode() + "&"
	challenge := hashHex(salt + n.String())
	return Challenge{Algorithm: Algorithm, Challenge: challenge, Salt: salt, Signature: p.sign(challenge), MaxNumber: maxNumber}, nil
}

// Check decodes a solution sent for sale and checks it at now: signed by this service, for this
// sale, not expired, and solved. It does not tell whether the solution was spent already; the
// queue store does, when it issues the token. Every refusal is a *ProofError saying what was
// wrong.
func (p *Prover) Check(sent string, sale core.SaleID, now time.Time) (Solution, error) {
	if sent == "" {
		return Solution{}, refuseProof("missing: this sale asks each join for a proof of work; solve GET /api/token/challenge?sale_id=%s and send the solution in altcha", sale)
	}
	var pl payload
	raw, err := base64.StdEncoding.DecodeString(sent)
	if err == nil {
		pl, err = decodePayload(raw)
	}
	if err != nil {
		return Solution{}, refuseProof("not ALTCHA's payload: send the solution as ALTCHA's widget does, base64 of its JSON")
	}
	if pl.Algorithm != Algorithm {
		return Solution{}, refuseProof("algorithm %q is not %s, the only one the challenges use", pl.Algorithm, Algorithm)
	}
	if !p.signed(pl.Challenge, pl.Signature) {
		return Solution{}, refuseProof("forged: the challenge was not signed by this service; ask GET /api/token/challenge for one")
	}
	expires, forSale, ok := readSalt(pl.Salt)
	if !ok {
		return Solution{}, refuseProof("the salt is not the challenge's: send it as it came")
	}
	if forSale != string(sale) {
		return Solution{}, refuseProof("the challenge is for sale %q, not %q: ask one for this sale", forSale, sale)
	}
	if !now.Before(time.Unix(expires, 0)) {
		return Solution{}, refuseProof("expired: a challenge is good for %s; ask GET /api/token/challenge for a new one", ChallengeTTL)
	}
	number, err := strconv.ParseUint(string(pl.Number), 10, 63)
	if err != nil || !solves(pl.Salt, number, pl.Challenge) {
		return Solution{}, refuseProof("wrong: the number does not solve the challenge")
	}
	return Solution{Challenge: pl.Challenge, Expires: time.Unix(expires, 0)}, nil
}

// Solve finds a challenge's number as ALTCHA's client library does, trying 0, 1, 2, … up to
// MaxNumber with SHA-256: what a client pays for a join (BenchmarkSolve), and the solver of the
// tests and load tools. It reports false if no number up to MaxNumber solves it.
func Solve(c Challenge) (int64, bool) {
	for n := int64(0); n <= c.MaxNumber; n++ {
		if hashHex(c.Salt+strconv.FormatInt(n, 10)) == c.Challenge {
			return n, true
		}
	}
	return 0, false
}

// Solved is what ALTCHA's widget sends for the challenge solved by number: base64 of its JSON,
// as JavaScript's JSON.stringify writes it (the salt's "&" unescaped).
func Solved(c Challenge, number int64) string {
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"algorithm": c.Algorithm, "challenge": c.Challenge, "number": number, "salt": c.Salt, "signature": c.Signature})
	return base64.StdEncoding.EncodeToString(bytes.TrimSuffix(raw.Bytes(), []byte("\n")))
}

// readSalt reads a salt's expiry and sale from its parameters, after its "?".
func readSalt(salt string) (expires int64, sale string, ok bool) {
	_, params, _ := strings.Cut(salt, "?")
	var expiresOK, saleOK bool
	for pair := range strings.SplitSeq(strings.TrimSuffix(params, "&"), "&") {
		key, value, _ := strings.Cut(pair, "=")
		var err error
		switch {
		case key == "expires" && !expiresOK:
			expires, err = strconv.ParseInt(value, 10, 64)
			expiresOK = err == nil
		case key == "sale" && !saleOK:
			sale, err = url.QueryUnescape(value)
			saleOK = err == nil
		}
		if err != nil {
			return 0, "", false
		}
	}
	return expires, sale, expiresOK && saleOK
}

// signed reports whether signature, hex in either case, is the service's signature of challenge.
func (p *Prover) signed(challenge, signature string) bool {
	var sent [sha256.Size]byte
	if len(signature) != hex.EncodedLen(sha256.Size) {
		return false
	}
	if _, err := hex.Decode(sent[:], []byte(signature)); err != nil {
		return false
	}
	var want [sha256.Size]byte
	return hmac.Equal(p.mac(challenge, want[:0]), sent[:])
}

func (p *Prover) sign(challenge string) string {
	var sum [sha256.Size]byte
	return hex.EncodeToString(p.mac(challenge, sum[:0]))
}

// mac appends the HMAC of challenge to b, with a keyed hash from the pool.
func (p *Prover) mac(challenge string, b []byte) []byte {
	m := p.macs.Get().(hash.Hash)
	defer p.macs.Put(m)
	m.Reset()
	_, _ = io.WriteString(m, challenge)
	return m.Sum(b)
}

// solves reports whether SHA-256(salt + number), in lower-case hex, is challenge.
func solves(salt string, number uint64, challenge string) bool {
	var buf [256]byte
	sum := sha256.Sum256(strconv.AppendUint(append(buf[:0], salt...), number, 10))
	var sumHex [2 * sha256.Size]byte
	hex.Encode(sumHex[:], sum[:])
	return string(sumHex[:]) == challenge
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
