package signing

import (
	"testing"
	"time"

	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/queue"
)

// BenchmarkTokenVerifySignature is the full check of a token not in the cache: parse, Ed25519
// signature, claims. BenchmarkTokenVerify is the cached path; their ratio is what the cache saves.
func BenchmarkTokenVerifySignature(b *testing.B) {
	s, _ := NewTokenSigner(make([]byte, 32))
	raw, _ := s.Sign(queue.Token{ID: core.NewID(), UserID: "fan", Seq: 1}, 1, time.Now())
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.verify(raw, now); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVerifiedCacheIsBoundedAndHonoursExpiry(t *testing.T) {
	c := newVerifiedCache(2 * verifiedShards * 4) // 4 per generation per shard
	now := time.Now()
	var keys [][32]byte
	for i := range 2000 {
		k := [32]byte{byte(i), byte(i >> 8), 1}
		keys = append(keys, k)
		c.put(k, verifiedToken{caller: core.Caller{Seq: int64(i)}, expires: now.Add(time.Minute)})
	}
	held := 0
	for i := range c.shards {
		held += len(c.shards[i].cur) + len(c.shards[i].old)
	}
	if held > 2*verifiedShards*4 {
		t.Fatalf("cache holds %d entries, bound is %d", held, 2*verifiedShards*4)
	}
	last := keys[len(keys)-1]
	if got, ok := c.get(last, now); !ok || got.Seq != 1999 {
		t.Fatalf("latest entry: %+v, %v", got, ok)
	}
	if _, ok := c.get(keys[0], now); ok {
		t.Fatal("the oldest entry survived 2000 insertions into a cache of 256")
	}
	if _, ok := c.get(last, now.Add(time.Minute)); ok {
		t.Fatal("an entry was served at its expiry")
	}
}
