// Package strictjson reads JSON documents exactly: numbers from their decimal text, never
// through floating point, and objects that name a field twice refused rather than resolved by
// the last one. Request bodies (httpapi) and ID tokens' claims (signing) are read with it.
package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Read reads a valid JSON document into maps, slices, strings, booleans, nils and Numbers,
// refusing a name that appears twice in one object with a *DuplicateError that locates it
// under root (body.amount).
func Read(data []byte, root string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return readValue(dec, root)
}

// DuplicateError is a name that appears twice in one object, at Location.
type DuplicateError struct{ Location, Name string }

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("%q appears twice in one object; send each field once", e.Name)
}

func readValue(dec *json.Decoder, at string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return readObject(dec, at)
		}
		return readArray(dec, at)
	case json.Number:
		return ReadNumber(string(t)), nil
	}
	return tok, nil
}

func readObject(dec *json.Decoder, at string) (any, error) {
	obj := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string)
		field := at + "." + name
		if _, seen := obj[name]; seen {
			return nil, &DuplicateError{Location: field, Name: name}
		}
		if obj[name], err = readValue(dec, field); err != nil {
			return nil, err
		}
	}
	_, err := dec.Token() // }
	return obj, err
}

func readArray(dec *json.Decoder, at string) (any, error) {
	arr := []any{}
	for dec.More() {
		v, err := readValue(dec, fmt.Sprintf("%s[%d]", at, len(arr)))
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	_, err := dec.Token() // ]
	return arr, err
}

// MapNumbers is doc with each Number replaced by what f makes of it.
func MapNumbers(doc any, f func(Number) any) any {
	switch x := doc.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = MapNumbers(e, f)
		}
	case []any:
		for i, e := range x {
			x[i] = MapNumbers(e, f)
		}
	case Number:
		return f(x)
	}
	return doc
}
