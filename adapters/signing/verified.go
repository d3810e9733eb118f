package signing

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/boxoffice/boxoffice/core"
)

// verifiedCache remembers tokens whose signature checked out, so a fan polling every few
// seconds costs one Ed25519 verification (about 56 µs here, BenchmarkTokenVerify) per token
// rather than per poll; a hit costs a SHA-256 of the token and a map read. Entries are keyed by
// the token's SHA-256, so only the exact bytes that were verified hit; the expiry is checked on
// every hit. It is bounded: each shard keeps two generations of at most perGeneration entries
// and drops the older one when the newer fills, so a token not seen for a whole generation is
// verified again. Revocation stays with the server's token state, as without the cache.
type verifiedCache struct {
	shards [verifiedShards]verifiedShard
	perGen int
}

const verifiedShards = 32

type verifiedShard struct {
	mu       sync.Mutex
	cur, old map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	caller  core.Caller
	expires time.Time
}

// newVerifiedCache holds up to about capacity tokens.
func newVerifiedCache(capacity int) *verifiedCache {
	c := &verifiedCache{perGen: max(1, capacity/(2*verifiedShards))}
	for i := range c.shards {
		c.shards[i].cur = map[[sha256.Size]byte]verifiedToken{}
	}
	return c
}

// get returns the caller of a token verified before and not expired at now.
func (c *verifiedCache) get(key [sha256.Size]byte, now time.Time) (core.Caller, bool) {
	sh := &c.shards[key[0]%verifiedShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, ok := sh.cur[key]
	if !ok {
		if v, ok = sh.old[key]; ok {
			c.putLocked(sh, key, v) // still in use: keep it in the young generation
		}
	}
	if !ok || !now.Before(v.expires) {
		return core.Caller{}, false
	}
	return v.caller, true
}

func (c *verifiedCache) put(key [sha256.Size]byte, v verifiedToken) {
	sh := &c.shards[key[0]%verifiedShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c.putLocked(sh, key, v)
}

func (c *verifiedCache) putLocked(sh *verifiedShard, key [sha256.Size]byte, v verifiedToken) {
	if len(sh.cur) >= c.perGen {
		sh.old, sh.cur = sh.cur, make(map[[sha256.Size]byte]verifiedToken, c.perGen)
	}
	sh.cur[key] = v
}
