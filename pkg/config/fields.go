package config

import (
	"reflect"
	"strconv"
	"strings"
)

// fieldInfo is what the decoder needs to know about one struct field; it is
// read from the json and jsonschema tags, the same tags the JSON Schema is
// generated from, so the schema and the decoder cannot disagree.
type fieldInfo struct {
	name     string
	index    int
	required bool
	enum     []string
	min, max *float64
}

// structInfo describes the keys a struct accepts.
type structInfo struct {
	fields []fieldInfo
	byName map[string]int // key → position in fields
	names  []string       // keys in declaration order, for did-you-mean
}

func newStructInfo(t reflect.Type) *structInfo {
	info := &structInfo{byName: make(map[string]int, t.NumField())}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fi := fieldInfo{name: name, index: i}
		for _, tag := range splitTag(f.Tag.Get("jsonschema")) {
			k, v, _ := strings.Cut(tag, "=")
			switch k {
			case "required":
				fi.required = true
			case "enum":
				fi.enum = append(fi.enum, v)
			case "minimum", "maximum":
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					continue
				}
				if k == "minimum" {
					fi.min = &x
				} else {
					fi.max = &x
				}
			}
		}
		info.byName[name] = len(info.fields)
		info.fields = append(info.fields, fi)
		info.names = append(info.names, name)
	}
	return info
}

// splitTag splits a jsonschema tag on commas that are not escaped with a
// backslash, as invopop/jsonschema does.
func splitTag(tag string) []string {
	if tag == "" {
		return nil
	}
	var out []string
	cur := ""
	for _, part := range strings.Split(tag, ",") {
		if strings.HasSuffix(cur, `\`) {
			cur = cur[:len(cur)-1] + "," + part
			continue
		}
		if cur != "" {
			out = append(out, cur)
		}
		cur = part
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
