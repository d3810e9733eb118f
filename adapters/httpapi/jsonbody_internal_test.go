package httpapi

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/internal/strictjson"
)

// FuzzJSONNumber holds the reading of a number to exact rational arithmetic: whole exactly when
// its value is an integer, and then that integer, into an integer field as into validation.
func FuzzJSONNumber(f *testing.F) {
	for _, s := range []string{"9999999.9999999999", "10000000.00000000001", "7.0", "7e0", "0.7e1", "1e-1", "1e400", "-0", "9223372036854775808", "1E+2", "123.456e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, literal string) {
		if literal == "" || strings.TrimSpace(literal) != literal || !strings.ContainsAny(literal[:1], "-0123456789") || !json.Valid([]byte(literal)) {
			return
		}
		n := strictjson.ReadNumber(literal)
		if _, exp, _ := strings.Cut(strings.ToLower(literal), "e"); len(strings.TrimLeft(exp, "+-0")) > 4 {
			return // 10^10000 and beyond: too long to work out exactly here; the table test covers them
		}
		r, ok := new(big.Rat).SetString(literal)
		if !ok {
			t.Fatalf("%s is valid JSON but no rational", literal)
		}
		fits := r.IsInt() && r.Num().IsInt64()
		if n.Whole != r.IsInt() || n.Fits != fits || (fits && n.Exact != r.Num().Int64()) {
			t.Fatalf("ReadNumber(%s) = %+v, but it is %s", literal, n, r.RatString())
		}
		var into struct {
			A int64 `json:"a"`
		}
		err := decodeJSON([]byte(`{"a":`+literal+`}`), &into)
		if fits != (err == nil) || (fits && into.A != n.Exact) {
			t.Fatalf("%s decodes into an integer field as %d, %v", literal, into.A, err)
		}
		var tree any
		if err := decodeJSON([]byte(`{"a":`+literal+`}`), &tree); err != nil {
			t.Fatalf("%s: %v", literal, err)
		}
		v := tree.(map[string]any)["a"]
		if f, isFloat := v.(float64); isFloat != r.IsInt() || (fits && f != float64(n.Exact)) {
			t.Fatalf("%s is %#v to validation", literal, v)
		}
	})
}

// members counts the name-value pairs of a valid JSON document, by its colons outside strings.
func members(data []byte) int {
	n, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && c == ':':
			n++
		}
	}
	return n
}

// decoded counts the name-value pairs Go's decoder keeps of a document (the last of a name).
func decoded(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		n += len(x)
		for _, e := range x {
			n += decoded(e)
		}
	case []any:
		for _, e := range x {
			n += decoded(e)
		}
	}
	return n
}

// FuzzJSONBody holds the body decoder to encoding/json's reading of the same bytes: it takes
// what is valid JSON with each name once per object, refuses the rest in the API's words, and
// refuses a name given twice at its location.
func FuzzJSONBody(f *testing.F) {
	for _, s := range []string{`{"amount":5,"amount":7}`, `{"amount":1,"amount":500}`, `{"AMOUNT":5}`, `{"amount": 9999999.9999999999}`,
		`{"a":{"b":1,"b":2}}`, `[{"x":1},{"x":1}]`, `{"a":"\u0061","\u0061":1}`, `{"s":"a:b\"c:"}`, `{`, `[1e400,-0,7.0]`, `{"a":[{"b":{"c":[1,{"c":1,"c":2}]}}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tree any
		err := decodeJSON(data, &tree)
		if !json.Valid(data) {
			if err == nil || strings.Contains(err.Error(), "invalid character") {
				t.Fatalf("%q is no JSON, and decodes as %v, %v", data, tree, err)
			}
			return
		}
		var plain any
		_ = json.Unmarshal(data, &plain)
		var field *bodyFieldError
		if twice := decoded(plain) < members(data); twice != (err != nil) || (twice && (!errors.As(err, &field) || !strings.Contains(field.reason, "appears twice"))) {
			t.Fatalf("%q, with a name twice: %v, decodes as %v, %v", data, twice, tree, err)
		}
		if err == nil && decoded(tree) != decoded(plain) {
			t.Fatalf("%q decodes as %v, but Go's decoder reads %v", data, tree, plain)
		}
	})
}
