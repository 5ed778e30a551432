package bundle

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// NamesWord reports whether JavaScript code may name word outside its
// comments: as an identifier, a property (x.cf, {cf}) or the whole or part
// of a string (x["cf"], "cf-ray"). It errs towards true: code esbuild
// cannot parse names it wherever its text has the word, and a string that
// merely contains it counts. What it cannot see is a name the code builds
// at run time (["c", "f"].join("")).
//
// Code whose text never has the word, nor an escape of one of its letters,
// is answered from the text alone; otherwise esbuild parses it and prints
// it without comments, so that a library's documentation (`@example
// req.raw.cf`) does not count, and an escaped name ("\u0063f") does.
func NamesWord(code []byte, word string) bool {
	if !hasWord(code, word) && !escapesLetterOf(code, word) {
		return false
	}
	r := api.Transform(string(code), api.TransformOptions{
		Loader:           api.LoaderJS,
		MinifyWhitespace: true,
		LegalComments:    api.LegalCommentsNone,
		Charset:          api.CharsetUTF8,
		LogLevel:         api.LogLevelSilent,
	})
	if len(r.Errors) > 0 {
		return true
	}
	return hasWord(r.Code, word)
}

// ModulesName reports whether any module that runs code names word (see
// NamesWord): the main script and the ES and CommonJS modules beside it.
func ModulesName(script []byte, mods []Module, word string) bool {
	if NamesWord(script, word) {
		return true
	}
	for _, m := range mods {
		switch m.Type {
		case ModuleText, ModuleData, ModuleWasm:
			continue // data: code reaches it only through a module above
		}
		if NamesWord(m.Content, word) {
			return true
		}
	}
	return false
}

// hasWord reports whether text has word with no identifier character on
// either side.
func hasWord(text []byte, word string) bool {
	for i := 0; ; {
		j := bytes.Index(text[i:], []byte(word))
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		if (start == 0 || !identByte(text[start-1])) && (end == len(text) || !identByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

// escapesLetterOf reports whether text has a backslash escape (\xHH,
// \uHHHH, \u{H...}, octal) of a letter of word, with which a string or
// an identifier may spell the word without its letters.
func escapesLetterOf(text []byte, word string) bool {
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\\')
		if j < 0 || i+j+1 >= len(text) {
			return false
		}
		esc := text[i+j+1:]
		i += j + 2
		var digits []byte
		base := 16
		switch {
		case esc[0] == 'x' && len(esc) >= 3:
			digits = esc[1:3]
		case esc[0] == 'u' && len(esc) >= 2 && esc[1] == '{':
			if k := bytes.IndexByte(esc, '}'); k > 2 {
				digits = esc[2:k]
			}
		case esc[0] == 'u' && len(esc) >= 5:
			digits = esc[1:5]
		case '0' <= esc[0] && esc[0] <= '7':
			base, digits = 8, esc[:1]
			for len(digits) < 3 && len(digits) < len(esc) && '0' <= esc[len(digits)] && esc[len(digits)] <= '7' {
				digits = esc[:len(digits)+1]
			}
		}
		if len(digits) == 0 || len(digits) > 8 {
			continue
		}
		if n, err := strconv.ParseUint(string(digits), base, 32); err == nil && n < 0x80 && strings.IndexByte(word, byte(n)) >= 0 {
			return true
		}
	}
}

// identByte reports a byte that may continue a JavaScript identifier; any
// byte of a multi-byte character counts, so that a word inside a longer
// non-ASCII name is not taken for the word.
func identByte(b byte) bool {
	return b == '_' || b == '$' || b >= 0x80 ||
		'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}
