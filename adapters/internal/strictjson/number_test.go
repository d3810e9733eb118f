package strictjson_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/adapters/internal/strictjson"
)

func TestNumbersAreReadExactly(t *testing.T) {
	for literal, want := range map[string]strictjson.Number{
		"7": {Whole: true, Fits: true, Exact: 7}, "7.0": {Whole: true, Fits: true, Exact: 7}, "7e0": {Whole: true, Fits: true, Exact: 7},
		"0.7E1": {Whole: true, Fits: true, Exact: 7}, "700e-2": {Whole: true, Fits: true, Exact: 7}, "-0.0": {Whole: true, Fits: true},
		"0e-999999999": {Whole: true, Fits: true}, "-12.3400e2": {Whole: true, Fits: true, Exact: -1234},
		"9223372036854775807": {Whole: true, Fits: true, Exact: 1<<63 - 1}, "-9223372036854775808": {Whole: true, Fits: true, Exact: -1 << 63},
		"9223372036854775808": {Whole: true}, "1e19": {Whole: true}, "1e999999999": {Whole: true}, "1e400": {Whole: true},
		"9999999.9999999999": {}, "10000000.00000000001": {}, "1e-1": {}, "15e-1": {}, "1e-999999999": {}, "0.5": {},
	} {
		got := strictjson.ReadNumber(literal)
		want.Literal = literal
		if got != want {
			t.Errorf("ReadNumber(%s) = %+v, want %+v", literal, got, want)
		}
	}
}
