package entry

import (
	"bytes"
	"encoding/json"
	"testing"
)

var payloadSeeds = []string{
	`{"algorithm":"SHA-256","challenge":"ab12","number":42,"salt":"x?expires=1&sale=s&","signature":"cd34","took":17}`,
	`{ "algorithm" : "SHA-256" , "number" : "42" }`,
	`{"number":-0,"took":"x"}`,
	`{"number":042}`,
	`{"number":4.2}`,
	`{"number":1e3}`,
	`{"Challenge":"folded"}`,
	`{"challenge":"a\u0062"}`,
	`{"challenge":"é"}`,
	`{"challenge":""}`,
	`{"challenge":"a","challenge":"b"}`,
	`{"challenge":1}`,
	`{"test":true}`,
	`{"a":"b" "c":"d"}`,
	`{"algorithm":"SHA-256",}`,
	`{}`,
	` {} `,
	`{} x`,
	`{`,
	`[]`,
	``,
}

// The fast path answers exactly as encoding/json would, or leaves the payload to it.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range payloadSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, ok := scanPayload(raw)
		if !ok {
			return
		}
		var want payload
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("%q: the fast path read %+v, encoding/json refuses it: %v", raw, fast, err)
		}
		if fast.Algorithm != want.Algorithm || fast.Challenge != want.Challenge || fast.Salt != want.Salt ||
			fast.Signature != want.Signature || !bytes.Equal(fast.Number, want.Number) {
			t.Fatalf("%q: the fast path read %+v, encoding/json %+v", raw, fast, want)
		}
	})
}

// The widget's own payloads take the fast path (this one is altcha-lib 2.8.0's, as in
// TestAChallengeOfALTCHAsOwnLibraryChecks); what it leaves is still read by encoding/json.
func TestDecodePayloadReadsTheWidgetsPayloadInOnePass(t *testing.T) {
	widget := `{"algorithm":"SHA-256","challenge":"5bc5308f86e5956d3f3821c190f3c87dedefa4de63aadc3caf507f6b8eb1dd22","number":4321,` +
		`"salt":"00112233445566778899aabb?expires=4102444800&sale=interop-sale&","signature":"5d235d96d04d0b7929a1b4dd57deca2c4ab6b5ab559c681b847c6bbdaae8d43b","took":258}`
	pl, ok := scanPayload([]byte(widget))
	if !ok || pl.Algorithm != "SHA-256" || pl.Challenge != "5bc5308f86e5956d3f3821c190f3c87dedefa4de63aadc3caf507f6b8eb1dd22" || string(pl.Number) != "4321" ||
		pl.Salt != "00112233445566778899aabb?expires=4102444800&sale=interop-sale&" || pl.Signature != "5d235d96d04d0b7929a1b4dd57deca2c4ab6b5ab559c681b847c6bbdaae8d43b" {
		t.Fatalf("the widget's payload: %+v, fast path %v", pl, ok)
	}
	for _, left := range []string{`{"challenge":"a\u0062"}`, `{"Challenge":"ab"}`, `{"number":4.2}`, `{"test":true}`} {
		if _, ok := scanPayload([]byte(left)); ok {
			t.Errorf("%s took the fast path", left)
		}
		if _, err := decodePayload([]byte(left)); err != nil {
			t.Errorf("%s: %v, want encoding/json to read it", left, err)
		}
	}
	for _, bad := range []string{`{"a":"b" "c":"d"}`, `{"algorithm":"SHA-256",}`, `{} x`, `{"number":042}`, `{"challenge":1}`} {
		if _, err := decodePayload([]byte(bad)); err == nil {
			t.Errorf("%s read without an error", bad)
		}
	}
}
