package strictjson

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Number is a JSON number, read exactly from its decimal text.
type Number struct {
	Literal string
	Whole   bool  // it is an integer, however written (7, 7.0, 0.7e1)
	Fits    bool  // … and within an int64, which Exact then is
	Exact   int64 // its value, when Whole and Fits
}

// maxExponentDigits bounds the exponent read as a number: 1e999999 is whole and far past any
// field's range, 1e-999999 far from whole, and neither is worth spelling out in digits.
const maxExponentDigits = 6

// ReadNumber reads a JSON number (the grammar is checked already) without floating point.
func ReadNumber(literal string) Number {
	n := Number{Literal: literal}
	mantissa, exp, _ := strings.Cut(strings.ToLower(literal), "e")
	sign := ""
	if rest, ok := strings.CutPrefix(mantissa, "-"); ok {
		sign, mantissa = "-", rest
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" { // zero, however written
		n.Whole, n.Fits = true, true
		return n
	}
	significant := strings.TrimRight(digits, "0")
	// The value is significant × 10^scale; its last digit is not 0, so it is whole iff scale ≥ 0.
	scale := len(digits) - len(significant) - len(frac)
	expNegative := strings.HasPrefix(exp, "-")
	expDigits := strings.TrimLeft(exp, "+-0")
	if len(expDigits) > maxExponentDigits {
		n.Whole = !expNegative
		return n
	}
	if e, _ := strconv.Atoi(expDigits); expNegative {
		scale -= e
	} else {
		scale += e
	}
	if scale < 0 {
		return n
	}
	n.Whole = true
	if len(significant)+scale > 19 { // past int64 whatever the digits
		return n
	}
	if v, err := strconv.ParseInt(sign+significant+strings.Repeat("0", scale), 10, 64); err == nil {
		n.Fits, n.Exact = true, v
	}
	return n
}

// ForValidation is the number as huma's schema validation reads it. A whole number is a
// float64: rounded only beyond 2^53, far past every bounded field's maximum, and at most
// float64's largest value (1e400 is no +Inf); one past an int64 that no maximum refuses is
// refused when it is decoded (httpapi's decodeJSON). Any other number stays json.Number, which huma takes
// for no number, so an integer field refuses it however close to a whole number it is
// (9999999.9999999999).
func (n Number) ForValidation() any {
	switch {
	case !n.Whole:
		return json.Number(n.Literal)
	case n.Fits:
		return float64(n.Exact)
	}
	f, _ := strconv.ParseFloat(n.Literal, 64)
	return math.Copysign(min(math.Abs(f), math.MaxFloat64), f)
}

// ForDecoding is the number as Go's decoder reads it into the operation's input: a whole number
// within an int64 in integer form, so it decodes into an integer field exactly.
func (n Number) ForDecoding() any {
	if n.Whole && n.Fits {
		return json.Number(strconv.FormatInt(n.Exact, 10))
	}
	return json.Number(n.Literal)
}
