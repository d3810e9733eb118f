package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// jsonFormat is huma's JSON format with decoding errors in the API's words: a client learns
// what is wrong with its body, not how the Go decoder failed.
var jsonFormat = huma.Format{
	Marshal:   huma.DefaultJSONFormat.Marshal,
	Unmarshal: decodeJSON,
}

// decodeJSON decodes data into v. A whole number written with a fraction or an exponent (7.0,
// 7e0) is an integer to JSON Schema, and so to the OpenAPI document: it decodes into an
// integer field as that integer.
func decodeJSON(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && strings.HasPrefix(typeErr.Value, "number") && isInteger(typeErr.Type.Kind()) {
		if whole, ok := wholeNumbers(data); ok {
			err = json.Unmarshal(whole, v)
		}
	}
	return inAPIWords(err)
}

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// wholeNumbers rewrites every number of data that is a whole number in integer form.
func wholeNumbers(data []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	out, err := json.Marshal(rewriteNumbers(doc))
	return out, err == nil
}

func rewriteNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = rewriteNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = rewriteNumbers(e)
		}
	case json.Number:
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return json.Number(strconv.FormatInt(int64(f), 10))
		}
	}
	return v
}

// inAPIWords restates a decoding error as what is wrong with the body.
func inAPIWords(err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return fmt.Errorf("the body is not valid JSON: unexpected input at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the body is not valid JSON: it ends before the JSON value does")
	case errors.As(err, &typeErr):
		what := "the body"
		if typeErr.Field != "" {
			what = typeErr.Field
		}
		return fmt.Errorf("%s must be %s, not %s", what, jsonKind(typeErr.Type.Kind()), jsonValue(typeErr.Value))
	}
	return errors.New("the body is not valid JSON")
}

// jsonValue names the kind of JSON value the decoder found ("number 7.5" is a number).
func jsonValue(v string) string {
	v, _, _ = strings.Cut(v, " ")
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "true or false"
	case "number", "string":
		return "a " + v
	}
	return "a " + v + " value"
}

// jsonKind names what a Go kind is in JSON.
func jsonKind(k reflect.Kind) string {
	switch {
	case isInteger(k):
		return "a whole number"
	case k == reflect.Float32 || k == reflect.Float64:
		return "a number"
	case k == reflect.String:
		return "a string"
	case k == reflect.Bool:
		return "true or false"
	case k == reflect.Slice || k == reflect.Array:
		return "an array"
	}
	return "an object"
}
